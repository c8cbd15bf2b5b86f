import datetime as dt
import re
from itertools import groupby

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.services import booking_company_id
from core.cache import cached, conditional, until
from core.errors import ApplicationError
from core.jst import jst_date
from core.resume import resume_forget, resume_remember
from sharing.services import share_grant

from . import hooks, selectors, services
from .forms import IntakeForm, NewcomerForm
from .models import BookingStatus, ConsultationWindow, Mode
from .notifications import booking_ics
from .services import JST


@conditional(selectors.NAMESPACE, max_age=600)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "consultations/index.html", {"windows": selectors.window_list()})


def _calendar_days(window: ConsultationWindow, *, company_id: int | None = None, exclude_booking_id: int | None = None):
    earliest, latest = services.booking_bounds()
    slots = services.window_slots(
        window=window, date_from=earliest.date(), date_to=latest.date(), exclude_booking_id=exclude_booking_id
    )
    return _weeks(services.slots_for_company(slots, company_id=company_id, exclude_booking_id=exclude_booking_id))


def _weeks(slots) -> list:
    """Slots grouped by JST day (with the number of free ones), days grouped by week (starting on Monday)."""
    days = []
    for day, items in groupby(slots, key=lambda s: jst_date(s.start)):
        items = list(items)
        days.append((day, items, sum(1 for s in items if s.free)))
    return [
        (monday, list(items)) for monday, items in groupby(days, key=lambda d: d[0] - dt.timedelta(days=d[0].weekday()))
    ]


def _window_and_mode(request: HttpRequest, code: str) -> tuple[ConsultationWindow, str]:
    window = get_object_or_404(ConsultationWindow, code=code)
    mode = request.GET.get("mode") or request.POST.get("mode") or window.modes[0]
    if mode not in window.modes:
        mode = window.modes[0]
    return window, mode


def _booking_blocker(user) -> str | None:
    """Why this visitor cannot book from the calendar's form (None: they can, signed in or not)."""
    if not user.is_authenticated:
        return None
    if user.company_id is None and not user.is_institution_staff:
        if user.is_advisor or user.is_staff:
            return "staff"
        return "company"
    return None


def _quick_forms(request: HttpRequest, window: ConsultationWindow, mode: str, data=None):
    """The calendar's booking form: what to talk about, and for a visitor without a session who they are."""
    user = request.user
    advisors = selectors.window_advisors(window=window)
    initial = {"mode": mode}
    if mode == Mode.IN_PERSON:
        initial["meeting_tool"] = "in_person"
    intake = IntakeForm(
        data, initial=initial, advisors=advisors, accepted_advisor_ids=[a.pk for a in advisors], modes=[mode]
    )
    del intake.fields["start"]  # the calendar's own radio buttons carry the hour
    newcomer = None
    if not user.is_authenticated or user.is_institution_staff:
        del intake.fields["sitting_in"], intake.fields["share_selfcheck"]
        if not user.is_authenticated:
            newcomer = NewcomerForm(data)
    else:
        member_of = hooks.member_institutions(company_id=user.company_id)
        if member_of.exists():
            intake.fields["sitting_in"].queryset = member_of
        else:
            del intake.fields["sitting_in"]
    return intake, newcomer


CALENDAR_MAX_AGE = 30  # seconds a browser may show the calendar without asking again (then a 304 when unchanged)


@conditional(selectors.NAMESPACE, max_age=CALENDAR_MAX_AGE)
def calendar(request: HttpRequest, code: str) -> HttpResponse:
    """Pick a day, then a time, and say what to talk about: one page, one submit. Signed in, that books; without a
    session the hour is held and a mail link (any browser) confirms the address and the booking."""
    window = selectors.window_get(code=code)
    if window is None:
        raise Http404
    if not window.has_timetable:  # a contact: its office and how to apply, no slots to offer
        return render(request, "consultations/contact_only.html", {"window": window})
    mode = request.GET.get("mode") or request.POST.get("mode") or window.modes[0]
    if mode not in window.modes:
        mode = window.modes[0]
    blocker = _booking_blocker(request.user)
    if request.method == "POST":
        selected = _parse_start(request.POST.get("start"))
    else:
        selected = _parse_start(request.GET.get("start"))
    intake = newcomer = None
    start_error = None
    status = 200
    if blocker is None:
        intake, newcomer = _quick_forms(request, window, mode, request.POST if request.method == "POST" else None)
        if request.method == "POST":
            outcome = _quick_book(request, window=window, mode=mode, start=selected, intake=intake, newcomer=newcomer)
            if isinstance(outcome, HttpResponse):
                return outcome
            start_error = outcome
            if start_error and not request.POST.get("start"):
                selected = None
            status = 400
    elif request.method == "POST":
        return redirect(request.path)
    if blocker == "company" and request.method == "GET":
        resume_remember(request, request.get_full_path())
    shared = selectors.calendar_slots(window=window)
    until(request, selectors.visible_slots_change_at(shared))
    slots = services.slots_for_company(shared, company_id=booking_company_id(request.user))
    context = {
        "window": window,
        "mode": mode,
        "mode_label": Mode(mode).label,
        "weeks": _weeks(slots),
        "selected": selected,
        "open_day": jst_date(selected) if selected else None,
        "blocker": blocker,
        "form": intake,
        "newcomer": newcomer,
        "start_error": start_error,
        "hold_minutes": services.hold_minutes(),
        "windows": selectors.window_list(),
    }

    def weeks_html() -> str:
        return render_to_string("consultations/_weeks.html", context, request)

    if slots is shared and selected is None:  # what everybody sees: rendered once per version, language, range
        first = shared[0].start.isoformat() if shared else ""
        key = f"calendar:{window.pk}:{mode}:{get_language()}:{jst_date(timezone.now())}:{first}:{len(shared)}"
        context["weeks_html"] = cached(key, (selectors.NAMESPACE,), weeks_html)
    else:  # marked with this company's own bookings, or with the hour already chosen
        context["weeks_html"] = weeks_html()
    return render(request, "consultations/calendar.html", context, status=status)


def _quick_book(request: HttpRequest, *, window, mode, start, intake, newcomer) -> HttpResponse | str | None:
    """Book (signed in) or hold (newcomer) from the calendar's form: a redirect, or the message for the hour."""
    valid = intake.is_valid()
    valid = (newcomer.is_valid() if newcomer is not None else True) and valid
    if start is None:
        return _("カレンダーから日と時刻を選んでください。")
    if not valid:
        return None
    data = intake.cleaned_data
    user = request.user
    try:
        if user.is_authenticated:
            booking = services.booking_create(
                user=user,
                window_code=window.code,
                start=start,
                mode=mode,
                topics=data["topics"],
                question=data["question"],
                customer_request=data["customer_request"],
                meeting_tool=data["meeting_tool"],
                advisor_id=data["advisor"],
                sitting_in_id=data["sitting_in"].pk if data.get("sitting_in") else None,
            )
            if data.get("share_selfcheck"):
                share_grant(company=booking.company, kind="advisor", booking=booking, user=user)
            messages.success(request, _("ご予約を受け付けました。確認のメールをお送りしました。"))
            return redirect("consultations:booking_detail", pk=booking.pk)
        if ratelimit.consume(request, action="signup") is False:
            return _("お申し込みが続いたため、しばらく受け付けを止めています。数分後にもう一度お試しください。")
        person = newcomer.cleaned_data
        services.booking_hold_create(
            email=person["email"],
            family_name=person["family_name"],
            given_name=person["given_name"],
            company_data=newcomer.company_data(),
            window_code=window.code,
            start=start,
            mode=mode,
            topics=data["topics"],
            question=data["question"],
            customer_request=data["customer_request"],
            meeting_tool=data["meeting_tool"],
            advisor_id=data["advisor"],
        )
        request.session[HOLD_EMAIL_KEY] = person["email"]
        return redirect("consultations:hold_sent")
    except ApplicationError as exc:
        if exc.code == "taken" and user.is_authenticated:
            mine = selectors.company_booking_at(company_id=booking_company_id(user), window=window, start=start)
            if mine is not None and mine.created_by_id == user.pk:
                # The same form sent twice (a double click): the first request booked it.
                messages.success(request, _("ご予約を受け付けました。確認のメールをお送りしました。"))
                return redirect("consultations:booking_detail", pk=mine.pk)
        if exc.field in intake.fields and not intake.fields[exc.field].widget.is_hidden:
            intake.add_error(exc.field, exc.message)
            return None
        return exc.message


HOLD_EMAIL_KEY = "consultations.hold_email"


def hold_sent(request: HttpRequest) -> HttpResponse:
    """After a newcomer's booking: where the link went and until when the hour is held."""
    return render(
        request,
        "consultations/hold_sent.html",
        {"email": request.session.get(HOLD_EMAIL_KEY, ""), "hold_minutes": services.hold_minutes()},
    )


def hold_confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The mail link: a page with one button (a GET never books: mail scanners open links), in any browser."""
    try:
        booking = services.booking_hold_get(pk=pk, token=token)
    except ApplicationError as exc:
        return render(request, "consultations/link_error.html", {"message": exc.message}, status=404)
    error = None
    if request.method == "POST":
        try:
            booking = services.booking_hold_confirm(pk=pk, token=token)
        except ApplicationError as exc:
            error = exc.message
        else:
            user = booking.created_by
            # Someone else signed in here (a colleague's computer) stays signed in; the booking page is then the link's.
            if not request.user.is_authenticated and user.is_active and _may_log_in_by_link(user):
                # The link proved the address and the account has no password or second factor yet: the
                # newcomer is signed in here (whatever the browser) and may set a password from the booking page.
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if request.user.is_authenticated and request.user.pk == user.pk:
                messages.success(request, _("ご予約を受け付けました。確認のメールをお送りしました。"))
                return redirect("consultations:booking_detail", pk=booking.pk)
            return redirect("consultations:hold_confirm", pk=pk, token=token)
    return render(
        request,
        "consultations/hold_confirm.html",
        {"booking": booking, "error": error, "held": booking.status in HOLD_STATES},
        status=400 if error else 200,
    )


HOLD_STATES = (BookingStatus.HELD, BookingStatus.EXPIRED)


def _may_log_in_by_link(user) -> bool:
    from allauth.mfa.models import Authenticator

    return (
        not user.has_usable_password()
        and not user.is_staff
        and not Authenticator.objects.filter(user=user).exists()
        and user.last_login is None
    )


def _parse_start(value: str | None) -> dt.datetime | None:
    """An ISO date-time from the calendar's links, in JST; None for anything else (year 1 and 9999 included)."""
    if not value or len(value) > 40:
        return None
    # A "+09:00" that reached the query string unencoded (a redirect after log-in) arrives as " 09:00".
    value = re.sub(r" (\d\d:\d\d)$", r"+\1", value)
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=JST)
        parsed = parsed.astimezone(JST)
    except (ValueError, OverflowError):
        return None
    if not 2000 <= parsed.year <= 2100:
        return None
    return parsed


def book(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    institution_staff = user.is_authenticated and user.is_institution_staff
    if not user.is_authenticated or (user.company_id is None and not institution_staff):
        if user.is_authenticated and (user.is_advisor or user.is_staff):
            messages.error(request, _("相談の予約は企業または支援機関のアカウントで行ってください。"))
            return redirect("consultations:index")
        if not request.user.is_authenticated:
            # The calendar's own form books without an account (a mail link confirms it): back there, hour chosen.
            query = urlencode({"mode": request.GET.get("mode", ""), "start": request.GET.get("start", "")})
            return redirect(f"{request.path.rsplit('book/', 1)[0]}?{query}")
        # Keep the chosen slot through the company form.
        if request.method == "GET":
            resume_remember(request, request.get_full_path())
        messages.info(request, _("はじめに企業情報をご登録ください。登録が終わると、選んだ日時の予約画面に進みます。"))
        return redirect("accounts:company")
    resume_forget(request)
    company_id = booking_company_id(user)
    window, mode = _window_and_mode(request, code)
    calendar_url = f"{request.path.rsplit('book/', 1)[0]}?mode={mode}"
    start = _parse_start(request.POST.get("start") or request.GET.get("start"))
    if start is None:
        messages.error(request, _("カレンダーから日時を選んでください。"))
        return redirect(calendar_url)
    try:
        slot = services._check_slot(window=window, start=start, company_id=company_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(calendar_url)
    context = {"window": window, "mode": mode, "mode_label": Mode(mode).label, "slot": slot}
    step = request.POST.get("step", "") if request.method == "POST" else ""
    advisors = list(selectors.advisors_by_id(slot.free_advisor_ids).values())
    initial = {"start": slot.start.isoformat(), "mode": mode}
    if mode == Mode.IN_PERSON:
        initial["meeting_tool"] = "in_person"
    form = IntakeForm(
        request.POST or None,
        initial=initial,
        advisors=advisors,
        accepted_advisor_ids=selectors.window_advisor_ids(window=window),
        modes=[mode],
    )
    if institution_staff:
        # The institution consults for itself: nobody sits in, and it has no self-check of its own to share.
        del form.fields["sitting_in"], form.fields["share_selfcheck"]
    else:
        member_of = hooks.member_institutions(company_id=company_id)
        if member_of.exists():
            form.fields["sitting_in"].queryset = member_of
        else:
            del form.fields["sitting_in"]
    context["form"] = form
    if not slot.free and step != "confirm":
        return _slot_taken(request, context, form=form if request.method == "POST" else None)
    if request.method == "POST" and step != "edit" and form.is_valid():
        data = form.cleaned_data
        if step == "confirm":
            try:
                booking = services.booking_create(
                    user=request.user,
                    window_code=window.code,
                    start=slot.start,
                    mode=mode,
                    topics=data["topics"],
                    question=data["question"],
                    customer_request=data["customer_request"],
                    meeting_tool=data["meeting_tool"],
                    advisor_id=data["advisor"],
                    sitting_in_id=data["sitting_in"].pk if data.get("sitting_in") else None,
                    # The share with the advisor is granted in the booking's own transaction: both or neither.
                    on_created=_share_with_advisor(request.user) if data.get("share_selfcheck") else None,
                )
            except ApplicationError as exc:
                if exc.code == "taken":
                    mine = selectors.company_booking_at(
                        company_id=booking_company_id(user), window=window, start=slot.start
                    )
                    if mine is not None and mine.created_by_id == request.user.pk:
                        # The same form sent twice (a double click): the first request booked it.
                        messages.success(request, _("ご予約を受け付けました。確認のメールをお送りしました。"))
                        return redirect("consultations:booking_detail", pk=mine.pk)
                    return _slot_taken(request, context, form=form)
                visible = exc.field in form.fields and not form.fields[exc.field].widget.is_hidden
                form.add_error(exc.field if visible else None, exc.message)
            else:
                messages.success(request, _("ご予約を受け付けました。確認のメールをお送りしました。"))
                return redirect("consultations:booking_detail", pk=booking.pk)
        elif data["advisor"] and data["advisor"] not in slot.free_advisor_ids:
            return _slot_taken(request, context, form=form)
        else:
            labels = dict(form.fields["topics"].choices)
            context["review"] = {
                "advisor": next((a for a in advisors if a.pk == data["advisor"]), None),
                "topics": [labels[t] for t in data["topics"]],
                "meeting_tool": dict(form.fields["meeting_tool"].choices)[data["meeting_tool"]],
            }
            return render(request, "consultations/confirm.html", context)
    return render(request, "consultations/intake.html", context)


def _share_with_advisor(user):
    def grant(booking) -> None:
        share_grant(company=booking.company, kind="advisor", booking=booking, user=user)

    return grant


def _slot_taken(request: HttpRequest, context: dict, *, form: IntakeForm | None = None) -> HttpResponse:
    """The slot (or the chosen advisor's hour) is gone: say so kindly and offer the nearest free slots."""
    context = dict(context, form=form)
    context["taken_message"] = _(services.TAKEN_MESSAGE)
    context["nearest"] = services.nearest_free_slots(
        window=context["window"], around=context["slot"].start, company_id=booking_company_id(request.user)
    )
    context["own_booking"] = context["slot"].own_booking and form is None
    return render(request, "consultations/slot_taken.html", context)


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.company_id is None and not user.is_institution_staff:
        # An account without a company yet is told what booking needs (as the self-check does); an advisor is
        # pointed to the workspace that lists the consultations they hold.
        return render(request, "consultations/my_bookings.html", {"no_bookings_here": True})
    company_id = booking_company_id(user)
    upcoming, past = selectors.company_bookings(company_id=company_id) if company_id else ([], [])
    # A cancelled booking is neither to come nor held: it has its own heading (it read as a past consultation).
    cancelled = [b for b in past if b.status == BookingStatus.CANCELLED]
    past = [b for b in past if b.status != BookingStatus.CANCELLED]
    context = {
        "upcoming": upcoming,
        "past": past,
        "cancelled": cancelled,
        "institution": user.institution if user.institution_id else None,
    }
    if user.institution_id:
        context["sitting_in"] = hooks.sitting_in_bookings(institution=user.institution)
    return render(request, "consultations/my_bookings.html", context)


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = services.booking_for_company(user=request.user, pk=pk)
    return render(request, "consultations/booking_detail.html", {"booking": booking, "now": timezone.now()})


@login_required
def booking_calendar_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking as an .ics file, as it stands now (status and sequence), for the SME's calendar."""
    booking = services.booking_for_company(user=request.user, pk=pk)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{booking.pk}.ics"'
    return response


@login_required
def cancel(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    booking = services.booking_for_company(user=request.user, pk=pk)
    error = None
    try:
        services.check_token(booking=booking, token=token)
    except ApplicationError as exc:
        return render(request, "consultations/link_error.html", {"message": exc.message}, status=404)
    if request.method == "POST":
        try:
            services.booking_cancel(user=request.user, pk=pk, token=token)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("ご予約をキャンセルしました。"))
            return redirect("consultations:my_bookings")
    return render(request, "consultations/cancel.html", {"booking": booking, "error": error})


@login_required
def reschedule(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    booking = services.booking_for_company(user=request.user, pk=pk)
    try:
        services.check_token(booking=booking, token=token)
    except ApplicationError as exc:
        return render(request, "consultations/link_error.html", {"message": exc.message}, status=404)
    error = None
    if request.method == "POST":
        start = _parse_start(request.POST.get("start"))
        try:
            if start is None:
                raise ApplicationError(_("カレンダーから日時を選んでください。"), field="start")
            services.booking_reschedule(user=request.user, pk=pk, token=token, start=start)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("ご予約の日時を変更しました。確認のメールをお送りしました。"))
            return redirect("consultations:booking_detail", pk=pk)
    return render(
        request,
        "consultations/reschedule.html",
        {
            "booking": booking,
            "window": booking.window,
            "error": error,
            "weeks": _calendar_days(booking.window, company_id=booking.company_id, exclude_booking_id=booking.pk),
        },
    )
