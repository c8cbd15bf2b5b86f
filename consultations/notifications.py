"""E-mails about bookings (SME, advisor, desk), each queued once through the outbox with an .ics file."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.ics import CalendarEvent, calendar_bytes
from core.jst import JA_DATETIME, format_jst
from core.mail import Attachment, outbox_enqueue
from core.site import absolute_url

from . import hooks
from .models import Booking, BookingStatus, Mode

SUBJECTS = {
    "created": gettext_noop("【CN相談】ご予約を受け付けました"),
    "confirmed": gettext_noop("【CN相談】ご予約が確定しました"),
    "changed": gettext_noop("【CN相談】ご予約の日時を変更しました"),
    "updated": gettext_noop("【CN相談】ご予約の内容を変更しました"),
    "cancelled": gettext_noop("【CN相談】ご予約をキャンセルしました"),
    "reminder": gettext_noop("【CN相談】明日のご相談のお知らせ"),
}


def booking_links(booking: Booking) -> dict[str, str]:
    base = absolute_url()
    return {
        "detail": base + reverse("consultations:booking_detail", args=[booking.pk]),
        "reschedule": base + reverse("consultations:booking_reschedule", args=[booking.pk, booking.token]),
        "cancel": base + reverse("consultations:booking_cancel", args=[booking.pk, booking.token]),
    }


def booking_location(booking: Booking) -> str:
    if booking.mode == Mode.IN_PERSON:
        return booking.window.address
    return booking.meeting_url


# What the SME's calendar should say: requested is only pencilled in until the desk confirms it.
ICS_STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.DONE: "CONFIRMED",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.NO_SHOW: "CANCELLED",
    BookingStatus.HELD: "TENTATIVE",
    BookingStatus.EXPIRED: "CANCELLED",
}


def booking_ics(booking: Booking, *, cancelled: bool = False) -> bytes:
    event = CalendarEvent(
        uid=f"consultation-{booking.pk}@cn-portal",
        start=booking.start,
        end=booking.end,
        summary=_("CN相談（%(window)s）") % {"window": booking.window.name},
        description=booking_links(booking)["detail"],
        location=booking_location(booking),
        url=booking_links(booking)["detail"],
        sequence=booking.sequence,
        cancelled=cancelled,
        status=ICS_STATUS[booking.status],
        organizer=(settings.DESK_EMAIL, _("CN相談デスク")),
        attendees=tuple(
            (person.email, name)
            for person, name in (
                (booking.created_by, booking.created_by.get_full_name() if booking.created_by_id else ""),
                (booking.advisor, booking.advisor.name),
            )
            if person is not None and person.email
        ),
    )
    return calendar_bytes([event])


def notify_booking(*, booking: Booking, kind: str) -> bool:
    """Queue the mails of one event; the keys make each one exactly-once. True when the SME mail was new."""
    with translation.override("ja"):
        cancelled = kind == "cancelled"
        suffix = {
            "created": "created",
            "confirmed": "confirmed",
            "changed": f"changed:{booking.sequence}",
            "updated": f"updated:{booking.sequence}",
            "cancelled": "cancelled",
            "reminder": f"reminder:{booking.start:%Y%m%dT%H%M}",
        }[kind]
        ics = Attachment(
            filename="consultation.ics", content=booking_ics(booking, cancelled=cancelled), mimetype="text/calendar"
        )
        context = {
            "booking": booking,
            "kind": kind,
            "links": booking_links(booking),
            "location": booking_location(booking),
            "cutoff_hours": getattr(settings, "CONSULTATIONS_CANCEL_CUTOFF_HOURS", 24),
        }
        sme_to = [booking.created_by.email] if booking.created_by_id else []
        row = outbox_enqueue(
            key=f"consultations.booking:{booking.pk}:{suffix}",
            to=sme_to,
            subject=_(SUBJECTS[kind]),
            body=render_to_string("consultations/email/sme.txt", context),
            attachments=[ics],
        )
        if kind != "reminder":
            staff_to = [settings.DESK_EMAIL]
            if booking.advisor.email:
                staff_to.append(booking.advisor.email)
            outbox_enqueue(
                key=f"consultations.booking:{booking.pk}:{suffix}:staff",
                to=staff_to,
                subject=_(SUBJECTS[kind]) + f" #{booking.pk} {booking.company.name}",
                body=render_to_string("consultations/email/staff.txt", context),
                attachments=[ics],
            )
        if booking.sitting_in_id and (
            kind in INSTITUTION_KINDS or (kind == "created" and not hooks.booked_on_request(booking=booking))
        ):
            _notify_sitting_in(booking=booking, kind=kind, suffix=suffix, context=context)
    return row is not None


def hold_confirm_url(booking: Booking) -> str:
    return absolute_url(reverse("consultations:hold_confirm", args=[booking.pk, booking.token]))


def notify_hold(*, booking: Booking) -> None:
    """The newcomer's link that confirms the address and the booking (once per hold)."""
    with translation.override("ja"):
        outbox_enqueue(
            key=f"consultations.booking:{booking.pk}:hold",
            to=[booking.created_by.email],
            subject=_("【%(site)s】ご予約を確定してください（%(until)sまで）")
            % {"site": settings.SITE_NAME, "until": format_jst(booking.hold_expires_at, "%H:%M")},
            body=render_to_string(
                "consultations/email/hold.txt", {"booking": booking, "confirm_url": hold_confirm_url(booking)}
            ),
        )


def notify_account_cannot_hold(*, user, now) -> None:
    """An address of an account that cannot book by mail link (staff, advisor, institution, no company yet) was
    used on the calendar: its owner is told to log in. At most one such mail an hour per account."""
    with translation.override("ja"):
        outbox_enqueue(
            key=f"consultations.hold-refused:{user.pk}:{format_jst(now, '%Y%m%d%H')}",
            to=[user.email],
            subject=_("【%(site)s】相談予約はログインしてからお申し込みください") % {"site": settings.SITE_NAME},
            body=render_to_string(
                "consultations/email/hold_refused.txt",
                {
                    "user": user,
                    "login_url": absolute_url(reverse("account_login")),
                    "reset_url": absolute_url(reverse("account_reset_password")),
                },
            ),
        )


# The institution sitting in hears what changes the meeting it attends, a mail per event like the company's; of a new
# booking too when the company named it in its own intake (a booking made on the institution's request is told by
# the request's answer, institutions.services).
INSTITUTION_KINDS = ("confirmed", "changed", "updated", "cancelled")


def _notify_sitting_in(*, booking: Booking, kind: str, suffix: str, context: dict) -> None:
    institution = booking.sitting_in
    to = list(institution.staff.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    url = absolute_url(reverse("institutions:booking", args=[booking.pk]))
    outbox_enqueue(
        key=f"consultations.booking:{booking.pk}:{suffix}:institution",
        to=to,
        subject=(
            _("【CN相談】%(company)s が貴機関の同席でCN相談を申し込みました") % {"company": booking.company.name}
            if kind == "created"
            else _("%(subject)s（同席：%(company)s）") % {"subject": _(SUBJECTS[kind]), "company": booking.company.name}
        ),
        body=render_to_string(
            "consultations/email/institution.txt",
            {
                **context,
                "start": format_jst(booking.start, JA_DATETIME),
                "end": format_jst(booking.end, "%H:%M"),
                "url": url,
            },
        ),
    )
