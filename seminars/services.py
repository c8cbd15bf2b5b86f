"""Seminar registrations: seats, waitlist, cancellation, and the mails that go with them."""

import base64
import io
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from core.choices import InstitutionType
from core.errors import ApplicationError
from core.ics import CalendarEvent, calendar_bytes
from core.jst import JA_DATETIME, format_jst, to_jst
from core.locking import lock_rows
from core.mail import Attachment, outbox_enqueue
from core.site import absolute_url

from .models import Audience, Registration, RegistrationStatus, Seminar, SeminarFormat

TOKEN_SALT = "seminars.registration"
TOKEN_MAX_AGE = 60 * 60 * 24 * 180


def audience_of(user: User) -> str | None:
    """Which audience a user belongs to; None for SMRJ staff, who may join anything."""
    if user.is_staff:
        return None
    if user.institution_id:
        kind = user.institution.kind
        if kind == InstitutionType.BANK:
            return Audience.FINANCIAL
        if kind == InstitutionType.CONSULTANT:
            return Audience.CONSULTANT
        return Audience.INSTITUTION
    return Audience.SME


def _organisation_of(user: User) -> str:
    if user.company_id:
        return user.company.name
    if user.institution_id:
        return user.institution.name
    return ""


def registration_create(*, seminar_id: int, user: User) -> Registration:
    """Register a user, or put them on the waitlist when the seats are gone."""
    with transaction.atomic():
        # Lock the seminar row: it is what becomes scarcer, so concurrent sign-ups queue here (as bookings do: with
        # the lock timeout, so a sign-up stuck behind a hung one is told to try again instead of waiting on).
        lock_rows([(Seminar, [seminar_id])])
        seminar = Seminar.objects.get(pk=seminar_id, is_published=True)
        if not seminar.accepts_registration or not seminar.is_open_for_registration:
            raise ApplicationError(_("このセミナーの申込受付は終了しました。"))
        audience = audience_of(user)
        if audience is not None and audience not in seminar.audiences:
            raise ApplicationError(
                _("このセミナーの対象は「%(audiences)s」のため、お申し込みいただけません。")
                % {"audiences": "・".join(seminar.audience_labels)}
            )
        if seminar.registrations.filter(user=user).exclude(status=RegistrationStatus.CANCELLED).exists():
            raise ApplicationError(_("このセミナーにはすでに申し込んでいます。"))
        taken = seminar.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        has_seat = seminar.capacity is None or taken < seminar.capacity
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    seminar=seminar,
                    user=user,
                    organisation=_organisation_of(user),
                    status=RegistrationStatus.REGISTERED if has_seat else RegistrationStatus.WAITLISTED,
                    waitlisted_at=None if has_seat else timezone.now(),
                )
        except IntegrityError as exc:
            raise ApplicationError(_("このセミナーにはすでに申し込んでいます。")) from exc
        kind = "confirmation" if has_seat else "waitlisted"
        _mail(registration, kind)
    return registration


def registration_cancel(*, registration: Registration, notify: bool = True) -> Registration:
    """Cancel a registration or leave the waitlist; a freed seat goes to the first person waiting. The person is
    told by mail (with a METHOD:CANCEL .ics that removes the event their confirmation put in their calendar), unless
    `notify` is off (an account being closed)."""
    with transaction.atomic():
        lock_rows([(Seminar, [registration.seminar_id]), (Registration, [registration.pk])])
        seminar = Seminar.objects.get(pk=registration.seminar_id)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status == RegistrationStatus.CANCELLED:
            raise ApplicationError(_("この申込はすでにキャンセルされています。"))
        if registration.checked_in_at is not None:
            raise ApplicationError(_("会場で受付を済ませた申込はキャンセルできません。"))
        if seminar.starts_at is None or seminar.starts_at <= timezone.now():
            raise ApplicationError(_("開始後のセミナーはキャンセルできません。"))
        freed_seat = registration.status == RegistrationStatus.REGISTERED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        if freed_seat:
            _promote_waitlist(seminar)
        if notify:
            _mail(registration, "cancelled" if freed_seat else "left")
    return registration


def _promote_waitlist(seminar: Seminar) -> int:
    """Give free seats to the people waiting, first come first served; the caller holds the seminar's lock."""
    taken = seminar.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    free = None if seminar.capacity is None else max(seminar.capacity - taken, 0)
    waiting = seminar.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("waitlisted_at", "pk")
    promoted = 0
    for registration in waiting[:free] if free is not None else waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        _mail(registration, "promoted")
        promoted += 1
    return promoted


def seminar_set_capacity(*, seminar: Seminar, capacity: int | None) -> tuple[Seminar, int]:
    """The desk changes the number of seats (None: no limit); new seats go to the waitlist in order.

    Lowering below the people already registered is refused: the desk cancels registrations first (each person is
    told), rather than the portal silently holding more people than seats. Returns the seminar and how many were
    promoted."""
    if capacity is not None and capacity < 0:
        raise ApplicationError(_("定員は0以上の数で入力してください。"), field="capacity")
    with transaction.atomic(durable=True):
        lock_rows([(Seminar, [seminar.pk])])
        seminar = Seminar.objects.get(pk=seminar.pk)
        registered = seminar.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        if capacity is not None and capacity < registered:
            raise ApplicationError(
                _("定員は申込済みの人数（%(n)s名）より少なくできません。先に申込をキャンセルしてください。")
                % {"n": registered},
                field="capacity",
            )
        seminar.capacity = capacity
        seminar.save(update_fields=["capacity", "updated_at"])
        promoted = _promote_waitlist(seminar)
    return seminar, promoted


def registration_set_attendance(*, registration: Registration, attended: bool | None) -> Registration:
    """Record whether a registered person attended (None: not known); only once the seminar has started."""
    with transaction.atomic(durable=True):
        lock_rows([(Registration, [registration.pk])])
        registration = Registration.objects.select_related("seminar").get(pk=registration.pk)
        if registration.status != RegistrationStatus.REGISTERED:
            raise ApplicationError(_("参加が確定した申込だけ出欠を記録できます。"), field="attended")
        if registration.seminar.starts_at is not None and registration.seminar.starts_at > timezone.now():
            raise ApplicationError(_("出欠はセミナーの開始後に記録してください。"), field="attended")
        registration.attended = attended
        if attended is not True:  # the desk corrects a check-in made by mistake: the check-in goes with it
            registration.checked_in_at = None
            registration.checked_in_by = None
        registration.save(update_fields=["attended", "checked_in_at", "checked_in_by", "updated_at"])
    return registration


def seminar_announce_materials(*, seminar: Seminar) -> int:
    """Tell every registered person that the materials are up (once per registration)."""
    if not seminar.materials.exists():
        raise ApplicationError(_("資料が登録されていません。"))
    sent = 0
    with transaction.atomic():
        for registration in seminar.registrations.filter(status=RegistrationStatus.REGISTERED).select_related(
            "user", "seminar"
        ):
            sent += _mail(registration, "materials") is not None
        seminar.materials_announced_at = timezone.now()
        seminar.save(update_fields=["materials_announced_at", "updated_at"])
    return sent


def reminders_send(*, now=None) -> int:
    """Queue the day-before and hour-before reminders that are due; each goes once per registration."""
    now = now or timezone.now()
    queued = 0
    day = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        seminar__starts_at__gt=now,
        seminar__starts_at__lte=now + timezone.timedelta(hours=24),
    ).select_related("seminar", "user")
    for registration in day:
        queued += _mail(registration, "reminder-day") is not None
    hour = day.filter(
        seminar__starts_at__lte=now + timezone.timedelta(hours=1), seminar__format__in=["online", "hybrid"]
    )
    for registration in hour:
        queued += _mail(registration, "reminder-hour") is not None
    return queued


def token_for(registration: Registration, action: str) -> str:
    return signing.dumps({"r": registration.pk, "a": action}, salt=TOKEN_SALT)


def registration_from_token(*, token: str, action: str) -> Registration:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise ApplicationError(_("リンクが無効か、有効期限が切れています。")) from exc
    if data.get("a") != action:
        raise ApplicationError(_("リンクが無効か、有効期限が切れています。"))
    try:
        return Registration.objects.select_related("seminar", "user").get(pk=data["r"])
    except Registration.DoesNotExist as exc:
        raise ApplicationError(_("リンクが無効か、有効期限が切れています。")) from exc


def seminar_ics(seminar: Seminar, *, with_link: bool = False) -> bytes:
    return calendar_bytes([calendar_event(seminar, with_link=with_link)])


def registration_ics(registration: Registration, *, cancelled: bool = False) -> bytes:
    """The seminar in the registered person's calendar, with the link and, for a venue, the check-in code and QR: an
    RFC 5546 REQUEST from the seminar desk to the person (same UID as the public file), or, for a cancelled
    registration, the CANCEL with a higher SEQUENCE that takes it out of their calendar."""
    event = replace(
        calendar_event(registration.seminar, with_link=not cancelled),
        organizer=(settings.DESK_EMAIL, _("CN支援ポータル セミナー事務局")),
        attendees=((registration.user.email, registration.user.get_full_name()),),
    )
    if cancelled:
        return calendar_bytes([replace(event, cancelled=True, sequence=event.sequence + 1)])
    if has_door(registration.seminar):
        code = _("受付番号：%(code)s（会場の受付でQRコードかこの番号をお見せください）") % {
            "code": checkin_code(registration)
        }
        event = replace(
            event,
            description=f"{event.description}\n{code}".strip(),
            attachments=(("image/png", checkin_qr_png(registration)),),
        )
    return calendar_bytes([event])


def calendar_event(seminar: Seminar, *, with_link: bool = False) -> CalendarEvent:
    url = absolute_url(reverse("seminars:detail", args=[seminar.pk]))
    location = seminar.venue or str(seminar.get_format_display())
    description = seminar.summary
    if with_link and seminar.streaming_url:
        description = f"{description}\n{_('配信URL')}: {seminar.streaming_url}".strip()
    return CalendarEvent(
        uid=f"seminar-{seminar.pk}@cn-portal",
        start=seminar.starts_at,
        end=seminar.ends_at,
        summary=seminar.title,
        description=description,
        location=location,
        url=url,
    )


SUBJECTS = {
    "confirmation": "セミナーのお申し込みを受け付けました",
    "waitlisted": "キャンセル待ちに登録しました",
    "promoted": "キャンセル待ちから参加が確定しました",
    "reminder-day": "明日のセミナーのご案内",
    "reminder-hour": "まもなくセミナーが始まります",
    "materials": "セミナー資料を公開しました",
    "cancelled": "セミナーのお申し込みをキャンセルしました",
    "left": "キャンセル待ちを取り消しました",
}


def _mail(registration: Registration, kind: str):
    seminar = registration.seminar
    base = absolute_url()
    context = {
        "registration": registration,
        "seminar": seminar,
        "starts": to_jst(seminar.starts_at),
        "ends": to_jst(seminar.ends_at),
        "detail_url": base + reverse("seminars:detail", args=[seminar.pk]),
        "cancel_url": base + reverse("seminars:token_cancel", args=[token_for(registration, "cancel")]),
        "leave_url": base + reverse("seminars:token_leave", args=[token_for(registration, "leave")]),
        "kind": kind,
        "checkin_code": checkin_code(registration) if has_door(seminar) else "",
    }
    attachments = []
    if kind == "cancelled":
        attachments.append(Attachment("seminar.ics", registration_ics(registration, cancelled=True), "text/calendar"))
    if kind in ("confirmation", "promoted"):
        attachments.append(Attachment("seminar.ics", registration_ics(registration), "text/calendar"))
        if has_door(seminar):
            attachments.append(Attachment("checkin-qr.png", checkin_qr_png(registration), "image/png"))
    return outbox_enqueue(
        key=f"seminars.registration:{registration.pk}:{kind}",
        to=[registration.user.email],
        subject=f"[CN支援ポータル] {SUBJECTS[kind]}：{seminar.title}",
        body=render_to_string(f"seminars/email/{kind}.txt", context),
        attachments=attachments,
    )


def registrations_forget_user(*, user: User) -> None:
    """A closing account gives up its seats still to come (the waitlist moves up); past rows keep only the count."""
    now = timezone.now()
    upcoming = (
        Registration.objects.filter(user=user, seminar__starts_at__gt=now)
        .exclude(status=RegistrationStatus.CANCELLED)
        .order_by("pk")
    )
    for registration in upcoming:
        registration_cancel(registration=registration, notify=False)
    Registration.objects.filter(user=user).update(organisation="")
    Registration.history.filter(user_id=user.pk).update(organisation="")


def on_account_closing(sender, *, user: User, company, **kwargs) -> None:
    registrations_forget_user(user=user)


# --- Check-in at the door (a seminar-desk member's phone scans the QR code of the registration mail) ----------------

CHECKIN_OPENS_BEFORE = timedelta(hours=3)
CHECKIN_CLOSES_AFTER = timedelta(hours=3)  # after the end (or the start, when no end is set)
CHECKIN_FORMATS = (SeminarFormat.ONSITE, SeminarFormat.HYBRID, SeminarFormat.TRAINING)
_CODE_SALT = "seminars.checkin-code"


def has_door(seminar: Seminar) -> bool:
    """Whether people come to a venue (and so are checked in there); online and video seminars have no door."""
    return seminar.format in CHECKIN_FORMATS


def _code_check(pk: int) -> str:
    digest = salted_hmac(_CODE_SALT, str(pk)).digest()
    return base64.b32encode(digest).decode()[:4]


def checkin_code(registration: Registration) -> str:
    """The short code printed in the mail, typed at the door when no camera works: the id and a 4-letter check."""
    return f"{registration.pk}-{_code_check(registration.pk)}"


def checkin_url(registration: Registration) -> str:
    """The signed address in the QR code; only a seminar-desk member with the second factor can act on it."""
    token = token_for(registration, "checkin")
    return absolute_url(reverse("seminars:checkin_scan", args=[registration.seminar_id, token]))


def checkin_qr_png(registration: Registration) -> bytes:
    import qrcode

    image = qrcode.make(checkin_url(registration), box_size=6, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _of_seminar(registration: Registration, seminar_id: int) -> Registration:
    if registration.seminar_id != seminar_id:
        raise ApplicationError(
            _("別のセミナー（%(other)s）の申込です。受付しているセミナーのものか確認してください。")
            % {"other": registration.seminar.title}
        )
    return registration


def registration_for_checkin(*, seminar_id: int, token: str) -> Registration:
    """The registration a scanned QR code names, refused when forged or when it belongs to another seminar."""
    try:
        registration = registration_from_token(token=token, action="checkin")
    except ApplicationError as exc:
        raise ApplicationError(_("QRコードを読み取れませんでした。受付番号で探してください。")) from exc
    return _of_seminar(registration, seminar_id)


def registration_for_code(*, seminar_id: int, code: str) -> Registration:
    """The registration a typed short code names (full-width digits and any dash accepted)."""
    text = unicodedata.normalize("NFKC", code or "").strip().upper().replace("ー", "-").replace("−", "-")
    number, _dash, check = text.partition("-")
    if not number.isdigit() or not constant_time_compare(check, _code_check(int(number))):
        raise ApplicationError(
            _("受付番号が見つかりません。メールに書かれた番号（例：123-ABCD）を入力してください。"), field="code"
        )
    try:
        registration = Registration.objects.select_related("seminar", "user").get(pk=int(number))
    except Registration.DoesNotExist as exc:
        raise ApplicationError(_("受付番号が見つかりません。"), field="code") from exc
    return _of_seminar(registration, seminar_id)


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    already: bool  # checked in before this request (the time is on the registration)


def registration_check_in(*, registration_id: int, user: User, now: datetime | None = None) -> CheckIn:
    """Record that the person is here: once, from three hours before the start until three hours after the end."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        lock_rows([(Registration, [registration_id])])  # two phones scanning one code: one check-in
        registration = Registration.objects.select_related("seminar", "user").get(pk=registration_id)
        if registration.checked_in_at is not None:
            return CheckIn(registration=registration, already=True)
        if registration.status != RegistrationStatus.REGISTERED:
            raise ApplicationError(
                _("この申込は「%(status)s」のため受付できません。") % {"status": registration.get_status_display()}
            )
        seminar = registration.seminar
        if seminar.starts_at is None:
            raise ApplicationError(_("開始日時が決まっていないセミナーは受付できません。"))
        if now < seminar.starts_at - CHECKIN_OPENS_BEFORE:
            raise ApplicationError(
                _("受付は開始の3時間前からです（開始：%(start)s）。")
                % {"start": format_jst(seminar.starts_at, JA_DATETIME)}
            )
        if now > (seminar.ends_at or seminar.starts_at) + CHECKIN_CLOSES_AFTER:
            raise ApplicationError(_("このセミナーの受付は終了しています。出欠は管理サイトで記録してください。"))
        registration.attended = True
        registration.checked_in_at = now
        registration.checked_in_by = user
        registration.save(update_fields=["attended", "checked_in_at", "checked_in_by", "updated_at"])
    return CheckIn(registration=registration, already=False)
