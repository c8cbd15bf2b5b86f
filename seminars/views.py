from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.cache import conditional, until
from core.desk import desk_required
from core.errors import ApplicationError
from core.ics import calendar_bytes
from core.jst import format_jst

from . import selectors, services
from .forms import CheckinCodeForm, SeminarFilterForm
from .models import Material, Registration, RegistrationStatus, Seminar


@conditional(selectors.NAMESPACE, max_age=selectors.LIST_MAX_AGE)
def index(request: HttpRequest) -> HttpResponse:
    form = SeminarFilterForm(request.GET or None)
    archive = request.GET.get("view") == "archive"
    filters = form.cleaned_data if form.is_valid() else {}
    seminars = selectors.seminar_list(archive=archive, **{k: v for k, v in filters.items() if v})
    page = Paginator(seminars, 20).get_page(request.GET.get("page"))
    for seminar in page:
        seminar.seats_left = selectors.seats_left(seminar)
    query = request.GET.copy()
    query.pop("page", None)
    until(request, selectors.seminar_list_changes_at())
    return render(
        request,
        "seminars/index.html",
        {"form": form, "page": page, "archive": archive, "query": query.urlencode()},
    )


@conditional(selectors.NAMESPACE, max_age=selectors.DETAIL_MAX_AGE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        seminar = selectors.seminar_detail(pk=pk)
    except Seminar.DoesNotExist as exc:
        raise Http404 from exc
    if (moment := selectors.seminar_detail_changes_at(seminar)) is not None:
        until(request, moment)
    registration = selectors.registration_of(seminar=seminar, user=request.user)
    return render(
        request,
        "seminars/detail.html",
        {
            "seminar": seminar,
            "registration": registration,
            "seats_left": selectors.seats_left(seminar),
            "show_stream": registration is not None and registration.status == RegistrationStatus.REGISTERED,
        },
    )


@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Seminar, pk=pk, is_published=True)
    try:
        registration = services.registration_create(seminar_id=pk, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if registration.status == RegistrationStatus.REGISTERED:
            messages.success(request, _("お申し込みを受け付けました。確認メールをお送りしました。"))
        else:
            messages.warning(
                request, _("満席のため、キャンセル待ちに登録しました。席が空いたらメールでお知らせします。")
            )
    return redirect("seminars:detail", pk=pk)


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A page that says what is cancelled, then one button: a tap on a list never cancels by itself."""
    registration = get_object_or_404(Registration.objects.select_related("seminar"), pk=pk, user=request.user)
    back = "my" if (request.POST.get("next") or request.GET.get("next")) == "my" else ""
    error = None
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("キャンセルしました。確認のメールをお送りしました。"))
            if back == "my":
                return redirect("seminars:my")
            return redirect("seminars:detail", pk=registration.seminar_id)
    return render(
        request,
        "seminars/cancel_confirm.html",
        {"registration": registration, "next": back, "error": error},
        status=400 if error else 200,
    )


def _token_view(request: HttpRequest, token: str, action: str) -> HttpResponse:
    try:
        registration = services.registration_from_token(token=token, action=action)
    except ApplicationError as exc:
        return render(request, "seminars/token_invalid.html", {"message": exc.message}, status=400)
    done = registration.status == RegistrationStatus.CANCELLED
    if request.method == "POST" and not done:
        try:
            services.registration_cancel(registration=registration)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            done = True
    return render(
        request, "seminars/token_confirm.html", {"registration": registration, "action": action, "done": done}
    )


def token_cancel(request: HttpRequest, token: str) -> HttpResponse:
    return _token_view(request, token, "cancel")


def token_leave(request: HttpRequest, token: str) -> HttpResponse:
    return _token_view(request, token, "leave")


@login_required
def my(request: HttpRequest) -> HttpResponse:
    registrations = list(selectors.registrations_of_user(user=request.user))
    return render(
        request,
        "seminars/my.html",
        {
            "upcoming": [r for r in registrations if not r.seminar.is_past],
            "past": [r for r in registrations if r.seminar.is_past][::-1],
        },
    )


def ics(request: HttpRequest, pk: int) -> HttpResponse:
    seminar = get_object_or_404(Seminar, pk=pk, is_published=True, starts_at__isnull=False)
    registration = selectors.registration_of(seminar=seminar, user=request.user)
    with_link = registration is not None and registration.status == RegistrationStatus.REGISTERED
    response = HttpResponse(services.seminar_ics(seminar, with_link=with_link), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="seminar-{seminar.pk}.ics"'
    return response


def feed(request: HttpRequest) -> HttpResponse:
    seminars = selectors.seminar_list(upcoming=True).filter(starts_at__isnull=False)[:200]
    body = calendar_bytes([services.calendar_event(s) for s in seminars], name=_("CN支援ポータル セミナー"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def material(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(Material.objects.select_related("seminar"), pk=pk, seminar__is_published=True)
    if not item.seminar.is_past:
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.file.name.rsplit("/", 1)[-1])


# The seminar desk checks people in at the door, on a phone, with its second factor (core.desk).
CHECKIN_PERMISSION = "seminars.change_registration"


@desk_required(CHECKIN_PERMISSION)
def checkin_desk(request: HttpRequest, pk: int) -> HttpResponse:
    """The door of one seminar: how many are in, and the short-code search for when the camera cannot help."""
    seminar = get_object_or_404(Seminar, pk=pk)
    form = CheckinCodeForm(request.GET or None)
    if form.is_valid():
        try:
            registration = services.registration_for_code(seminar_id=seminar.pk, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            return redirect(services.checkin_url(registration))
    context = {"seminar": seminar, "form": form, "counts": selectors.checkin_counts(seminar=seminar)}
    return render(request, "seminars/checkin_desk.html", context, status=400 if form.errors else 200)


@desk_required(CHECKIN_PERMISSION)
def checkin_scan(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """What the QR code opens: the person, and one button that records them as here (a GET changes nothing)."""
    seminar = get_object_or_404(Seminar, pk=pk)
    try:
        registration = services.registration_for_checkin(seminar_id=seminar.pk, token=token)
    except ApplicationError as exc:
        context = {"seminar": seminar, "message": exc.message}
        return render(request, "seminars/checkin_refused.html", context, status=400)
    if request.method == "POST":
        try:
            result = services.registration_check_in(registration_id=registration.pk, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            at = format_jst(result.registration.checked_in_at, "%H:%M")
            if result.already:
                messages.warning(request, _("この方はすでに受付済みです（%(at)s）。") % {"at": at})
            else:
                messages.success(request, _("受付しました（%(at)s）。") % {"at": at})
        return redirect(request.path)
    return render(request, "seminars/checkin_scan.html", {"seminar": seminar, "registration": registration})
