"""Writes of the advisor workspace: invitation and activation, the record, recommendations, availability, feed key."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from consultations import selectors as consultations_selectors
from consultations import services as consultations_services
from consultations.models import (
    ACTIVE_STATUSES,
    Advisor,
    AdvisorAvailability,
    AdvisorDayOff,
    Booking,
    BookingStatus,
    Mode,
)
from consultations.services import DAY_OFF_HORIZON, booking_move, booking_set_meeting, booking_set_status
from core.errors import ApplicationError
from core.jst import JA_DATETIME, JST, format_jst
from core.mail import outbox_enqueue
from core.site import absolute_url
from sharing import services as sharing_services
from sharing.models import AccessAction

from .models import (
    AdvisorAccount,
    FollowUp,
    MoveRequest,
    MoveRequestStatus,
    Recommendation,
    RecommendationKind,
    new_calendar_token,
)
from .shared import advisor_share, shared_sheets

INVITE_SALT = "advisors.invitation"
INVITE_MAX_AGE = dt.timedelta(days=7)


class InvitationError(ApplicationError):
    """An invitation link that was forged, has expired or was used already; `code` says which."""


# --- invitation and activation ------------------------------------------------------------------------------------


def _user_state(user) -> str:
    """Changes once the password is set (or the account signs in), so that a used link cannot be used again."""
    login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
    return salted_hmac(INVITE_SALT, f"{user.pk}|{user.password}|{login}").hexdigest()[:32]


def invitation_token(account: AdvisorAccount) -> str:
    return signing.dumps({"a": account.pk, "s": _user_state(account.user)}, salt=INVITE_SALT)


def invitation_url(account: AdvisorAccount) -> str:
    return absolute_url(reverse("advisors:welcome", args=[invitation_token(account)]))


def advisor_invite_check(*, advisor: Advisor) -> None:
    """Why this advisor cannot be invited (ApplicationError), or nothing."""
    email = (advisor.email or "").strip().lower()
    if not email:
        raise ApplicationError(_("招待するには、専門家のメールアドレスを登録してください。"), field="advisor")
    account = AdvisorAccount.objects.filter(advisor=advisor).first()
    if account is not None:
        if account.activated_at is not None:
            raise ApplicationError(_("この専門家はすでにパスワードを設定済みです。"), field="advisor")
        return
    user = get_user_model().objects.filter(email=email).first()
    if user is not None and (user.company_id or user.institution_id or user.is_staff):
        raise ApplicationError(
            _("このメールアドレスは企業・支援機関・職員のアカウントで使われています。別のアドレスを登録してください。"),
            field="advisor",
        )
    if user is not None and hasattr(user, "advisor_account"):
        raise ApplicationError(_("このメールアドレスは別の専門家のアカウントで使われています。"), field="advisor")


def advisor_invite(*, advisor: Advisor, invited_by) -> AdvisorAccount:
    """SMRJ staff invite an advisor: a login without a password, and a mail with a link to set one (7 days).

    Inviting again (before the password is set) sends a fresh link."""
    User = get_user_model()
    with transaction.atomic():
        Advisor.objects.select_for_update().get(pk=advisor.pk)
        advisor_invite_check(advisor=advisor)
        email = advisor.email.strip().lower()
        account = AdvisorAccount.objects.filter(advisor=advisor).first()
        if account is None:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=None)
            account = AdvisorAccount.objects.create(advisor=advisor, user=user)
        account.invited_by = invited_by
        account.invited_at = timezone.now()
        account.save(update_fields=["invited_by", "invited_at", "updated_at"])
        with translation.override("ja"):
            outbox_enqueue(
                key=f"advisors.invitation:{account.pk}:{account.invited_at.timestamp():.6f}",
                to=[account.user.email],
                subject=_("【CN支援ポータル】専門家用ワークスペースへのご招待"),
                body=render_to_string(
                    "advisors/email/invitation.txt",
                    {"account": account, "url": invitation_url(account), "days": INVITE_MAX_AGE.days},
                ),
            )
    return account


def account_from_invitation(token: str) -> AdvisorAccount:
    """The account of a link, or InvitationError saying whether it was forged, has expired or was used."""
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=INVITE_MAX_AGE)
        pk, state = int(data["a"]), str(data["s"])
    except signing.SignatureExpired:
        raise InvitationError(
            _("このリンクは有効期限（7日間）が切れています。中小機構の相談窓口に招待の再送を依頼してください。"),
            code="expired",
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvitationError(
            _("このリンクは正しくありません。メールのリンクをそのままお使いください。"), code="forged"
        ) from None
    account = AdvisorAccount.objects.select_related("user", "advisor").filter(pk=pk).first()
    if account is None:
        raise InvitationError(
            _("このリンクは正しくありません。メールのリンクをそのままお使いください。"), code="forged"
        )
    if not constant_time_compare(_user_state(account.user), state):
        raise InvitationError(
            _("このリンクはすでに使われています。設定したパスワードでログインしてください。"), code="used"
        )
    return account


def advisor_activate(*, token: str, password: str) -> AdvisorAccount:
    """Set the password of an invited advisor; the link then stops working. The address is verified by the mail."""
    account = account_from_invitation(token)
    user = account.user
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password1") from None
    with transaction.atomic():
        account = AdvisorAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
        if not constant_time_compare(_user_state(account.user), _user_state(user)):
            raise InvitationError(_("このリンクはすでに使われています。"), code="used")
        user = account.user
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        account.activated_at = timezone.now()
        account.save(update_fields=["activated_at", "updated_at"])
    return account


def calendar_token_regenerate(*, account: AdvisorAccount) -> AdvisorAccount:
    """A new private feed address; the old one stops working at once."""
    account.calendar_token = new_calendar_token()
    account.save(update_fields=["calendar_token", "updated_at"])
    return account


# --- consultations -------------------------------------------------------------------------------------------------


def _check_own(*, account: AdvisorAccount, booking: Booking) -> None:
    if booking.advisor_id != account.advisor_id:
        raise ApplicationError(_("担当していない相談です。"))


def record_save(*, account: AdvisorAccount, booking: Booking, private_record: str, next_steps: str) -> Booking:
    """The consultation record (desk and advisors only, kept by consultations' service) and the next steps (the
    company reads them), in one transaction."""
    _check_own(account=account, booking=booking)
    with transaction.atomic():
        booking = consultations_services.booking_record_set(
            booking=booking, private_record=private_record, by=account.user
        )
        _check_own(account=account, booking=booking)
        follow_up, _created = FollowUp.objects.get_or_create(booking=booking)
        follow_up.next_steps = next_steps.strip()
        follow_up.written_by = account.user
        follow_up.save()
    return booking


ADVISOR_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.DONE, BookingStatus.NO_SHOW)


def booking_mark(*, account: AdvisorAccount, booking: Booking, status: str, now: dt.datetime | None = None) -> Booking:
    """Confirm, mark done or no-show through the desk's own status rules (the desk alone cancels)."""

    _check_own(account=account, booking=booking)
    if status not in ADVISOR_STATUSES:
        raise ApplicationError(_("この状態には変更できません。"), field="status")
    return booking_set_status(booking=booking, status=status, now=now)


def meeting_url_set(*, account: AdvisorAccount, booking: Booking, meeting_url: str) -> Booking:
    """The advisor sets (or clears) the meeting URL of an open online booking, through the desk's own service: the
    calendar entry's SEQUENCE goes up, the company (and an institution sitting in) hears of it, the history records
    who changed it."""
    _check_own(account=account, booking=booking)
    if booking.mode == Mode.IN_PERSON:
        raise ApplicationError(_("来所の相談には会議URLは要りません。"), field="meeting_url")
    return booking_set_meeting(
        booking=booking, mode=booking.mode, meeting_tool=booking.meeting_tool, meeting_url=meeting_url.strip()
    )


def move_request_create(
    *, account: AdvisorAccount, booking: Booking, start: dt.datetime, reason: str, now: dt.datetime | None = None
) -> MoveRequest:
    """The advisor asks the desk to move an open booking; the desk decides (it arranges the time with the company).
    Checked now so that a request the desk could not approve is not sent: the hour free for this advisor."""
    _check_own(account=account, booking=booking)
    current = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("理由を入力してください。"), field="reason")
    if start <= current:
        raise ApplicationError(_("これからの日時を選んでください。"), field="start")
    if start > current + DAY_OFF_HORIZON:
        raise ApplicationError(_("1年先までの日時を選んでください。"), field="start")
    try:
        with transaction.atomic():
            booking = Booking.objects.select_for_update().get(pk=booking.pk)
            if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
                raise ApplicationError(_("終了・キャンセル済みの相談は移動を依頼できません。"))
            if start == booking.start:
                raise ApplicationError(_("いまの日時と同じです。別の日時を選んでください。"), field="start")
            end = start + (booking.end - booking.start)
            clash = (
                Booking.objects.filter(
                    advisor_id=booking.advisor_id, status__in=ACTIVE_STATUSES, start__lt=end, end__gt=start
                )
                .exclude(pk=booking.pk)
                .first()
            )
            if clash is not None:
                raise ApplicationError(
                    _("その時間には別の相談（予約番号%(pk)s）が入っています。") % {"pk": clash.pk}, field="start"
                )
            if AdvisorDayOff.objects.filter(advisor_id=booking.advisor_id, date=start.astimezone(JST).date()).exists():
                raise ApplicationError(_("その日は休みに登録されています。"), field="start")
            if MoveRequest.objects.filter(booking=booking, status=MoveRequestStatus.PENDING).exists():
                raise ApplicationError(_("この相談には、窓口の確認待ちの依頼がすでにあります。"))
            item = MoveRequest.objects.create(booking=booking, start=start, reason=reason, requested_by=account.user)
            _move_request_mail(item)
    except IntegrityError:
        raise ApplicationError(_("この相談には、窓口の確認待ちの依頼がすでにあります。")) from None
    return item


def _move_request_mail(item: MoveRequest) -> None:
    booking = item.booking
    with translation.override("ja"):
        outbox_enqueue(
            key=f"advisors.move_request:{item.pk}",
            to=[settings.DESK_EMAIL],
            subject=_("【CN相談】専門家から日時変更の依頼（予約番号%(pk)s）") % {"pk": booking.pk},
            body=render_to_string(
                "advisors/email/move_request.txt",
                {
                    "item": item,
                    "booking": booking,
                    "advisor": booking.advisor,
                    "current": format_jst(booking.start, JA_DATETIME),
                    "proposed": format_jst(item.start, JA_DATETIME),
                    "url": absolute_url(reverse("admin:advisors_moverequest_change", args=[item.pk])),
                },
            ),
        )


def _move_decided_mail(item: MoveRequest) -> None:
    """The advisor who asked hears the desk's decision (once per request, through the outbox)."""
    if item.requested_by_id is None or not item.requested_by.is_active:
        return
    booking = item.booking
    with translation.override("ja"):
        outbox_enqueue(
            key=f"advisors.move_decided:{item.pk}",
            to=[item.requested_by.email],
            subject=_("【CN相談】日時変更の依頼（予約番号%(pk)s）：%(status)s")
            % {"pk": booking.pk, "status": item.get_status_display()},
            body=render_to_string(
                "advisors/email/move_decided.txt",
                {
                    "item": item,
                    "booking": booking,
                    "advisor": booking.advisor,
                    "start": format_jst(booking.start, JA_DATETIME),
                    "proposed": format_jst(item.start, JA_DATETIME),
                    "url": absolute_url(reverse("advisors:booking", args=[booking.pk])),
                },
            ),
        )


def _move_request_pending(pk: int) -> MoveRequest:
    item = MoveRequest.objects.select_for_update().select_related("booking", "booking__advisor").get(pk=pk)
    if item.status != MoveRequestStatus.PENDING:
        raise ApplicationError(_("この依頼はすでに判断されています（%(s)s）。") % {"s": item.get_status_display()})
    return item


def move_request_approve(*, request_id: int, user, now: dt.datetime | None = None) -> MoveRequest:
    """The desk approves: the booking is moved by the desk's booking_move (lock, clash, day off, the institution's
    hour, the company's mail) and the request marked in the same transaction, or neither happens."""
    item = MoveRequest.objects.select_related("booking", "booking__window", "booking__advisor").get(pk=request_id)
    if item.status != MoveRequestStatus.PENDING:
        raise ApplicationError(_("この依頼はすでに判断されています（%(s)s）。") % {"s": item.get_status_display()})

    def mark(_booking: Booking) -> None:
        locked = _move_request_pending(item.pk)
        locked.status = MoveRequestStatus.APPROVED
        locked.decided_by = user
        locked.decided_at = now or timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        locked.booking = _booking
        _move_decided_mail(locked)

    booking = item.booking
    booking_move(
        booking=booking, window=booking.window, advisor=booking.advisor, start=item.start, now=now, on_moved=mark
    )
    item.refresh_from_db()
    return item


def move_request_decline(*, request_id: int, user, note: str, now: dt.datetime | None = None) -> MoveRequest:
    """The desk declines with a reason the advisor reads (workspace and mail); the booking stays as it is."""
    note = note.strip()
    if not note:
        raise ApplicationError(_("見送る理由を入力してください。専門家に伝わります。"), field="note")
    with transaction.atomic():
        item = _move_request_pending(request_id)
        item.status = MoveRequestStatus.DECLINED
        item.decided_by = user
        item.decided_at = now or timezone.now()
        item.desk_note = note
        item.save(update_fields=["status", "decided_by", "decided_at", "desk_note", "updated_at"])
        _move_decided_mail(item)
    return item


def selfcheck_open(*, account: AdvisorAccount, booking: Booking) -> int:
    """The advisor opens the self-check the company shared: the look is logged for the company once per day."""

    _check_own(account=account, booking=booking)
    share = advisor_share(booking=booking)
    if share is None:
        raise ApplicationError(_("企業はセルフチェックの結果を共有していません。"))
    years = [sheet.fiscal_year for sheet in shared_sheets(booking=booking)] or [None]
    return sharing_services.access_record_daily(
        items=[(share, year) for year in years], action=AccessAction.VIEW, user=account.user
    )


def recommendation_add(
    *, account: AdvisorAccount, booking: Booking, kind: str, seminar=None, measure=None, note: str = ""
) -> Recommendation:
    _check_own(account=account, booking=booking)
    if kind == RecommendationKind.SEMINAR and seminar is None:
        raise ApplicationError(_("おすすめするセミナーを選んでください。"), field="seminar")
    if kind == RecommendationKind.SUBSIDY and measure is None:
        raise ApplicationError(_("おすすめする補助金・支援策を選んでください。"), field="measure")
    if kind not in RecommendationKind.values:
        raise ApplicationError(_("種類を選んでください。"), field="kind")
    with transaction.atomic():
        recommendation = Recommendation.objects.create(
            booking=booking,
            kind=kind,
            seminar=seminar if kind == RecommendationKind.SEMINAR else None,
            measure=measure if kind == RecommendationKind.SUBSIDY else None,
            note=note.strip(),
            created_by=account.user,
        )
        _recommendation_mail(recommendation)
    return recommendation


def _recommendation_mail(recommendation: Recommendation) -> None:
    """The company (for an institution's own consultation: the staff member who booked it) hears of the next action."""
    booking = consultations_selectors.booking_with_people(pk=recommendation.booking_id)
    to = booking.company.mail_addresses()
    if not to and booking.created_by_id and booking.created_by.is_active:
        to = [booking.created_by.email]
    site = absolute_url()
    with translation.override("ja"):
        outbox_enqueue(
            key=f"advisors.recommendation:{recommendation.pk}",
            to=to,
            subject=_("【CN相談】専門家からのおすすめ：%(title)s") % {"title": recommendation.title},
            body=render_to_string(
                "advisors/email/recommendation.txt",
                {
                    "booking": booking,
                    "recommendation": recommendation,
                    "consulted_at": format_jst(booking.start, JA_DATETIME),
                    "starts_at": (
                        format_jst(recommendation.seminar.starts_at, JA_DATETIME) if recommendation.seminar_id else ""
                    ),
                    "url": site + reverse("consultations:booking_detail", args=[booking.pk]),
                },
            ),
        )


def recommendation_remove(*, account: AdvisorAccount, recommendation: Recommendation) -> None:
    _check_own(account=account, booking=recommendation.booking)
    recommendation.delete()


# --- availability and days off (consultations' rows: written by its services) ------------------------------------


def availability_replace(
    *, account: AdvisorAccount, rows: list[tuple[int, dt.time, dt.time]]
) -> list[AdvisorAvailability]:
    """The advisor's own weekly hours, through the consultations service that holds the rules."""
    return consultations_services.advisor_hours_replace(advisor=account.advisor, rows=rows, by=account.user)


def day_off_add(*, account: AdvisorAccount, date: dt.date) -> AdvisorDayOff:
    """The advisor's own day off, through the consultations service (refused while bookings are on it)."""
    return consultations_services.advisor_day_off_add(advisor=account.advisor, date=date, by=account.user)


def day_off_remove(*, account: AdvisorAccount, date: dt.date) -> None:
    """The advisor takes back their own day off."""
    consultations_services.advisor_day_off_remove(advisor=account.advisor, date=date, by=account.user)
