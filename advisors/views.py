import datetime as dt
from functools import wraps
from urllib.parse import urlencode

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consultations import selectors as consultations_selectors
from consultations.forms import AvailabilityFormSet, DayOffForm
from consultations.models import BookingStatus, Mode
from core.desk import has_second_factor
from core.errors import ApplicationError
from core.jst import jst_today
from core.site import absolute_url

from . import selectors, services
from .calendar import advisor_feed
from .forms import (
    MeetingUrlForm,
    MoveRequestForm,
    RecommendationForm,
    RecordForm,
    WelcomeForm,
    WorkspaceFilterForm,
)
from .models import AdvisorAccount, MoveRequestStatus, Recommendation
from .shared import shared_selfcheck


def advisor_required(view):
    """Signed in, an advisor, with an authenticator app: the same second factor as SMRJ staff."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        account = selectors.account_of(request.user)
        if account is None:
            raise Http404
        if not has_second_factor(request.user):
            messages.warning(
                request,
                _(
                    "専門家のワークスペースを使うには二段階認証の設定が必要です。認証アプリでQRコードを読み取ってください。"
                ),
            )
            return redirect("mfa_activate_totp")
        request.advisor_account = account
        return view(request, *args, **kwargs)

    return wrapped


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: set a password (once), then set up the authenticator app."""
    try:
        account = services.account_from_invitation(token)
    except services.InvitationError as error:
        status = 410 if error.code in ("expired", "used") else 404
        return render(request, "sharing/link_error.html", {"message": error.message}, status=status)
    form = WelcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.advisor_activate(token=token, password=form.cleaned_data["password1"])
        except services.InvitationError as error:
            return render(request, "sharing/link_error.html", {"message": error.message}, status=410)
        except ApplicationError as error:
            form.add_error("password1", error.message)
        else:
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            # As allauth records a sign-in: the password just set counts as a recent one, so the authenticator
            # page that follows shows the QR code without asking for the password again.
            record_authentication(request, account.user, method="password", email=account.user.email)
            messages.success(
                request, _("パスワードを設定しました。続けて、認証アプリによる二段階認証を設定してください。")
            )
            return redirect("mfa_activate_totp")
    return render(
        request, "advisors/welcome.html", {"form": form, "account": account}, status=400 if form.errors else 200
    )


WORKSPACE_VIEW_LABELS = {
    "upcoming": gettext_lazy("これからの相談"),
    "week": gettext_lazy("今週の相談"),
    "needs_record": gettext_lazy("記録が必要な相談"),
    "all": gettext_lazy("すべての相談"),
}


@advisor_required
def home(request: HttpRequest) -> HttpResponse:
    account = request.advisor_account
    view = request.GET.get("view", "upcoming")
    view = view if view in WORKSPACE_VIEW_LABELS else "upcoming"
    filters = WorkspaceFilterForm(request.GET or None)
    query = filters.cleaned_data.get("q", "") if filters.is_valid() else ""
    counts = selectors.workspace_counts(advisor_id=account.advisor_id)
    page = selectors.workspace_bookings(
        advisor_id=account.advisor_id, view=view, query=query, page=request.GET.get("page") or 1
    )
    now = timezone.now()
    for booking in page.object_list:
        booking.needs_record = (
            booking.start <= now
            and booking.status in (BookingStatus.CONFIRMED, BookingStatus.DONE)
            and not booking.private_record
        )
    return render(
        request,
        "advisors/home.html",
        {
            "account": account,
            "view": view,
            "views": [(key, label, counts[key]) for key, label in WORKSPACE_VIEW_LABELS.items()],
            "view_label": WORKSPACE_VIEW_LABELS[view],
            "filters": filters,
            "query": query,
            "page": page,
            "page_query": urlencode({"view": view, **({"q": query} if query else {})}),
            "feed_url": absolute_url(reverse("advisors:calendar_feed", args=[account.calendar_token])),
        },
    )


def _booking_context(request: HttpRequest, pk: int, **forms) -> dict:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    follow_up = getattr(booking, "follow_up", None)
    move_requests = selectors.move_requests(booking_id=booking.pk)
    now = timezone.now()
    allowed = []
    if booking.status == BookingStatus.REQUESTED:
        allowed.append((BookingStatus.CONFIRMED, _("確定にする")))
    if booking.status == BookingStatus.CONFIRMED and booking.start <= now:
        allowed += [(BookingStatus.DONE, _("実施済みにする")), (BookingStatus.NO_SHOW, _("無断欠席にする"))]
    return {
        "account": account,
        "booking": booking,
        "history": selectors.company_history(company_id=booking.company_id, exclude_pk=booking.pk),
        "shared": shared_selfcheck(booking=booking, user=request.user),
        "record_form": forms.get("record_form")
        or RecordForm(
            initial={"private_record": booking.private_record, "next_steps": follow_up.next_steps if follow_up else ""},
            prefix="rec",
        ),
        "recommend_form": forms.get("recommend_form") or RecommendationForm(prefix="reco"),
        "meeting_form": forms.get("meeting_form")
        or MeetingUrlForm(initial={"meeting_url": booking.meeting_url}, prefix="meet"),
        "move_form": forms.get("move_form") or MoveRequestForm(prefix="move"),
        "move_requests": move_requests,
        # A refused request is shown with its error even when another one is waiting (a form sent twice).
        "show_move_form": booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
        and booking.end > now
        and (not any(m.status == MoveRequestStatus.PENDING for m in move_requests) or "move_form" in forms),
        "movable": booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED) and booking.end > now,
        "meeting_editable": booking.mode == Mode.ONLINE
        and booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
        "status_actions": allowed,
    }


@advisor_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "advisors/booking.html", _booking_context(request, pk))


@advisor_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    form = RecordForm(request.POST, prefix="rec")
    if form.is_valid():
        try:
            services.record_save(account=account, booking=booking, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("相談記録と次のステップを保存しました。"))
            return redirect(reverse("advisors:booking", args=[pk]) + "#record")
    return render(request, "advisors/booking.html", _booking_context(request, pk, record_form=form), status=400)


@advisor_required
@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    try:
        booking = services.booking_mark(account=account, booking=booking, status=request.POST.get("status", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("状態を「%(s)s」にしました。") % {"s": booking.get_status_display()})
    return redirect("advisors:booking", pk=pk)


@advisor_required
@require_POST
def meeting_url(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    form = MeetingUrlForm(request.POST, prefix="meet")
    if form.is_valid():
        try:
            services.meeting_url_set(account=account, booking=booking, meeting_url=form.cleaned_data["meeting_url"])
        except ApplicationError as error:
            # An in-person, finished or cancelled booking: nothing to correct in the form, so said at the top.
            messages.error(request, error.message)
            return redirect("advisors:booking", pk=pk)
        else:
            messages.success(request, _("会議URLを保存しました。変更は企業にメールでお知らせします。"))
            return redirect(reverse("advisors:booking", args=[pk]) + "#meeting")
    return render(request, "advisors/booking.html", _booking_context(request, pk, meeting_form=form), status=400)


@advisor_required
@require_POST
def move_request(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    form = MoveRequestForm(request.POST, prefix="move")
    if form.is_valid():
        try:
            services.move_request_create(
                account=account, booking=booking, start=form.start(), reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            field = {"start": "date"}.get(error.field, error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("日時の変更を窓口に依頼しました。窓口が企業と調整して決めます。"))
            return redirect(reverse("advisors:booking", args=[pk]) + "#move")
    return render(request, "advisors/booking.html", _booking_context(request, pk, move_form=form), status=400)


@advisor_required
@require_POST
def selfcheck_open(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    try:
        services.selfcheck_open(account=account, booking=booking)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(reverse("advisors:booking", args=[pk]) + "#selfcheck")


@advisor_required
@require_POST
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    booking = selectors.booking_for_advisor(advisor_id=account.advisor_id, pk=pk)
    form = RecommendationForm(request.POST, prefix="reco")
    if form.is_valid():
        try:
            services.recommendation_add(account=account, booking=booking, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("おすすめを追加しました。企業のマイページに表示されます。"))
            return redirect(reverse("advisors:booking", args=[pk]) + "#recommend")
    return render(request, "advisors/booking.html", _booking_context(request, pk, recommend_form=form), status=400)


@advisor_required
@require_POST
def recommendation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.advisor_account
    item = get_object_or_404(
        Recommendation.objects.select_related("booking"), pk=pk, booking__advisor_id=account.advisor_id
    )
    services.recommendation_remove(account=account, recommendation=item)
    messages.success(request, _("おすすめを取り消しました。"))
    return redirect(reverse("advisors:booking", args=[item.booking_id]) + "#recommend")


def _availability_context(request: HttpRequest, *, formset=None, day_off_form=None) -> dict:
    account = request.advisor_account
    rows = consultations_selectors.advisor_weekly_hours(advisor_id=account.advisor_id)
    return {
        "account": account,
        "formset": formset or AvailabilityFormSet.showing(rows),
        "day_off_form": day_off_form or DayOffForm(prefix="off"),
        "days_off": consultations_selectors.advisor_days_off(advisor_id=account.advisor_id, date_from=jst_today()),
        "windows": account.advisor.windows.prefetch_related("rules"),
    }


@advisor_required
def availability(request: HttpRequest) -> HttpResponse:
    account = request.advisor_account
    if request.method != "POST":
        return render(request, "advisors/availability.html", _availability_context(request))
    formset = AvailabilityFormSet(request.POST, prefix="av")
    if formset.is_valid():
        try:
            services.availability_replace(account=account, rows=formset.rows())
        except ApplicationError as error:
            formset._non_form_errors = formset.error_class([error.message])
        else:
            messages.success(request, _("対応できる曜日・時間帯を保存しました。"))
            return redirect("advisors:availability")
    return render(request, "advisors/availability.html", _availability_context(request, formset=formset), status=400)


@advisor_required
@require_POST
def day_off(request: HttpRequest) -> HttpResponse:
    form = DayOffForm(request.POST, prefix="off")
    if form.is_valid():
        try:
            services.day_off_add(account=request.advisor_account, date=form.cleaned_data["date"])
        except ApplicationError as error:
            form.add_error("date", error.message)
        else:
            messages.success(request, _("休みを登録しました。"))
            return redirect(reverse("advisors:availability") + "#days-off")
    return render(request, "advisors/availability.html", _availability_context(request, day_off_form=form), status=400)


@advisor_required
@require_POST
def day_off_delete(request: HttpRequest) -> HttpResponse:
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("日付が正しくありません。"))
    else:
        services.day_off_remove(account=request.advisor_account, date=date)
        messages.success(request, _("休みを取り消しました。"))
    return redirect(reverse("advisors:availability") + "#days-off")


@advisor_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    services.calendar_token_regenerate(account=request.advisor_account)
    messages.success(request, _("カレンダーの配信URLを作り直しました。以前のURLは使えなくなりました。"))
    return redirect(reverse("advisors:home") + "#calendar")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed that Outlook or Google Calendar subscribes to (no login: the address is the secret)."""

    account = AdvisorAccount.objects.select_related("advisor").filter(calendar_token=token).first()
    if account is None or not account.user.is_active:
        raise Http404
    response = HttpResponse(advisor_feed(account=account), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cn-consultations.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
