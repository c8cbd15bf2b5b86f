"""Slot computation and booking writes for the CN consultation windows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import jpholiday
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Company, SupportInstitution, User
from accounts.services import (
    account_create_unconfirmed,
    booking_company_id,
    email_address_confirm,
    institution_consulting_company,
)
from core.errors import ApplicationError
from core.jst import JST, format_jst, jst_date, jst_today, to_jst
from core.locking import LockTimeout, is_lock_timeout, lock_rows

from . import hooks
from .models import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    UNCONFIRMED,
    Advisor,
    AdvisorAvailability,
    AdvisorDayOff,
    Booking,
    BookingStatus,
    Closure,
    ConsultationWindow,
    MeetingTool,
    Mode,
    OpeningRule,
    Topic,
    Weekday,
    sitting_in_clash_message,
)
from .notifications import notify_account_cannot_hold, notify_booking, notify_hold

TAKEN_MESSAGE = gettext_noop("この枠はたった今埋まりました。別の日時を選んでください。")


def notice_hours() -> int:
    return getattr(settings, "CONSULTATIONS_NOTICE_HOURS", 24)


def horizon_weeks() -> int:
    return getattr(settings, "CONSULTATIONS_HORIZON_WEEKS", 8)


def max_future_bookings() -> int:
    return getattr(settings, "CONSULTATIONS_MAX_FUTURE_BOOKINGS", 2)


def cancel_cutoff_hours() -> int:
    return getattr(settings, "CONSULTATIONS_CANCEL_CUTOFF_HOURS", 24)


def hold_minutes() -> int:
    """How long a newcomer's booking holds its hour before the e-mail link confirms it."""
    return getattr(settings, "CONSULTATIONS_HOLD_MINUTES", 30)


@dataclass
class Slot:
    start: dt.datetime
    end: dt.datetime
    free_advisor_ids: list[int] = field(default_factory=list)
    # The viewing company already holds a booking overlapping this slot (in any window).
    own_booking: bool = False

    @property
    def free(self) -> bool:
        return bool(self.free_advisor_ids)


def booking_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Earliest and latest slot start: the next day after the notice period, up to the horizon."""
    now = (now or timezone.now()).astimezone(JST)
    earliest = now + dt.timedelta(hours=notice_hours())
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    earliest = max(earliest, tomorrow)
    latest = dt.datetime.combine(now.date() + dt.timedelta(weeks=horizon_weeks()), dt.time(23, 59), tzinfo=JST)
    return earliest, latest


def is_closed_day(day: dt.date) -> bool:
    return bool(jpholiday.is_holiday(day))


def window_slots(
    *,
    window: ConsultationWindow,
    date_from: dt.date,
    date_to: dt.date,
    now: dt.datetime | None = None,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Every bookable slot of a window between two dates with its free advisors, fresh from the database.

    Writes (booking, rescheduling) check against this; pages and the API read `selectors.window_slots`, the same
    figures cached under the consultations version token."""
    earliest, latest = booking_bounds(now)
    grid = slot_grid(window=window, date_from=date_from, date_to=date_to, exclude_booking_id=exclude_booking_id)
    return [slot for slot in grid if earliest <= slot.start <= latest]


def slot_grid(
    *,
    window: ConsultationWindow,
    date_from: dt.date,
    date_to: dt.date,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Every slot of a window's opening rules between two dates (whatever the time now), in order, with its free
    advisors, in five queries. It depends only on rows whose changes bump the consultations version token."""
    rules_by_day: dict[int, list[OpeningRule]] = defaultdict(list)
    for rule in OpeningRule.objects.filter(window=window):
        rules_by_day[rule.weekday].append(rule)
    closed = {
        c.date
        for c in Closure.objects.filter(Q(window=window) | Q(window__isnull=True), date__range=(date_from, date_to))
    }
    advisor_ids = list(Advisor.objects.filter(windows=window, is_active=True).values_list("pk", flat=True))
    available: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
    for advisor_id, weekday, start, end in AdvisorAvailability.objects.filter(advisor_id__in=advisor_ids).values_list(
        "advisor_id", "weekday", "start", "end"
    ):
        available[weekday].append((advisor_id, start, end))
    days_off = set(
        AdvisorDayOff.objects.filter(advisor_id__in=advisor_ids, date__range=(date_from, date_to)).values_list(
            "advisor_id", "date"
        )
    )
    range_start = dt.datetime.combine(date_from, dt.time(0), tzinfo=JST)
    range_end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    busy_qs = Booking.objects.filter(
        advisor_id__in=advisor_ids, status__in=HOLDING_STATUSES, start__lt=range_end, end__gt=range_start
    )
    if exclude_booking_id:
        busy_qs = busy_qs.exclude(pk=exclude_booking_id)
    # Busy intervals per (advisor, JST day), so that each slot looks at a handful of bookings only.
    busy: dict[tuple[int, dt.date], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for advisor_id, start, end in busy_qs.values_list("advisor_id", "start", "end"):
        first, last = jst_date(start), jst_date(end)
        while first <= last:
            busy[(advisor_id, first)].append((start, end))
            first += dt.timedelta(days=1)

    slots: list[Slot] = []
    day = date_from
    while day <= date_to:
        if day not in closed and not is_closed_day(day):
            for rule in rules_by_day.get(day.weekday(), []):
                start = dt.datetime.combine(day, rule.start, tzinfo=JST)
                rule_end = dt.datetime.combine(day, rule.end, tzinfo=JST)
                step = dt.timedelta(minutes=rule.slot_minutes)
                while start + step <= rule_end:
                    end = start + step
                    free = [
                        advisor_id
                        for advisor_id, a_start, a_end in available.get(day.weekday(), [])
                        if a_start <= start.time()
                        and end.time() <= a_end
                        and (end.time() != dt.time(0))
                        and (advisor_id, day) not in days_off
                        and not any(
                            b_start < end and start < b_end for b_start, b_end in busy.get((advisor_id, day), ())
                        )
                    ]
                    slots.append(Slot(start=start, end=end, free_advisor_ids=sorted(set(free))))
                    start = end
        day += dt.timedelta(days=1)
    slots.sort(key=lambda slot: slot.start)
    return slots


def company_busy(
    *, company_id: int, date_from: dt.date, date_to: dt.date, exclude_booking_id: int | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The intervals of a company's active bookings (every window) that touch the given JST days."""
    range_start = dt.datetime.combine(date_from, dt.time(0), tzinfo=JST)
    range_end = dt.datetime.combine(date_to, dt.time(0), tzinfo=JST) + dt.timedelta(days=1)
    qs = Booking.objects.filter(
        company_id=company_id, status__in=HOLDING_STATUSES, start__lt=range_end, end__gt=range_start
    )
    if exclude_booking_id:
        qs = qs.exclude(pk=exclude_booking_id)
    return list(qs.values_list("start", "end"))


def slots_for_company(
    slots: list[Slot], *, company_id: int | None, exclude_booking_id: int | None = None
) -> list[Slot]:
    """The same slots as a company sees them: an hour it already holds a booking in is never offered again.

    Kept apart from `window_slots` (which is the same for everybody) and returns new objects, so that shared
    slot lists are never changed."""
    if not company_id or not slots:
        return slots
    busy = company_busy(
        company_id=company_id,
        date_from=jst_date(slots[0].start),
        date_to=jst_date(slots[-1].end),
        exclude_booking_id=exclude_booking_id,
    )
    if not busy:
        return slots
    return [
        replace(slot, free_advisor_ids=[], own_booking=True)
        if any(b_start < slot.end and slot.start < b_end for b_start, b_end in busy)
        else slot
        for slot in slots
    ]


def nearest_free_slots(
    *, window: ConsultationWindow, around: dt.datetime, company_id: int | None = None, limit: int = 6
) -> list[Slot]:
    """The free slots of a window closest in time to `around`, in order: what to offer when a slot was taken."""
    earliest, latest = booking_bounds()
    slots = window_slots(window=window, date_from=jst_date(earliest), date_to=jst_date(latest))
    slots = [s for s in slots_for_company(slots, company_id=company_id) if s.free]
    closest = sorted(slots, key=lambda s: abs(s.start - around))[:limit]
    return sorted(closest, key=lambda s: s.start)


def _check_slot(
    *,
    window: ConsultationWindow,
    start: dt.datetime,
    now: dt.datetime | None = None,
    exclude_booking_id=None,
    company_id: int | None = None,
) -> Slot:
    """The slot starting at `start`, or a Japanese error that says why it cannot be booked."""
    start = start.astimezone(JST)
    earliest, latest = booking_bounds(now)
    current = (now or timezone.now()).astimezone(JST)
    if start <= current:
        raise ApplicationError(_("過去の日時は予約できません。"), field="start")
    if start < earliest:
        raise ApplicationError(
            _("予約は%(hours)s時間以上先の、翌日以降の枠からお選びください。") % {"hours": notice_hours()},
            field="start",
        )
    if start > latest:
        raise ApplicationError(_("予約できるのは%(weeks)s週間先までです。") % {"weeks": horizon_weeks()}, field="start")
    day = jst_date(start)
    if is_closed_day(day):
        raise ApplicationError(_("祝日・休業日は相談窓口がお休みです。"), field="start")
    slots = window_slots(window=window, date_from=day, date_to=day, now=now, exclude_booking_id=exclude_booking_id)
    slots = slots_for_company(slots, company_id=company_id, exclude_booking_id=exclude_booking_id)
    if not slots:
        if Closure.objects.filter(Q(window=window) | Q(window__isnull=True), date=day).exists():
            raise ApplicationError(_("この日は相談窓口がお休みです。"), field="start")
        raise ApplicationError(_("この曜日は相談を受け付けていません。"), field="start")
    for slot in slots:
        if slot.start == start:
            return slot
    raise ApplicationError(_("受付時間外です。表示されている枠からお選びください。"), field="start")


def slot_check(*, window: ConsultationWindow, start: dt.datetime, company_id: int | None = None) -> Slot:
    """A free slot of the window at `start` for this company now, or a Japanese error that says why not."""
    slot = _check_slot(window=window, start=start, company_id=company_id)
    if slot.own_booking:
        raise ApplicationError(_("この企業はこの時間にすでに相談を予約しています。"), field="start")
    if not slot.free:
        raise ApplicationError(_("この枠は埋まっています。空いている枠を選んでください。"), field="start")
    return slot


def booking_create(
    *,
    user,
    window_code: str,
    start: dt.datetime,
    mode: str,
    topics: list[str],
    question: str,
    meeting_tool: str,
    customer_request: str = "",
    advisor_id: int | None = None,
    sitting_in_id: int | None = None,
    now: dt.datetime | None = None,
    on_created: Callable[[Booking], None] | None = None,
) -> Booking:
    """Book one slot for the user's company (institution staff: for their institution itself); a slot lost to another
    request says 「この枠はたった今埋まりました」. `on_created` runs inside the booking's transaction (a request
    confirmed by this booking is marked in the same commit, or neither happens)."""
    company = _booking_company(user)
    try:
        window = ConsultationWindow.objects.get(code=window_code)
    except ConsultationWindow.DoesNotExist:
        raise ApplicationError(_("相談窓口が見つかりません。"), field="window") from None
    _validate_intake(window=window, mode=mode, topics=topics, question=question, meeting_tool=meeting_tool)
    sitting_in = None
    if sitting_in_id:
        sitting_in = SupportInstitution.objects.filter(pk=sitting_in_id).first()
        if sitting_in is None:
            raise ApplicationError(_("同席する支援機関が見つかりません。"), field="sitting_in")
        # The institution will see the booking: only one the company has joined (and not left) may sit in.
        if not hooks.may_sit_in(institution_id=sitting_in.pk, company_id=company.pk):
            raise ApplicationError(_("同席できるのは、所属している支援機関だけです。"), field="sitting_in")
    candidates = _candidate_advisor_ids(window=window, advisor_id=advisor_id)
    try:
        with transaction.atomic(durable=True):
            # What becomes scarcer: the company (its hours and its cap) and the advisors' hours, in every window.
            # An institution sitting in becomes scarcer too: one consultation an hour.
            lock_rows(
                [(Company, [company.pk]), (Advisor, candidates)]
                + ([(SupportInstitution, [sitting_in.pk])] if sitting_in else [])
            )
            holds_release_expired(advisor_ids=candidates, company_id=company.pk, now=now)
            slot = _check_slot(window=window, start=start, now=now, company_id=company.pk)
            advisor, routing = _route(slot=slot, advisor_id=advisor_id, topics=topics)
            _check_future_cap(company_id=company.pk, now=now or timezone.now())
            if sitting_in is not None:
                _check_sitting_in(Booking(sitting_in=sitting_in, start=slot.start, end=slot.end))
            booking = Booking.objects.create(
                company=company,
                created_by=user,
                window=window,
                advisor=advisor,
                advisor_chosen=bool(advisor_id),
                routing=routing,
                start=slot.start,
                end=slot.end,
                mode=mode,
                topics=list(topics),
                question=question,
                customer_request=customer_request,
                meeting_tool=meeting_tool,
                sitting_in=sitting_in,
            )
            if on_created is not None:
                on_created(booking)

            notify_booking(booking=booking, kind="created")
    except IntegrityError as exc:
        raise _integrity(exc) from None
    except LockTimeout:
        raise _taken() from None
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise _taken() from None
        raise
    return booking


# --- a newcomer's booking: held until the e-mail link confirms the address and the booking ------------------------


def holds_release_expired(
    *, advisor_ids: list[int] | None = None, company_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Holds past their time stop holding their hour (status 「確認期限切れ」); their link can still book it while
    the hour is free. Called under the advisors' locks before a write looks for free hours, and every minute by beat
    (so that the calendar offers the hour again)."""
    current = now or timezone.now()
    qs = Booking.objects.filter(status=BookingStatus.HELD, hold_expires_at__lte=current)
    if advisor_ids is not None or company_id is not None:
        qs = qs.filter(Q(advisor_id__in=advisor_ids or []) | Q(company_id=company_id))
    released = 0
    for booking in qs:
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status", "updated_at"])  # save(), not update(): the signal retires cached slots
        released += 1
    return released


def booking_hold_create(
    *,
    email: str,
    family_name: str,
    given_name: str,
    company_data: dict,
    window_code: str,
    start: dt.datetime,
    mode: str,
    topics: list[str],
    question: str,
    meeting_tool: str,
    customer_request: str = "",
    advisor_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking | None:
    """A visitor without a session books from the calendar: the hour is held for `hold_minutes()` and a mail link
    (which any browser can open) confirms the address and the booking. A new address gets its account and company
    in the same transaction; an existing SME account's hold is for its own company, confirmed from its own mailbox.
    Returns None when the address belongs to an account that cannot book this way (it is told so by mail); the
    page says the same in every case, so that nobody learns which addresses have accounts."""
    current = now or timezone.now()
    try:
        window = ConsultationWindow.objects.get(code=window_code)
    except ConsultationWindow.DoesNotExist:
        raise ApplicationError(_("相談窓口が見つかりません。"), field="window") from None
    _validate_intake(window=window, mode=mode, topics=topics, question=question, meeting_tool=meeting_tool)
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).select_related("company").first()
    if existing is not None and (not existing.is_active or not existing.company_id or not existing.is_sme):
        notify_account_cannot_hold(user=existing, now=current)
        return None
    candidates = _candidate_advisor_ids(window=window, advisor_id=advisor_id)
    try:
        with transaction.atomic(durable=True):
            if existing is None:
                user = account_create_unconfirmed(
                    email=email, family_name=family_name, given_name=given_name, company_data=company_data
                )
            else:
                user = existing
            company = user.company
            lock_rows([(Company, [company.pk]), (Advisor, candidates)])
            holds_release_expired(advisor_ids=candidates, company_id=company.pk, now=current)
            slot = _check_slot(window=window, start=start, now=current, company_id=company.pk)
            advisor, routing = _route(slot=slot, advisor_id=advisor_id, topics=topics)
            booking = Booking.objects.create(
                company=company,
                created_by=user,
                window=window,
                advisor=advisor,
                advisor_chosen=bool(advisor_id),
                routing=routing,
                start=slot.start,
                end=slot.end,
                mode=mode,
                topics=list(topics),
                question=question,
                customer_request=customer_request,
                meeting_tool=meeting_tool,
                status=BookingStatus.HELD,
                hold_expires_at=current + dt.timedelta(minutes=hold_minutes()),
            )
            notify_hold(booking=booking)
    except (IntegrityError, LockTimeout):
        # A taken hour, or the same new address sent twice at once (the second account is refused by the database).
        raise _taken() from None
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise _taken() from None
        raise
    return booking


def booking_hold_get(*, pk: int, token: str) -> Booking:
    """The booking a confirmation link names, or a Japanese error (a wrong token is told apart from nothing)."""
    booking = Booking.objects.select_related("window", "advisor", "company", "created_by").filter(pk=pk).first()
    if booking is None or not constant_time_compare(booking.token, token or ""):
        raise ApplicationError(
            _("確認用のリンクが正しくありません。メールのリンクをそのままお使いください。"), field="token"
        )
    return booking


def booking_hold_confirm(*, pk: int, token: str, now: dt.datetime | None = None) -> Booking:
    """The mail link was opened and its button pressed: the address is confirmed and the held booking becomes
    受付済み (the usual mails follow). A hold past its time still books while its hour is free; pressing twice
    changes nothing."""
    booking = booking_hold_get(pk=pk, token=token)
    current = now or timezone.now()
    candidates = _candidate_advisor_ids(
        window=booking.window, advisor_id=booking.advisor_id if booking.advisor_chosen else None
    )
    try:
        with transaction.atomic(durable=True):
            lock_rows([(Company, [booking.company_id]), (Advisor, candidates), (Booking, [booking.pk])])
            booking = Booking.objects.select_related("window", "advisor", "company", "created_by").get(pk=booking.pk)
            if booking.status not in (BookingStatus.HELD, BookingStatus.EXPIRED):
                return booking  # confirmed already (a second click, or the same link in two browsers)
            if booking.start <= current:
                raise ApplicationError(
                    _("この予約の日時は過ぎました。カレンダーから別の日時をお選びください。"), field="start"
                )
            email_address_confirm(user=booking.created_by)
            if booking.status == BookingStatus.EXPIRED:
                # Released after its time: it books again only if its hour is still free.
                holds_release_expired(advisor_ids=candidates, company_id=booking.company_id, now=current)
                slot = _check_slot(
                    window=booking.window, start=booking.start, now=current, company_id=booking.company_id
                )
                if not slot.free:
                    raise IntegrityError("the held hour was taken after the hold expired")
                booking.advisor, booking.routing = _route(
                    slot=slot,
                    advisor_id=booking.advisor_id if booking.advisor_chosen else None,
                    topics=booking.topics,
                )
            _check_future_cap(company_id=booking.company_id, now=current)
            booking.status = BookingStatus.REQUESTED
            booking.hold_expires_at = None
            booking.save(update_fields=["status", "hold_expires_at", "advisor", "routing", "updated_at"])
            notify_booking(booking=booking, kind="created")
    except (IntegrityError, LockTimeout):
        raise ApplicationError(
            _("確認の期限を過ぎ、この枠はほかの方のご予約で埋まりました。カレンダーから別の日時をお選びください。"),
            field="start",
            code="taken",
        ) from None
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise _taken() from None
        raise
    return booking


def _check_future_cap(*, company_id: int, now: dt.datetime) -> None:
    """A company holds at most max_future_bookings() upcoming consultations (the caller holds its row's lock)."""
    future = Booking.objects.filter(company_id=company_id, status__in=ACTIVE_STATUSES, start__gt=now).count()
    if future >= max_future_bookings():
        raise ApplicationError(
            _("予約中の相談は%(n)s件までです。実施後またはキャンセル後に、次の相談を予約できます。")
            % {"n": max_future_bookings()},
            field="start",
        )


def _booking_company(user) -> Company:
    """An SME user's company; for institution staff the institution's own consulting record (an institution's
    bookings then keep the company rules: one hour at a time, and its own cap shared by all its staff)."""
    if user.company_id:
        return user.company
    if user.institution_id:
        return institution_consulting_company(institution=user.institution)
    raise ApplicationError(_("相談を予約するには企業情報の登録が必要です。"), field=None)


def _check_sitting_in(booking: Booking) -> None:
    """An institution sits in on one consultation at a time (its row is locked by the caller)."""
    clash = booking.sitting_in_clash()
    if clash is not None:
        raise ApplicationError(sitting_in_clash_message(booking.sitting_in, clash), field="sitting_in")


def _integrity(exc: IntegrityError) -> ApplicationError:
    """A constraint that caught a race, in words: the institution's hour, or the slot taken."""
    if "booking_sitting_in" in str(exc):
        return ApplicationError(
            _("同席する支援機関は、この時間に別の相談に同席する予定になりました。別の日時を選んでください。"),
            field="sitting_in",
        )
    return _taken()


def _taken() -> ApplicationError:
    return ApplicationError(_(TAKEN_MESSAGE), field="start", code="taken")


def _candidate_advisor_ids(*, window: ConsultationWindow, advisor_id: int | None) -> list[int]:
    """The advisors a booking in this window may take: the chosen one, or every active advisor of the window."""
    if advisor_id:
        if not Advisor.objects.filter(pk=advisor_id, windows=window, is_active=True).exists():
            raise ApplicationError(_("選んだ専門家はこの窓口を担当していません。"), field="advisor")
        return [advisor_id]
    return list(Advisor.objects.filter(windows=window, is_active=True).values_list("pk", flat=True))


def _validate_intake(*, window, mode, topics, question, meeting_tool) -> None:
    if mode not in window.modes:
        raise ApplicationError(_("この窓口では選べない相談方法です。"), field="mode")
    if not topics or any(t not in Topic.values for t in topics):
        raise ApplicationError(_("相談したいことを1つ以上選んでください。"), field="topics")
    if not question.strip():
        raise ApplicationError(_("ご相談内容を入力してください。"), field="question")
    if meeting_tool not in MeetingTool.values:
        raise ApplicationError(_("会議ツールを選んでください。"), field="meeting_tool")
    if (mode == Mode.IN_PERSON) != (meeting_tool == MeetingTool.IN_PERSON):
        raise ApplicationError(_("相談方法と会議ツールの組み合わせが正しくありません。"), field="meeting_tool")


@dataclass(frozen=True)
class Routing:
    """Which free advisor takes a booking nobody was asked for, and why (kept on the booking for the desk)."""

    advisor_id: int
    matched: list[str]  # the booking's topics this advisor covers
    month_bookings: int  # the advisor's active bookings in the slot's month (JST), before this one
    free_advisors: int

    def as_record(self) -> dict:
        return {"matched": self.matched, "month_bookings": self.month_bookings, "free_advisors": self.free_advisors}


def route_advisor(*, free_advisor_ids: list[int], topics: Sequence[str], start: dt.datetime) -> Routing:
    """The free advisor whose fields cover most of the chosen topics; a tie goes to the one with fewer consultations
    in the slot's month (JST), then to the lower id. The caller holds the advisors' locks, so the counts stand."""
    month_start = to_jst(start).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    month = dict(
        Booking.objects.filter(
            advisor_id__in=free_advisor_ids, status__in=ACTIVE_STATUSES, start__gte=month_start, start__lt=month_end
        )
        .values("advisor_id")
        .annotate(n=Count("pk"))
        .values_list("advisor_id", "n")
    )
    wanted = [t for t in Topic.values if t in set(topics)]
    covers = dict(Advisor.objects.filter(pk__in=free_advisor_ids).values_list("pk", "topics"))

    def matched(pk: int) -> list[str]:
        return [t for t in wanted if t in (covers.get(pk) or [])]

    best = min(free_advisor_ids, key=lambda pk: (-len(matched(pk)), month.get(pk, 0), pk))
    return Routing(
        advisor_id=best,
        matched=matched(best),
        month_bookings=month.get(best, 0),
        free_advisors=len(free_advisor_ids),
    )


def routing_explanation(booking: Booking) -> str:
    """The desk's reading of `booking.routing`: why this advisor, in one sentence."""
    record = booking.routing or {}
    if booking.advisor_chosen:
        return _("企業が専門家を指名しました。")
    if not record:
        return _("記録がありません（分野による割り当ての導入前の予約です）。")
    labels = dict(Topic.choices)
    matched = "、".join(str(labels.get(t, t)) for t in record.get("matched", []))
    text = (
        _("相談分野のうち「%(topics)s」が専門分野に一致したため、空いていた%(free)s名から選びました")
        % {"topics": matched, "free": record.get("free_advisors", 0)}
        if matched
        else _("相談分野に一致する専門家が空いていなかったため、空いていた%(free)s名から選びました")
        % {"free": record.get("free_advisors", 0)}
    )
    text += _("（同じ一致数の中では、その月の相談が少ない専門家を優先：%(n)s件）。") % {
        "n": record.get("month_bookings", 0)
    }
    if record.get("overridden"):
        text += _("その後、窓口が担当を変更しました。")
    return text


def _route(*, slot: Slot, advisor_id: int | None, topics: Sequence[str] = ()) -> tuple[Advisor, dict]:
    """The chosen advisor if free, else the one `route_advisor` picks; with the record of why (empty if chosen)."""
    if advisor_id:
        if advisor_id not in slot.free_advisor_ids:
            raise _taken()
        return Advisor.objects.get(pk=advisor_id), {}
    if not slot.free_advisor_ids:
        raise _taken()
    routing = route_advisor(free_advisor_ids=list(slot.free_advisor_ids), topics=topics, start=slot.start)
    return Advisor.objects.get(pk=routing.advisor_id), routing.as_record()


def _pick_advisor(*, window, slot: Slot, advisor_id: int | None, topics: Sequence[str] = ()) -> Advisor:
    return _route(slot=slot, advisor_id=advisor_id, topics=topics)[0]


def booking_for_company(*, user, pk: int) -> Booking:
    """A booking of the user's company (or of the staff's institution itself), or 404 (another's id is not revealed)."""

    company_id = booking_company_id(user)
    if not company_id:
        raise Http404
    booking = Booking.objects.select_related("window", "advisor", "sitting_in").filter(pk=pk, company_id=company_id)
    found = booking.first()
    if found is None:
        raise Http404
    return found


def check_token(*, booking: Booking, token: str) -> None:
    if not constant_time_compare(booking.token, token or ""):
        raise ApplicationError(
            _("変更用のリンクが正しくありません。メールのリンクをそのままお使いください。"), field="token"
        )


def _check_changeable(booking: Booking, now: dt.datetime | None) -> None:
    current = now or timezone.now()
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        raise ApplicationError(_("この予約は変更・キャンセルできません。"), field=None)
    if booking.start - dt.timedelta(hours=cancel_cutoff_hours()) < current:
        raise ApplicationError(
            _("開始の%(hours)s時間前を過ぎたため、変更・キャンセルは窓口へご連絡ください。")
            % {"hours": cancel_cutoff_hours()},
            field=None,
        )


def booking_cancel(*, user, pk: int, token: str, now: dt.datetime | None = None) -> Booking:
    booking = booking_for_company(user=user, pk=pk)
    check_token(booking=booking, token=token)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_changeable(booking, now)
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.sequence += 1
        booking.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])

        notify_booking(booking=booking, kind="cancelled")
    return booking


def booking_reschedule(*, user, pk: int, token: str, start: dt.datetime, now: dt.datetime | None = None) -> Booking:
    """Move a booking to another slot of its window; the old hour is freed in the same transaction."""
    booking = booking_for_company(user=user, pk=pk)
    check_token(booking=booking, token=token)
    advisor_id = booking.advisor_id if booking.advisor_chosen else None
    candidates = _candidate_advisor_ids(window=booking.window, advisor_id=advisor_id)
    try:
        with transaction.atomic(durable=True):
            lock_rows(
                [(Company, [booking.company_id]), (Advisor, candidates), (Booking, [booking.pk])]
                + ([(SupportInstitution, [booking.sitting_in_id])] if booking.sitting_in_id else [])
            )
            holds_release_expired(advisor_ids=candidates, company_id=booking.company_id, now=now)
            booking = Booking.objects.select_related("window", "advisor", "company", "created_by", "sitting_in").get(
                pk=booking.pk
            )
            _check_changeable(booking, now)
            slot = _check_slot(
                window=booking.window,
                start=start,
                now=now,
                exclude_booking_id=booking.pk,
                company_id=booking.company_id,
            )
            # a new hour may need another advisor: routed again by the booking's topics unless one was chosen
            advisor, routing = _route(slot=slot, advisor_id=advisor_id, topics=booking.topics)
            if advisor.pk != booking.advisor_id and routing:
                booking.routing = routing
            booking.start, booking.end, booking.advisor = slot.start, slot.end, advisor
            _check_sitting_in(booking)
            booking.sequence += 1
            booking.save(update_fields=["start", "end", "advisor", "routing", "sequence", "updated_at"])

            notify_booking(booking=booking, kind="changed")
    except IntegrityError as exc:
        raise _integrity(exc) from None
    except LockTimeout:
        raise _taken() from None
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise _taken() from None
        raise
    return booking


# --- desk changes (called from the admin's actions and its desk view, never from save_model) ----------------------

STATUS_TRANSITIONS: dict[str, set[str]] = {
    BookingStatus.REQUESTED: {BookingStatus.CONFIRMED, BookingStatus.CANCELLED},
    BookingStatus.CONFIRMED: {BookingStatus.DONE, BookingStatus.CANCELLED, BookingStatus.NO_SHOW},
}


def booking_next_statuses(booking: Booking) -> list[str]:
    """The statuses the desk may move this booking to, in the order of BookingStatus."""
    allowed = STATUS_TRANSITIONS.get(booking.status, set())
    return [value for value in BookingStatus.values if value in allowed]


def booking_set_status(
    *, booking: Booking, status: str, meeting_url: str | None = None, now: dt.datetime | None = None
) -> Booking:
    """The desk's status workflow: requested → confirmed → done / no-show, cancelled from either open state.

    Confirming (optionally with the meeting URL) mails a confirmation; cancelling stamps the time and mails the
    cancellation; the outbox keys make each mail go once."""
    with transaction.atomic(durable=True):
        booking = Booking.objects.select_for_update().select_related("window", "advisor", "company").get(pk=booking.pk)
        if status not in STATUS_TRANSITIONS.get(booking.status, set()):
            raise ApplicationError(
                _("「%(current)s」の予約は「%(target)s」にできません。")
                % {"current": booking.get_status_display(), "target": BookingStatus(status).label},
                field="status",
            )
        current = now or timezone.now()
        if status in (BookingStatus.DONE, BookingStatus.NO_SHOW) and booking.start > current:
            raise ApplicationError(_("開始前の予約は実施済み・無断欠席にできません。"), field="status")
        booking.status = status
        fields = ["status", "updated_at"]
        kind = None
        if status in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED):
            # The calendar entry changes (TENTATIVE → CONFIRMED, or CANCELLED): a higher SEQUENCE replaces it.
            booking.sequence += 1
            fields.append("sequence")
        if status == BookingStatus.CONFIRMED:
            if meeting_url is not None and meeting_url != booking.meeting_url:
                booking.meeting_url = meeting_url
                fields.append("meeting_url")
            kind = "confirmed"
        elif status == BookingStatus.CANCELLED:
            booking.cancelled_at = current
            fields.append("cancelled_at")
            kind = "cancelled"
        booking.save(update_fields=fields)
        if kind:
            notify_booking(booking=booking, kind=kind)
    return booking


def booking_set_meeting(*, booking: Booking, mode: str, meeting_tool: str, meeting_url: str) -> Booking:
    """How an open booking is held (online or in person, the tool, the meeting URL); the SME hears of a change."""
    with transaction.atomic(durable=True):
        booking = Booking.objects.select_for_update().select_related("window", "advisor", "company").get(pk=booking.pk)
        if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            raise ApplicationError(_("終了・キャンセル済みの予約は変更できません。"), field=None)
        if mode not in booking.window.modes:
            raise ApplicationError(_("この窓口では選べない相談方法です。"), field="mode")
        if meeting_tool not in MeetingTool.values:
            raise ApplicationError(_("会議ツールを選んでください。"), field="meeting_tool")
        if (mode == Mode.IN_PERSON) != (meeting_tool == MeetingTool.IN_PERSON):
            raise ApplicationError(_("相談方法と会議ツールの組み合わせが正しくありません。"), field="meeting_tool")
        if mode == Mode.IN_PERSON and meeting_url:
            raise ApplicationError(_("来所の相談には会議URLは要りません。"), field="meeting_url")
        changed = (booking.mode, booking.meeting_tool, booking.meeting_url) != (mode, meeting_tool, meeting_url)
        if not changed:
            return booking
        booking.mode, booking.meeting_tool, booking.meeting_url = mode, meeting_tool, meeting_url
        booking.sequence += 1
        booking.save(update_fields=["mode", "meeting_tool", "meeting_url", "sequence", "updated_at"])

        notify_booking(booking=booking, kind="updated")
    return booking


def booking_move(
    *,
    booking: Booking,
    window: ConsultationWindow,
    advisor: Advisor,
    start: dt.datetime,
    now: dt.datetime | None = None,
    on_moved: Callable[[Booking], None] | None = None,
) -> Booking:
    """The desk moves an open booking to another window, advisor or time (same length), if that advisor is free.
    `on_moved` runs inside the move's transaction (an advisor's move request is approved in the same commit).

    The desk may go outside the published slots (it arranges the time with the SME), but never double-books an
    advisor: the advisor row is locked, overlapping active bookings are looked for, and the database constraint
    behind it turns a race into the same error."""
    current = now or timezone.now()
    try:
        with transaction.atomic(durable=True):
            # The advisor becomes scarcer; the booking row serialises desk and SME changes of this booking.
            # The institution sitting in (if any) too, in the same sorted lock as the others.
            sitting_in_id = Booking.objects.filter(pk=booking.pk).values_list("sitting_in_id", flat=True).first()
            lock_rows([(Advisor, [advisor.pk]), (Booking, [booking.pk]), (SupportInstitution, [sitting_in_id])])
            holds_release_expired(advisor_ids=[advisor.pk], now=current)
            booking = Booking.objects.select_related("sitting_in").get(pk=booking.pk)
            if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
                raise ApplicationError(_("終了・キャンセル済みの予約は変更できません。"), field=None)
            if booking.mode not in window.modes:
                raise ApplicationError(_("この窓口では、この予約の相談方法を受け付けていません。"), field="window")
            advisor = Advisor.objects.get(pk=advisor.pk)
            if not advisor.is_active or not advisor.windows.filter(pk=window.pk).exists():
                raise ApplicationError(_("この専門家はこの窓口を担当していません。"), field="advisor")
            if start <= current:
                raise ApplicationError(_("過去の日時には移せません。"), field="start")
            end = start + (booking.end - booking.start)
            moved_in_time = start != booking.start
            if (window.pk, advisor.pk, start) == (booking.window_id, booking.advisor_id, booking.start):
                return booking
            clash = (
                Booking.objects.filter(advisor=advisor, status__in=HOLDING_STATUSES, start__lt=end, end__gt=start)
                .exclude(pk=booking.pk)
                .first()
            )
            if clash is not None:
                raise ApplicationError(
                    _("%(advisor)sさんは%(start)sから別の相談（予約番号%(pk)s）が入っています。")
                    % {"advisor": advisor.name, "start": format_jst(clash.start), "pk": clash.pk},
                    field="advisor",
                )
            if AdvisorDayOff.objects.filter(advisor=advisor, date=start.astimezone(JST).date()).exists():
                raise ApplicationError(_("この専門家はその日お休みです。"), field="advisor")
            if advisor.pk != booking.advisor_id and booking.routing:
                booking.routing = {**booking.routing, "overridden": True}  # the desk chose over the routing
            booking.window, booking.advisor, booking.start, booking.end = window, advisor, start, end
            _check_sitting_in(booking)
            booking.sequence += 1
            booking.save(update_fields=["window", "advisor", "start", "end", "sequence", "routing", "updated_at"])
            if on_moved is not None:
                on_moved(booking)

            notify_booking(booking=booking, kind="changed" if moved_in_time else "updated")
    except IntegrityError as exc:
        if "booking_sitting_in" in str(exc):
            raise _integrity(exc) from None
        raise ApplicationError(_("この専門家はその時間に別の相談が入っています。"), field="advisor") from None
    return booking


# --- an advisor's weekly hours, days off and consultation record (the advisor's workspace and the desk) ------------

MAX_WEEKLY_HOURS = 21
DAY_OFF_HORIZON = dt.timedelta(days=366)

HoursRow = tuple[int, dt.time, dt.time]


def _opening_hours(*, advisor_id: int) -> dict[int, list[tuple[dt.time, dt.time]]]:
    """Weekday → opening hours of the windows the advisor serves."""
    rules: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for rule in OpeningRule.objects.filter(window__advisors__pk=advisor_id).distinct():
        rules[rule.weekday].append((rule.start, rule.end))
    return rules


def advisor_hours_check(*, advisor: Advisor, rows: Sequence[HoursRow]) -> list[HoursRow]:
    """The weekly hours in order, or an ApplicationError: each within the opening hours of a window the advisor
    serves, none overlapping, at most MAX_WEEKLY_HOURS."""
    if len(rows) > MAX_WEEKLY_HOURS:
        raise ApplicationError(_("時間帯は%(n)s件までです。") % {"n": MAX_WEEKLY_HOURS})
    rules = _opening_hours(advisor_id=advisor.pk)
    labels = dict(Weekday.choices)
    for weekday, start, end in rows:
        day = labels.get(weekday, "?")
        if start >= end:
            raise ApplicationError(_("%(day)s：終了は開始より後にしてください。") % {"day": day}, field="end")
        if not any(r_start <= start and end <= r_end for r_start, r_end in rules.get(weekday, [])):
            opening = "、".join(f"{s:%H:%M}〜{e:%H:%M}" for s, e in sorted(rules.get(weekday, []))) or _("受付なし")
            raise ApplicationError(
                _("%(day)s %(start)s〜%(end)s は担当窓口の受付時間（%(opening)s）の外です。")
                % {"day": day, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "opening": opening},
                field="start",
            )
    ordered = sorted(rows)
    for (w1, _s1, e1), (w2, s2, _e2) in zip(ordered, ordered[1:], strict=False):
        if w1 == w2 and s2 < e1:
            raise ApplicationError(
                _("%(day)s の時間帯が重なっています。") % {"day": labels.get(w1, "?")}, field="start"
            )
    return ordered


def advisor_hours_replace(*, advisor: Advisor, rows: Sequence[HoursRow], by: User | None) -> list[AdvisorAvailability]:
    """Replace an advisor's weekly hours (rows kept as they are stay untouched; the history names `by`)."""
    ordered = advisor_hours_check(advisor=advisor, rows=rows)
    try:
        with transaction.atomic(durable=True):
            # Two saves at once (the advisor in two tabs, or the advisor and the desk) apply one after the other.
            lock_rows([(Advisor, [advisor.pk])])
            wanted = set(ordered)
            kept: set[HoursRow] = set()
            # Row by row, not a queryset delete or bulk_create: each row's signal retires the cached slots and
            # writes its history row.
            for row in AdvisorAvailability.objects.filter(advisor_id=advisor.pk).order_by("pk"):
                key = (row.weekday, row.start, row.end)
                if key in wanted and key not in kept:
                    kept.add(key)
                    continue
                row._history_user = by
                row.delete()
            for weekday, start, end in ordered:
                if (weekday, start, end) in kept:
                    continue
                row = AdvisorAvailability(advisor_id=advisor.pk, weekday=weekday, start=start, end=end)
                row._history_user = by
                row.save()
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise LockTimeout() from None
        raise
    return list(AdvisorAvailability.objects.filter(advisor_id=advisor.pk).order_by("weekday", "start"))


def _held_on(*, advisor_id: int, date: dt.date) -> list[Booking]:
    """The advisor's bookings still to be held that overlap a day in Japan, and the holds still holding their hour."""
    start = dt.datetime.combine(date, dt.time(0), tzinfo=JST)
    return list(
        Booking.objects.filter(
            advisor_id=advisor_id,
            status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.HELD],
            start__lt=start + dt.timedelta(days=1),
            end__gt=start,
        )
        .select_related("company")
        .order_by("start")
    )


def advisor_day_off_add(*, advisor: Advisor, date: dt.date, by: User | None) -> AdvisorDayOff:
    """A day off, refused while bookings (or a newcomer's hold) are on it: the message lists them."""
    today = jst_today()
    if date < today:
        raise ApplicationError(_("過去の日付は休みにできません。"), field="date")
    if date > today + DAY_OFF_HORIZON:
        raise ApplicationError(_("休みは1年先までの日付で登録してください。"), field="date")
    try:
        with transaction.atomic(durable=True):
            # The advisor's hours become scarcer: the same lock every booking of this advisor takes first, so a
            # booking and the day off never both succeed.
            lock_rows([(Advisor, [advisor.pk])])
            holds_release_expired(advisor_ids=[advisor.pk])
            held = _held_on(advisor_id=advisor.pk, date=date)
            if held:
                listing = "、".join(
                    f"{format_jst(b.start, '%H:%M')} {_('メール確認待ちの仮予約')}"
                    if b.status == BookingStatus.HELD
                    else f"{format_jst(b.start, '%H:%M')} {b.company.name}（予約番号{b.pk}）"
                    for b in held
                )
                raise ApplicationError(
                    _(
                        "%(date)s には予約が入っているため休みにできません：%(list)s。"
                        "相談窓口に日時の変更を依頼してください。"
                    )
                    % {"date": date.strftime("%Y-%m-%d"), "list": listing},
                    field="date",
                    code="has_bookings",
                )
            day_off = AdvisorDayOff.objects.filter(advisor_id=advisor.pk, date=date).first()
            if day_off is None:
                day_off = AdvisorDayOff(advisor_id=advisor.pk, date=date)
                day_off._history_user = by
                day_off.save()
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise LockTimeout() from None
        raise
    return day_off


def advisor_day_off_remove(*, advisor: Advisor, date: dt.date, by: User | None) -> bool:
    """The advisor works that day after all (frees hours: no lock needed); False if it was no day off."""
    removed = False
    with transaction.atomic():
        for row in AdvisorDayOff.objects.filter(advisor_id=advisor.pk, date=date):
            row._history_user = by  # row by row: the signal retires the cached slots
            row.delete()
            removed = True
    return removed


def booking_record_set(*, booking: Booking, private_record: str, by: User | None) -> Booking:
    """The consultation record of a booking (the desk and its advisor read it, never the company)."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            raise ApplicationError(_("キャンセルされた相談には記録できません。"), field="private_record")
        if booking.status in UNCONFIRMED:
            raise ApplicationError(_("メール確認前の仮予約には記録できません。"), field="private_record")
        text = private_record.strip()
        if text != booking.private_record:
            booking.private_record = text
            booking._history_user = by
            booking.save(update_fields=["private_record", "updated_at"])
    return booking


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Queue the day-before reminder of every active booking tomorrow; the outbox key makes it once only."""

    today = jst_date(now or timezone.now())
    tomorrow = today + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(0), tzinfo=JST)
    qs = Booking.objects.select_related("window", "advisor", "created_by", "company").filter(
        status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED],
        start__gte=start,
        start__lt=start + dt.timedelta(days=1),
    )
    sent = 0
    for booking in qs:
        if notify_booking(booking=booking, kind="reminder"):
            sent += 1
    return sent


def bookings_sitting_in_end(*, company_id: int, institution_id: int, now: dt.datetime | None = None) -> int:
    """A company left an institution: it no longer sits in on the company's consultations still to come."""
    now = now or timezone.now()
    ended = 0
    with transaction.atomic():
        for booking in Booking.objects.select_for_update().filter(
            company_id=company_id, sitting_in_id=institution_id, status__in=ACTIVE_STATUSES, start__gt=now
        ):
            booking.sitting_in = None
            booking.save(update_fields=["sitting_in", "updated_at"])
            ended += 1
    return ended


def bookings_forget_company(*, company: Company, now: dt.datetime | None = None) -> None:
    """A closing company's bookings still to come are cancelled (the hour is freed, the desk and advisor told);
    what it wrote in every booking is blanked, while the topics stay for anonymous statistics."""
    now = now or timezone.now()
    upcoming = Booking.objects.filter(
        company=company, status__in=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED], start__gt=now
    ).select_related("advisor", "window", "company", "created_by")
    for booking in upcoming:
        booking_set_status(booking=booking, status=BookingStatus.CANCELLED)
    blank = {"question": "", "customer_request": "", "meeting_url": "", "private_record": ""}
    Booking.objects.filter(company=company).update(**blank, updated_at=timezone.now())
    Booking.history.filter(company_id=company.pk).update(**blank)


def on_account_personal_texts(sender, *, user, company, **kwargs) -> list[str]:
    """The free texts of a closing company's bookings, so that copies of them in mails can be cut out."""
    if company is None:
        return []
    fields = ("question", "customer_request", "private_record", "meeting_url")
    rows = Booking.objects.filter(company=company).values_list(*fields)
    return [text for row in rows for text in row if text]


def on_account_closing(sender, *, user, company, **kwargs) -> None:
    if company is not None:
        bookings_forget_company(company=company)
