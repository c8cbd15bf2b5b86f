import secrets
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.charts import bar_chart_svg
from core.errors import ApplicationError
from core.jst import current_fiscal_year, last_complete_fiscal_year

from . import hooks, selectors, services
from .calculator import (
    ENTRIES,
    ENTRY_LABELS,
    FAMILIES,
    FISCAL_MONTHS,
    LEVEL_LABELS,
    LPG_CONVERSION_SOURCE,
    ConversionMissing,
)
from .charts import co2_chart, yearly_charts
from .forms import NewSheetForm, Step1Form, Step2Form, Step3Form
from .models import FactorSet, Sheet

SESSION_TOKEN = "selfcheck_token"


def signup_session_keys() -> list[str]:
    """accounts.hooks.signup_session_keys: the try-out's token is kept for the account signed up from this browser."""
    return [SESSION_TOKEN]


def _token(request: HttpRequest, *, create: bool = False) -> str:
    token = request.session.get(SESSION_TOKEN, "")
    if not token and create:
        token = secrets.token_hex(16)
        request.session[SESSION_TOKEN] = token
    return token


def _claim_tryouts(request: HttpRequest) -> None:
    """An anonymous try-out is kept when its author signs up: attach it to their company."""
    user = request.user
    token = _token(request)
    if not token or not user.is_authenticated or not user.company_id:
        return
    for sheet in Sheet.objects.filter(company__isnull=True, session_key=token):
        if services.sheet_claim(sheet=sheet, company=user.company):
            messages.success(request, _("お試しで入力したシートを、あなたの企業のシートとして保存しました。"))
    request.session.pop(SESSION_TOKEN, None)


def _own_sheet(request: HttpRequest, pk: int) -> Sheet:
    """The sheet if it belongs to the user's company or to this browser's try-out; 404 otherwise."""
    _claim_tryouts(request)
    sheet = get_object_or_404(Sheet.objects.select_related("company", "factor_set"), pk=pk)
    user = request.user
    if sheet.company_id:
        if user.is_authenticated and user.company_id == sheet.company_id:
            return sheet
    elif sheet.session_key and sheet.session_key == _token(request):
        return sheet
    raise Http404


def _action_url(target: str, sheet: Sheet) -> str:
    if target in ("step1", "step2", "step3"):
        return reverse(f"selfcheck:{target}", args=[sheet.pk])
    if target == "dispatch:diagnosis":
        return reverse("dispatch:apply") + "?programme=diagnosis&from=selfcheck"
    if target.startswith("subsidies:"):
        return reverse("subsidies:index") + "?step=" + target.split(":", 1)[1]
    return reverse(f"{target}:index")


def index(request: HttpRequest) -> HttpResponse:
    _claim_tryouts(request)
    user = request.user
    context: dict = {"new_form": None, "sheets": [], "trend": None, "last_year": last_complete_fiscal_year()}
    if user.is_authenticated and user.company_id:
        sheets = list(selectors.sheets_of_company(company=user.company))
        context["sheets"] = sheets
        context["new_form"] = NewSheetForm()
        with_totals = [s for s in sheets if s.total_t is not None]
        if with_totals:
            context["trend"] = bar_chart_svg(
                [(_("%(y)s年度") % {"y": s.fiscal_year}, s.total_t) for s in with_totals],
                title=_("年度別のCO2排出量"),
                unit="t-CO2",
            )
            context["trend_rows"] = with_totals
    elif user.is_authenticated:
        tryouts = []
    else:
        tryouts = (
            list(Sheet.objects.filter(company__isnull=True, session_key=_token(request))) if _token(request) else []
        )
        context["tryouts"] = tryouts
    return render(request, "selfcheck/index.html", context)


@require_POST
def sheet_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_authenticated and user.company_id):
        raise PermissionDenied
    form = NewSheetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("年度を選んでください。"))
        return redirect("selfcheck:index")
    year = form.cleaned_data["fiscal_year"]
    existing = Sheet.objects.filter(company=user.company, fiscal_year=year).first()
    if existing:
        return redirect("selfcheck:step1", existing.pk)
    try:
        sheet = services.sheet_create(fiscal_year=year, company=user.company)
    except ApplicationError as error:
        sheet = Sheet.objects.filter(company=user.company, fiscal_year=year).first()
        if sheet is None:  # no factor set for that year: refused, with the reason
            messages.error(request, error.message)
            return redirect("selfcheck:index")
    return redirect("selfcheck:step1", sheet.pk)


@login_required
def next_year(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The April mail's link: shows what the new year's sheet takes over; only a POST creates it."""
    user = request.user
    if not user.company_id:
        raise PermissionDenied
    if not 2000 <= fiscal_year <= current_fiscal_year():
        raise Http404
    existing = Sheet.objects.filter(company=user.company, fiscal_year=fiscal_year).first()
    previous = Sheet.objects.filter(company=user.company, fiscal_year=fiscal_year - 1).first()
    if request.method == "POST":
        if existing is not None:
            messages.info(request, _("%(y)s年度のシートはすでにあります。") % {"y": fiscal_year})
            return redirect("selfcheck:step1", existing.pk)
        try:
            sheet = services.sheet_create_next_year(company=user.company, fiscal_year=fiscal_year)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("selfcheck:next_year", fiscal_year)
        messages.success(request, _("%(y)s年度のシートを作成しました。") % {"y": fiscal_year})
        return redirect("selfcheck:step1", sheet.pk)
    structure = services.sheet_structure(previous) if previous is not None else None
    return render(
        request,
        "selfcheck/next_year.html",
        {
            "fiscal_year": fiscal_year,
            "existing": existing,
            "previous": previous,
            "carried_rows": carried_rows(structure) if structure else [],
        },
    )


def carried_rows(structure: dict) -> list[dict]:
    """The carried entries in words: label, unit, and the months entered (or "年間の値")."""
    rows = []
    for code in structure.get("entries", []):
        if code not in ENTRIES:
            continue
        months = structure.get("monthly", {}).get(code) or []
        rows.append(
            {
                "code": code,
                "label": ENTRY_LABELS[code],
                "unit": ENTRIES[code][1],
                "months": months,
                "months_text": (
                    _("12か月（4月〜翌年3月）")
                    if len(months) == 12
                    else "・".join(_("%(m)s月") % {"m": m} for m in sorted(months, key=FISCAL_MONTHS.index))
                )
                if months
                else _("年間の値"),
            }
        )
    return rows


@require_POST
def try_out(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and user.company_id:
        return redirect("selfcheck:index")
    try:
        sheet = services.sheet_create(fiscal_year=last_complete_fiscal_year(), session_key=_token(request, create=True))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("selfcheck:index")
    return redirect("selfcheck:step1", sheet.pk)


def _apply_error(form, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def step1(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    form = Step1Form(request.POST or None, initial=Step1Form.initial_for(sheet))
    if sheet.carried:
        form.put_first(sheet.carried.get("entries", []))
    if request.method == "POST" and form.is_valid():
        try:
            services.sheet_save_step1(sheet=sheet, data=form.to_data())
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("ステップ1を保存しました。"))
            for code, months in sheet.incomplete_months().items():
                messages.warning(
                    request,
                    _(
                        "%(label)s：12か月中%(n)sか月分の入力です。年間の使用量としては計算に含めていません"
                        "（残りの月を入力するか、年換算を選んでください）。"
                    )
                    % {"label": ENTRY_LABELS[code], "n": months},
                )
            return redirect("selfcheck:step2", sheet.pk)
    report = selectors.sheet_report(sheet)
    return render(
        request,
        "selfcheck/step1.html",
        {
            "sheet": sheet,
            "form": form,
            "step": 1,
            **report,
            "chart": co2_chart(report["co2"]),
            "carried_rows": carried_rows(sheet.carried) if sheet.carried else [],
        },
    )


def step2(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    form = Step2Form(request.POST or None, initial=Step2Form.initial_for(sheet))
    if request.method == "POST" and form.is_valid():
        try:
            services.sheet_save_step2(sheet=sheet, measures=form.to_measures(), awareness=form.to_awareness())
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("ステップ2を保存しました。"))
            return redirect("selfcheck:step3", sheet.pk)
    families = [
        {"code": code, "name": name, "text": text, "fields": form.measure_fields(code)} for code, name, text in FAMILIES
    ]
    return render(request, "selfcheck/step2.html", {"sheet": sheet, "form": form, "families": families, "step": 2})


def step3(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    initial = {}
    if not sheet.step3_saved:
        # a base year carried over from last year's sheet stays the one the SME picked
        initial = {"base_year": sheet.base_year or sheet.fiscal_year, "base_emissions_t": sheet.total_t}
        if sheet.base_year and sheet.base_year != sheet.fiscal_year:
            initial["base_emissions_t"] = selectors.year_total(company=sheet.company, fiscal_year=sheet.base_year)
        if sheet.company_id and sheet.company.employees:
            initial["sbt_employees"] = sheet.company.employees
    form = Step3Form(request.POST or None, instance=sheet, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sheet_save_step3(sheet=sheet, data=form.cleaned_data)
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("ステップ3を保存しました。"))
            return redirect("selfcheck:result", sheet.pk)
    return render(
        request, "selfcheck/step3.html", {"sheet": sheet, "form": form, "step": 3, "rate": selectors.jpy_per_eur()}
    )


def result(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    report = selectors.sheet_report(sheet)
    assessment = report["assessment"]
    actions = [{"action": a, "url": _action_url(a.target, sheet)} for a in assessment.actions]
    levels = [
        (_("ステップ1 現状把握"), assessment.step1, LEVEL_LABELS[assessment.step1]),
        (_("ステップ2 取り組み"), assessment.step2, LEVEL_LABELS[assessment.step2]),
        (_("ステップ3 計画策定"), assessment.step3, LEVEL_LABELS[assessment.step3]),
    ]
    extra_context = {}
    if sheet.company_id:
        for contribution in hooks.result_context(request=request, sheet=sheet):
            extra_context.update(contribution)
    return render(
        request,
        "selfcheck/result.html",
        {
            "sheet": sheet,
            **report,
            "chart": co2_chart(report["co2"]),
            "actions": actions,
            "levels": levels,
            **extra_context,
            "newer_factor_set": selectors.newer_factor_set(sheet),
            **yearly_charts(selectors.sheet_yearly(sheet)),
            "step": 4,
        },
    )


def recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute with the newest factor set of the sheet's year: shows old and new totals, changes only on POST."""
    sheet = _own_sheet(request, pk)
    newer = selectors.newer_factor_set(sheet)
    if newer is None:
        messages.info(request, _("このシートは、この年度の最新の排出係数で計算されています。"))
        return redirect("selfcheck:result", sheet.pk)
    if request.method == "POST":
        try:
            services.sheet_recompute(
                sheet=sheet, factor_set=get_object_or_404(FactorSet, pk=request.POST.get("factor_set"))
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("新しい排出係数で再計算しました。"))
        return redirect("selfcheck:result", sheet.pk)
    old = selectors.sheet_co2(sheet)
    try:
        new = selectors.sheet_co2_with(sheet, newer)
    except ConversionMissing as error:
        messages.error(request, error.message)
        return redirect("selfcheck:result", sheet.pk)
    changes = selectors.factor_changes(sheet, newer)
    return render(
        request,
        "selfcheck/recompute.html",
        {"sheet": sheet, "newer": newer, "old": old, "new": new, "changes": changes, "step": 4},
    )


def factor_sets(request: HttpRequest) -> HttpResponse:
    """Public list of every factor set and version: each factor with unit, source, publication and fiscal year."""
    return render(
        request,
        "selfcheck/factors.html",
        {"factor_sets": selectors.factor_sets_public(), "lpg_source": LPG_CONVERSION_SOURCE},
    )


@require_POST
def pdf_retry(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    if not sheet.company_id:
        raise Http404
    services.sheet_pdf_retry(sheet=sheet)
    messages.info(request, _("PDFの作成をもう一度依頼しました。"))
    return redirect("selfcheck:result", sheet.pk)


@login_required
def pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The report PDF: for the SME that owns the sheet, or a grantee of an active share (every download logged)."""
    sheet = get_object_or_404(Sheet.objects.select_related("company"), pk=pk)
    if not sheet.pdf_path:
        raise Http404
    path = services.pdf_directory() / Path(sheet.pdf_path).name
    if not path.exists():
        raise Http404
    user = request.user
    is_owner = sheet.company_id is not None and user.company_id == sheet.company_id
    if not is_owner and not hooks.shared_sheet_opened(user=user, sheet=sheet, action="pdf"):
        raise Http404
    filename = f"selfcheck-{sheet.fiscal_year}-{sheet.pk}.pdf"
    response = FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
