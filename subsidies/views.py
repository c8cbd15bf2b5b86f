from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.cache import conditional, until
from core.desk import desk_allows, desk_require, desk_required
from core.errors import ApplicationError

from . import selectors, services
from .forms import ActionPlanForm, ActionPlanSearchForm, FinderForm
from .models import CATALOGUE_VERSION, ActionPlan, Measure

BAND_UPPER_EDGE = {"le_5": 5, "le_20": 20, "le_50": 50, "le_100": 100, "le_300": 300, "gt_300": 301}
FILTER_KEYS = ("employees", "prefecture", "industry", "step", "q", "investment", "open", "past")


def _profile_defaults(request: HttpRequest) -> dict:
    company = getattr(request.user, "company", None) if request.user.is_authenticated else None
    if company is None:
        return {}
    employees = company.employees
    if employees is None:
        # The band's upper edge picks the right cap band (≤5, 6–20, ≥21 …) when no exact count was given.
        employees = BAND_UPPER_EDGE.get(company.employee_band)
    return {
        "employees": "" if employees is None else str(employees),
        "prefecture": company.prefecture,
        "industry": company.industry,
    }


@conditional(CATALOGUE_VERSION, max_age=selectors.FINDER_MAX_AGE)
def index(request: HttpRequest) -> HttpResponse:
    """The finder: a logged-in company starts from its profile; anyone may change the questions."""
    until(request, selectors.finder_changes_at())
    data = request.GET.copy()
    from_profile = False
    if not any(key in request.GET for key in ("employees", "prefecture", "industry")):
        defaults = _profile_defaults(request)
        if defaults:
            from_profile = True
            for key, value in defaults.items():
                data.setdefault(key, value)
    form = FinderForm(data)
    error = None
    try:
        filters = selectors.finder_filters_parse(data)
    except ApplicationError as exc:
        error = exc
        form.is_valid()
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        filters = selectors.FinderFilters()
    else:
        form.is_valid()
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1
    page = selectors.measure_page(filters=filters, page=number)
    query = request.GET.copy()
    query.pop("page", None)
    follow_query = urlencode(
        {k: v for k, v in data.items() if k in ("employees", "prefecture", "industry", "step", "q") and v}
    )
    return render(
        request,
        "subsidies/index.html",
        {
            "form": form,
            "cards": page.cards,
            "page": page,
            "page_query": query.urlencode(),
            "filters": filters,
            "error": error,
            "from_profile": from_profile,
            "follow_query": follow_query,
            "querystring": request.GET.urlencode(),
        },
        status=400 if error else 200,
    )


@conditional(CATALOGUE_VERSION, max_age=selectors.FINDER_MAX_AGE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        measure = selectors.measure_get(pk=pk)
    except Measure.DoesNotExist:
        raise Http404 from None
    try:
        filters = selectors.finder_filters_parse(
            {**_profile_defaults(request), **{k: v for k, v in request.GET.items() if k in FILTER_KEYS}}
        )
    except ApplicationError:
        filters = selectors.FinderFilters()
    now = timezone.now()
    card = selectors.measure_card(measure, filters=filters, now=now)
    until(request, selectors.measure_changes_at(card, now=now))
    return render(
        request,
        "subsidies/detail.html",
        {
            "card": card,
            "measure": measure,
            "filters": filters,
            "following": selectors.user_follows_measure(user=request.user, measure=measure),
            "show_stale": card.stale and desk_allows(request.user, services.CATALOGUE_PERMISSION),
        },
    )


@login_required
@require_POST
def follow_measure(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(Measure, pk=pk)
    services.follow_create(user=request.user, measure=measure)
    messages.success(request, _("この支援策をフォローしました。新しい公募回と締切の1週間前にメールでお知らせします。"))
    return redirect(measure)


@login_required
@require_POST
def follow_filter(request: HttpRequest) -> HttpResponse:
    try:
        services.follow_create(user=request.user, filter_data=QueryDict(request.POST.get("query", "")))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("この条件をフォローしました。合う支援策の公募が始まるとメールでお知らせします。"))
    return redirect("subsidies:follows")


@login_required
def follows(request: HttpRequest) -> HttpResponse:
    return render(request, "subsidies/follows.html", {"follows": selectors.follow_list(user=request.user)})


@login_required
@require_POST
def unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    services.follow_delete(user=request.user, pk=pk)
    messages.success(request, _("フォローを解除しました。"))
    return redirect("subsidies:follows")


@desk_required(services.CATALOGUE_PERMISSION)
def stale(request: HttpRequest) -> HttpResponse:
    return render(request, "subsidies/stale.html", {"measures": selectors.measure_stale_list()})


def plans(request: HttpRequest) -> HttpResponse:
    form = ActionPlanSearchForm(request.GET)
    form.is_valid()
    status = 200
    try:
        results = list(
            selectors.action_plan_search(
                region=request.GET.get("region", ""),
                prefecture=request.GET.get("prefecture", ""),
                activity=request.GET.get("activity", ""),
                q=request.GET.get("q", "").strip(),
            )
        )
    except ApplicationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        results, status = [], 400
    own = []
    if request.user.is_authenticated and request.user.institution_id:
        own = list(ActionPlan.objects.filter(institution_id=request.user.institution_id))
    return render(request, "subsidies/plans.html", {"form": form, "plans": results, "own": own}, status=status)


@login_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = None
    if pk is not None:
        plan = get_object_or_404(ActionPlan, pk=pk)
        if not services.action_plan_can_edit(user=request.user, plan=plan):
            desk_require(request.user, services.PLAN_PERMISSION)  # a desk member without a second factor enrols
            raise PermissionDenied
    elif not request.user.institution_id:
        raise PermissionDenied
    form = ActionPlanForm(request.POST or None, initial=ActionPlanForm.initial_for(plan) if plan else None)
    if request.method == "POST" and form.is_valid():
        try:
            if plan:
                services.action_plan_update(user=request.user, plan=plan, data=form.cleaned_data)
            else:
                plan = services.action_plan_create(user=request.user, data=form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("アクションプランを保存しました。"))
            return redirect("subsidies:plans")
    return render(request, "subsidies/plan_form.html", {"form": form, "plan": plan})
