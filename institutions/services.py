"""Writes of push-type support: invitations (one by one or from a CSV), joining and leaving."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from consultations.models import ConsultationWindow, Topic
from consultations.services import booking_create, bookings_sitting_in_end, slot_check
from core.errors import ApplicationError
from core.jst import JA_DATETIME, format_jst
from core.mail import outbox_enqueue
from core.site import absolute_url
from sharing.services import shares_revoke_for_institution

from .csvimport import Row
from .models import (
    INVITE_DAYS,
    ConsultationRequest,
    MemberInvitation,
    Membership,
    RequestStatus,
    invitation_expires_at,
    new_nonce,
)
from .models import MemberInvitation as Invitation
from .selectors import is_active_member

INVITE_SALT = "institutions.invitation"


class InvitationLinkError(ApplicationError):
    """A member invitation link that was forged, has expired or was used; `code` says which."""


def invitation_token(invitation: MemberInvitation) -> str:
    return signing.Signer(salt=INVITE_SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def invitation_url(invitation: MemberInvitation) -> str:
    return absolute_url(reverse("institutions:join", args=[invitation_token(invitation)]))


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
        and is_active_member(institution_id=institution.pk, company_id=user.company_id)
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
        _joined_mail(invitation=invitation, membership=membership)
    return membership


def _joined_mail(*, invitation: MemberInvitation, membership: Membership) -> None:
    """The staff member who invited (or, if gone, every staff member) hears that the company joined."""

    invitation = Invitation.objects.select_related("institution", "created_by", "accepted_company").get(
        pk=invitation.pk
    )
    with translation.override("ja"):
        outbox_enqueue(
            key=f"institutions.invitation:{invitation.pk}:accepted",
            to=_institution_addresses(invitation.institution, prefer=invitation.created_by),
            subject=_("【CN支援ポータル】%(name)s が会員として参加しました") % {"name": membership.company.name},
            body=render_to_string(
                "institutions/email/joined.txt",
                {
                    "invitation": invitation,
                    "company": membership.company,
                    "accepted_at": format_jst(invitation.accepted_at, JA_DATETIME),
                    "url": absolute_url(reverse("institutions:dashboard")),
                },
            ),
        )


def membership_leave(*, membership: Membership, user) -> Membership:
    """The company leaves: the membership ends and every share with that institution is revoked at once."""

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
            consultation_requests_end(membership=membership)
    return membership


# --- consultations the institution asks a member to hold, sitting in -------------------------------------------------


def _institution_addresses(institution, *, prefer=None) -> list[str]:
    """The staff member who acted, if still with the institution; otherwise every active staff member."""
    if prefer is not None and prefer.is_active and prefer.institution_id == institution.pk and prefer.email:
        return [prefer.email]
    return list(institution.staff.filter(is_active=True).exclude(email="").values_list("email", flat=True))


def _request_created_mail(item) -> None:
    with translation.override("ja"):
        outbox_enqueue(
            key=f"institutions.request:{item.pk}:created",
            to=item.company.mail_addresses(),
            subject=_("【CN支援ポータル】%(name)s からCN相談のご提案") % {"name": item.institution.name},
            body=render_to_string(
                "institutions/email/request.txt",
                {
                    "item": item,
                    "start": format_jst(item.start, JA_DATETIME) if item.start else "",
                    "url": absolute_url(reverse("institutions:request_detail", args=[item.pk])),
                },
            ),
        )


def _request_answered_mail(item, *, booking=None) -> None:
    with translation.override("ja"):
        outbox_enqueue(
            key=f"institutions.request:{item.pk}:{item.status}",
            to=_institution_addresses(item.institution, prefer=item.requested_by),
            subject=(
                _("【CN支援ポータル】%(name)s がCN相談を予約しました（同席）")
                if booking is not None
                else _("【CN支援ポータル】%(name)s がCN相談の依頼を辞退しました")
            )
            % {"name": item.company.name},
            body=render_to_string(
                "institutions/email/request_answer.txt",
                {
                    "item": item,
                    "booking": booking,
                    "start": format_jst(booking.start, JA_DATETIME) if booking is not None else "",
                    "end": format_jst(booking.end, "%H:%M") if booking is not None else "",
                    "url": absolute_url(
                        reverse("institutions:booking", args=[booking.pk])
                        if booking is not None
                        else reverse("institutions:dashboard") + "#requests"
                    ),
                },
            ),
        )


def consultation_request_create(
    *,
    institution,
    company,
    message: str,
    user,
    window_code: str = "hq",
    start: dt.datetime | None = None,
    preferred: str = "",
    topics: list[str] | None = None,
):
    """Ask an active member company to hold a consultation with the institution sitting in (同席), at a slot the
    institution chose (free now; the company may still take another) or at times that suit it; the company is
    mailed and answers on its page."""

    if user is None or user.institution_id != institution.pk:
        raise ApplicationError(_("この支援機関の職員だけが依頼できます。"))
    if not is_active_member(institution_id=institution.pk, company_id=company.pk):
        raise ApplicationError(_("会員企業にだけ依頼できます。"), field="company")
    window = ConsultationWindow.objects.filter(code=window_code).first()
    if window is None:
        raise ApplicationError(_("相談窓口を選んでください。"), field="window")
    topics = list(topics or [])
    if any(t not in Topic.values for t in topics):
        raise ApplicationError(_("相談したいことを一覧から選んでください。"), field="topics")
    message = (message or "").strip()
    preferred = (preferred or "").strip()
    if not message:
        raise ApplicationError(_("企業へのメッセージを入力してください。"), field="message")
    if start is None and not preferred:
        raise ApplicationError(_("相談の日時を選ぶか、都合のよい日時を入力してください。"), field="start")
    if ConsultationRequest.objects.filter(
        institution=institution, company=company, status=RequestStatus.PENDING
    ).exists():
        raise ApplicationError(
            _("この企業への依頼は、まだ回答を待っています。回答があってから次の依頼を送れます。"), field="company"
        )
    if start is not None:
        start = slot_check(window=window, start=start, company_id=company.pk).start
    with transaction.atomic():
        item = ConsultationRequest.objects.create(
            institution=institution,
            company=company,
            message=message,
            window=window,
            start=start,
            preferred=preferred,
            topics=topics,
            requested_by=user,
        )
        _request_created_mail(item)
    return item


def consultation_request_for_company(*, request_id: int, user):
    """A request made to the user's company, or None (another company's request is not revealed)."""

    if not getattr(user, "company_id", None):
        return None
    return (
        ConsultationRequest.objects.select_related("institution", "company", "window", "booking", "requested_by")
        .filter(pk=request_id, company_id=user.company_id)
        .first()
    )


def _check_answerable(item) -> None:

    if item is None:
        raise ApplicationError(_("依頼が見つかりません。"))
    if item.status != RequestStatus.PENDING:
        raise ApplicationError(_("この依頼にはすでに回答しています。"))
    if not is_active_member(institution_id=item.institution_id, company_id=item.company_id):
        raise ApplicationError(_("退会した支援機関の依頼には回答できません。"))


def consultation_request_confirm(
    *,
    request_id: int,
    user,
    start: dt.datetime,
    topics: list[str],
    question: str,
    meeting_tool: str,
    customer_request: str = "",
    advisor_id: int | None = None,
):
    """The company books the consultation through the normal booking service (its rules, its cap, the advisor's
    hour) with the institution sitting in; the request is marked in the booking's own transaction, so a lost
    slot leaves the request open and a request answered meanwhile books nothing."""

    item = consultation_request_for_company(request_id=request_id, user=user)
    _check_answerable(item)
    window = item.window
    if window is None:
        window = ConsultationWindow.objects.get(code="hq")

    def mark(booking) -> None:
        locked = (
            ConsultationRequest.objects.select_for_update(of=("self",))
            .select_related("institution", "company", "requested_by")
            .get(pk=item.pk)
        )
        _check_answerable(locked)
        locked.status, locked.booking, locked.answered_at = RequestStatus.CONFIRMED, booking, timezone.now()
        locked.save(update_fields=["status", "booking", "answered_at", "updated_at"])
        _request_answered_mail(locked, booking=booking)

    booking_create(
        user=user,
        window_code=window.code,
        start=start,
        mode="online" if window.online else "in_person",
        topics=topics,
        question=question,
        customer_request=customer_request,
        meeting_tool=meeting_tool,
        advisor_id=advisor_id,
        sitting_in_id=item.institution_id,
        on_created=mark,
    )
    item.refresh_from_db()
    return item


def consultation_request_decline(*, request_id: int, user):
    """The company says no; the institution is told. Answering twice changes nothing."""

    item = consultation_request_for_company(request_id=request_id, user=user)
    if item is None:
        raise ApplicationError(_("依頼が見つかりません。"))
    with transaction.atomic():
        item = (
            ConsultationRequest.objects.select_for_update(of=("self",))
            .select_related("institution", "company", "requested_by")
            .get(pk=item.pk)
        )
        if item.status == RequestStatus.PENDING:
            item.status, item.answered_at = RequestStatus.DECLINED, timezone.now()
            item.save(update_fields=["status", "answered_at", "updated_at"])
            _request_answered_mail(item)
    return item


def consultation_requests_end(*, membership: Membership) -> None:
    """A company left: its open requests from that institution end, and the institution no longer sits in on its
    consultations still to come."""

    ConsultationRequest.objects.filter(
        institution_id=membership.institution_id, company_id=membership.company_id, status=RequestStatus.PENDING
    ).update(status=RequestStatus.ENDED, answered_at=timezone.now(), updated_at=timezone.now())
    bookings_sitting_in_end(company_id=membership.company_id, institution_id=membership.institution_id)
