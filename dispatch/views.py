"""Pages of the expert dispatch: the programmes, applying, the company's cases, the expert's workspace."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.desk import SecondFactorRequired, second_factor_require
from core.errors import ApplicationError

from . import selectors, services
from .forms import ApplyForm, MeasureForm, OnBehalfForm, ReportForm, StageMoveForm, VisitForm, VisitLogForm
from .models import Deliverable, Programme, Stage


def _form_error(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dispatch/index.html", {"programmes": Programme})


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_institution_staff:
        return redirect("dispatch:apply_on_behalf")
    if not user.company_id:
        messages.info(request, _("お申込みの前に企業情報を登録してください。"))
        return redirect("accounts:company")
    programme = request.GET.get("programme", "")
    initial = {"programme": programme if programme in Programme.values else ""}
    form = ApplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_apply(
                user=user,
                origin=request.GET.get("from", "")[:20],
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("お申込みを受け付けました。確認のメールをお送りしました。"))
            return redirect("dispatch:case", pk=case.pk)
    return render(request, "dispatch/apply.html", {"form": form})


@login_required
def apply_on_behalf(request: HttpRequest) -> HttpResponse:
    if not request.user.is_institution_staff:
        raise PermissionDenied
    form = OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_apply_on_behalf(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("代理のお申込みを登録しました。企業の確認をお待ちください。"))
            return redirect("dispatch:case", pk=case.pk)
    return render(request, "dispatch/apply_on_behalf.html", {"form": form})


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "expert", None) is not None:
        return redirect("dispatch:expert_home")
    if user.is_institution_staff:
        cases = selectors.cases_of_institution(institution=user.institution)
    elif user.company_id:
        cases = selectors.cases_of_company(company=user.company)
    else:
        cases = []
    return render(request, "dispatch/my_cases.html", {"cases": cases})


def _case_for(request: HttpRequest, pk: int):
    """The case if this user may see it (company, its expert, the desk, an institution it is shared with)."""
    case = selectors.case_get(pk=pk)
    if case is None:
        raise Http404
    role = services.role_of(user=request.user, case=case)
    if role is None and services.role_awaits_second_factor(user=request.user, case=case):
        raise SecondFactorRequired
    institution_id = getattr(request.user, "institution_id", None)
    if role is None and not (institution_id and institution_id in (case.on_behalf_of_id, case.shared_with_id)):
        raise Http404
    return case, role


def _case_context(case, role: str | None, **forms) -> dict:
    """What the case page shows to a role; the expert and the desk also get their forms (blank or with errors):
    one form per possible move with only the fields that move asks for, and a record form per visit whose time
    is over and whose record is not yet written."""
    reached = {e.to_stage for e in case.events.all()}
    now = timezone.now()
    moves = services.allowed_moves(case=case, role=role)
    context = {
        "case": case,
        "role": role,
        "flow": [(s, Stage(s).label, s in reached, s == case.stage) for s in services.FLOWS[case.programme]],
        "costs": services.case_costs(case),
        "moves": [(to, Stage(to).label) for to in moves],
        "selfcheck": selectors.shared_selfcheck(case) if role in ("expert", "desk", "company") else [],
        "next_action": services.case_next_action(case) if role in ("expert", "desk") else None,
        "visits": [
            {"visit": v, "state": "done" if v.happened(now) else ("unlogged" if v.ends_at <= now else "planned")}
            for v in case.visits.all()
        ],
        "open": case.stage not in (Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN),
    }
    if role in ("expert", "desk"):
        bound = forms.get("move_form")
        context["move_forms"] = [
            (
                to,
                Stage(to).label,
                bound if bound is not None and bound.target == to else StageMoveForm(case=case, to=to),
            )
            for to in moves
            if to != Stage.APPLIED
        ]
        bound_log = forms.get("log_form")
        for item in context["visits"]:
            if item["state"] != "planned" and context["open"]:
                pk = item["visit"].pk
                item["form"] = (
                    bound_log
                    if bound_log is not None and bound_log.visit_pk == pk
                    else VisitLogForm(
                        prefix=f"log-{pk}", initial={"done": item["visit"].done, "readings": item["visit"].readings}
                    )
                )
        context["visit_form"] = forms.get("visit_form") or VisitForm(prefix="visit")
        context["report_form"] = forms.get("report_form") or ReportForm(
            prefix="report",
            initial={
                name: getattr(case, name)
                for name in ("findings", "baseline_t", "after_t", "target_year", "target_reduction_pct", "roadmap")
            },
        )
        context["measure_form"] = forms.get("measure_form") or MeasureForm(prefix="measure")
    anchors = {"visit_form": "visit", "report_form": "report", "measure_form": "measures"}
    for name, form in forms.items():
        if form is not None and form.errors:
            if name == "move_form":
                context["error_anchor"] = f"move-{form.target}"
            elif name == "log_form":
                context["error_anchor"] = f"log-{form.visit_pk}"
            else:
                context["error_anchor"] = anchors[name]
    return context


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case, role = _case_for(request, pk)
    return render(request, "dispatch/case.html", _case_context(case, role))


@login_required
@require_POST
def case_move(request: HttpRequest, pk: int) -> HttpResponse:
    case, role = _case_for(request, pk)
    to = request.POST.get("to", "")
    allowed = services.allowed_moves(case=case, role=role)
    # The expert's and the desk's move forms carry their target in a prefixed field (one form per move).
    to = to or next((m for m in allowed if request.POST.get(f"move-{m}-to") == m), "")
    if role in ("expert", "desk") and to in allowed:
        form = StageMoveForm(request.POST, case=case, to=to)
        if form.is_valid():
            try:
                services.case_transition(case=case, user=request.user, to=to, **form.data_for_service())
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("「%(stage)s」に進めました。") % {"stage": Stage(to).label})
                return redirect("dispatch:case", pk=case.pk)
        case = selectors.case_get(pk=case.pk)
        return render(request, "dispatch/case.html", _case_context(case, role, move_form=form), status=400)
    try:
        if to == Stage.APPLIED and case.stage == Stage.AWAITING_COMPANY:
            services.case_confirm(
                user=request.user, case=case, share_selfcheck=bool(request.POST.get("share_selfcheck"))
            )
        else:
            services.case_transition(case=case, user=request.user, to=to)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("「%(stage)s」に進めました。") % {"stage": Stage(to).label})
    return redirect("dispatch:case", pk=case.pk)


def _workspace_post(request: HttpRequest, pk: int, handler) -> HttpResponse:
    case, role = _case_for(request, pk)
    if role not in ("expert", "desk"):
        raise Http404
    form, error = handler(case)
    if error is None:
        return redirect("dispatch:case", pk=case.pk)
    return render(request, "dispatch/case.html", _case_context(case, role, **{error: form}), status=400)


@login_required
@require_POST
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    def handle(case):
        form = VisitForm(request.POST, prefix="visit")
        if form.is_valid():
            try:
                services.visit_schedule(case=case, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("訪問を登録し、企業と専門家に日時をお知らせしました。"))
                return form, None
        return form, "visit_form"

    return _workspace_post(request, pk, handle)


@login_required
@require_POST
def report_save(request: HttpRequest, pk: int) -> HttpResponse:
    def handle(case):
        form = ReportForm(request.POST, prefix="report")
        if form.is_valid():
            try:
                services.case_update_report(case=case, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("報告書の内容を保存しました。"))
                return form, None
        return form, "report_form"

    return _workspace_post(request, pk, handle)


@login_required
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    def handle(case):
        form = MeasureForm(request.POST, prefix="measure")
        if form.is_valid():
            try:
                services.measure_add(case=case, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("対策を追加しました。"))
                return form, None
        return form, "measure_form"

    return _workspace_post(request, pk, handle)


@login_required
@require_POST
def visit_log(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    def handle(case):
        visit = next((v for v in case.visits.all() if v.pk == visit_pk), None)
        if visit is None:
            raise Http404
        form = VisitLogForm(request.POST, prefix=f"log-{visit.pk}")
        form.visit_pk = visit.pk
        if form.is_valid():
            try:
                services.visit_log(visit=visit, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("第%(n)s回の訪問を実施済みとして記録しました。") % {"n": visit.number})
                return form, None
        return form, "log_form"

    return _workspace_post(request, pk, handle)


@login_required
def deliverable_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case, _role = _case_for(request, pk)
    deliverable = next((d for d in case.deliverables.all() if d.kind == kind), None)
    if deliverable is None or deliverable.status != Deliverable.Status.READY or not deliverable.path:
        raise Http404
    path = services.pdf_directory() / Path(deliverable.path).name
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{kind}-{case.pk}.pdf", content_type="application/pdf"
    )


@login_required
def expert_home(request: HttpRequest) -> HttpResponse:
    expert = getattr(request.user, "expert", None)
    if expert is None:
        raise PermissionDenied
    second_factor_require(request.user)
    cases = selectors.cases_of_expert(expert=expert)
    return render(request, "dispatch/expert_home.html", {"expert": expert, "cases": cases})
