"""Writes of push-type support: invitations (one by one or from a CSV), joining and leaving."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.mail import outbox_enqueue

from .csvimport import Row
from .models import MemberInvitation, Membership, new_nonce

INVITE_SALT = "institutions.invitation"
INVITE_DAYS = 14


class InvitationLinkError(ApplicationError):
    """A member invitation link that was forged, has expired or was used; `code` says which."""


def invitation_token(invitation: MemberInvitation) -> str:
    return signing.Signer(salt=INVITE_SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def invitation_url(invitation: MemberInvitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("institutions:join", args=[invitation_token(invitation)])


def invitation_expires_at(invitation: MemberInvitation) -> dt.datetime:
    return invitation.sent_at + dt.timedelta(days=INVITE_DAYS)


def _mail(invitation: MemberInvitation) -> None:
    with translation.override("ja"):
        outbox_enqueue(
            key=f"institutions.invitation:{invitation.pk}:{invitation.send_count}",
            to=[invitation.email],
            subject=_("【CN支援ポータル】%(name)s からのご案内") % {"name": invitation.institution.name},
            body=render_to_string(
                "institutions/email/invitation.txt",
                {"invitation": invitation, "url": invitation_url(invitation), "days": INVITE_DAYS},
            ),
        )


def row_problems(*, institution, row: Row) -> list[str]:
    """What stops an invitation to this address besides the row's own format problems."""
    problems = list(row.problems)
    if not row.email or problems:
        return problems
    user = get_user_model().objects.filter(email__iexact=row.email).select_related("company").first()
    if user is not None and (user.institution_id or user.is_staff or hasattr(user, "advisor_account")):
        problems.append(_("支援機関・職員・専門家のアドレスです"))
    elif (
        user is not None
        and user.company_id
        and Membership.objects.filter(
            institution=institution, company_id=user.company_id, left_at__isnull=True
        ).exists()
    ):
        problems.append(_("すでに会員です"))
    if MemberInvitation.objects.filter(
        institution=institution, email__iexact=row.email, accepted_at__isnull=True
    ).exists():
        problems.append(_("招待済みです（一覧から再送できます）"))
    return problems


def invitations_send(*, institution, rows: list[Row], user) -> list[MemberInvitation]:
    """Invite every row without a problem (checked again now), one mail each; returns the invitations made."""
    if user is None or user.institution_id != institution.pk:
        raise ApplicationError(_("この支援機関の職員だけが招待できます。"))
    made = []
    for row in rows:
        if row_problems(institution=institution, row=row):
            continue
        try:
            with transaction.atomic():
                invitation = MemberInvitation.objects.create(
                    institution=institution,
                    email=row.email.lower(),
                    company_name=row.company_name,
                    contact_name=row.contact_name,
                    sent_at=timezone.now(),
                    created_by=user,
                )
                _mail(invitation)
        except IntegrityError:  # invited by a colleague a moment ago
            continue
        made.append(invitation)
    return made


def invitation_resend(*, invitation: MemberInvitation, user) -> MemberInvitation:
    """A fresh link (the previous one stops working) and 14 more days."""
    if user is None or user.institution_id != invitation.institution_id:
        raise ApplicationError(_("この支援機関の職員だけが再送できます。"))
    with transaction.atomic():
        invitation = MemberInvitation.objects.select_for_update().select_related("institution").get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ApplicationError(_("この招待はすでに受け入れられています。"))
        invitation.nonce = new_nonce()
        invitation.sent_at = timezone.now()
        invitation.send_count += 1
        invitation.save(update_fields=["nonce", "sent_at", "send_count", "updated_at"])
        _mail(invitation)
    return invitation


def invitation_from_token(token: str, *, now: dt.datetime | None = None) -> MemberInvitation:
    forged = _("このリンクは正しくないか、新しい招待メールで置き換えられました。最新のメールのリンクをお使いください。")
    try:
        data = signing.Signer(salt=INVITE_SALT).unsign_object(token)
        pk, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvitationLinkError(forged, code="forged") from None
    invitation = MemberInvitation.objects.select_related("institution").filter(pk=pk).first()
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        raise InvitationLinkError(forged, code="forged")
    if invitation.accepted_at is not None:
        raise InvitationLinkError(_("この招待はすでに使われています。マイページから所属を確認できます。"), code="used")
    if (now or timezone.now()) >= invitation_expires_at(invitation):
        raise InvitationLinkError(
            _("この招待リンクは有効期限（%(days)s日間）が切れています。支援機関に再送を依頼してください。")
            % {"days": INVITE_DAYS},
            code="expired",
        )
    return invitation


def invitation_accept(*, token: str, user) -> Membership:
    """The company of the signed-in user joins the institution (once; the link then stops working)."""
    invitation = invitation_from_token(token)
    if not getattr(user, "company_id", None):
        raise ApplicationError(_("会員になるには、先に企業情報を登録してください。"))
    with transaction.atomic():
        invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationLinkError(_("この招待はすでに使われています。"), code="used")
        membership = Membership.objects.filter(
            institution_id=invitation.institution_id, company_id=user.company_id, left_at__isnull=True
        ).first()
        if membership is None:
            membership = Membership.objects.create(
                institution_id=invitation.institution_id, company_id=user.company_id, invitation=invitation
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_company_id = user.company_id
        invitation.save(update_fields=["accepted_at", "accepted_company", "updated_at"])
    return membership


def membership_leave(*, membership: Membership, user) -> Membership:
    """The company leaves: the membership ends and every share with that institution is revoked at once."""
    from sharing.services import shares_revoke_for_institution

    if getattr(user, "company_id", None) != membership.company_id:
        raise ApplicationError(_("退会できるのは、その企業のユーザーだけです。"))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.left_at is None:
            membership.left_at = timezone.now()
            membership.save(update_fields=["left_at", "updated_at"])
            shares_revoke_for_institution(
                company=membership.company, institution=membership.institution, reason=_("支援機関から退会")
            )
    return membership


# --- consultations the institution asks a member to hold, sitting in -------------------------------------------------


def consultation_request_create(*, institution, company, message: str, user):
    """Ask a member company (an active member only) to hold a consultation with the institution sitting in."""
    from .models import ConsultationRequest

    if user is None or user.institution_id != institution.pk:
        raise ApplicationError(_("この支援機関の職員だけが依頼できます。"))
    if not Membership.objects.filter(institution=institution, company=company, left_at__isnull=True).exists():
        raise ApplicationError(_("会員企業にだけ依頼できます。"), field="company")
    message = (message or "").strip()
    if not message:
        raise ApplicationError(_("企業へのメッセージを入力してください。"), field="message")
    return ConsultationRequest.objects.create(
        institution=institution, company=company, message=message, requested_by=user
    )


def consultation_request_confirm(*, request_id: int, booking_id: int, user):
    """The company picks one of its upcoming bookings; the institution is set to sit in (同席) and sees it."""
    from consultations.models import Booking, BookingStatus

    from .models import ConsultationRequest, RequestStatus

    with transaction.atomic():
        item = ConsultationRequest.objects.select_for_update().filter(pk=request_id, company_id=user.company_id).first()
        if item is None:
            raise ApplicationError(_("依頼が見つかりません。"))
        if item.status != RequestStatus.PENDING:
            raise ApplicationError(_("この依頼はすでに回答済みです。"))
        if not Membership.objects.filter(
            institution_id=item.institution_id, company_id=user.company_id, left_at__isnull=True
        ).exists():
            raise ApplicationError(_("退会した支援機関の依頼には回答できません。"))
        booking = (
            Booking.objects.select_for_update()
            .filter(
                pk=booking_id,
                company_id=user.company_id,
                status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED],
                start__gt=timezone.now(),
            )
            .first()
        )
        if booking is None:
            raise ApplicationError(_("これからの予約を選んでください。"), field="booking")
        booking.sitting_in_id = item.institution_id
        booking.save(update_fields=["sitting_in", "updated_at"])
        item.status, item.booking = RequestStatus.CONFIRMED, booking
        item.save(update_fields=["status", "booking", "updated_at"])
    return item


def consultation_request_decline(*, request_id: int, user):
    from .models import ConsultationRequest, RequestStatus

    with transaction.atomic():
        item = ConsultationRequest.objects.select_for_update().filter(pk=request_id, company_id=user.company_id).first()
        if item is None:
            raise ApplicationError(_("依頼が見つかりません。"))
        if item.status == RequestStatus.PENDING:
            item.status = RequestStatus.DECLINED
            item.save(update_fields=["status", "updated_at"])
    return item
