from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.csvexport import csv_response
from core.errors import ApplicationError
from core.forms import CONTROL_CHARACTERS
from core.jst import current_fiscal_year, format_jst_date, jst_today, last_complete_fiscal_year
from core.site import absolute_url
from selfcheck import selectors as selfcheck_selectors
from selfcheck.calculator import OVERALL_LABELS

from . import disclosure, selectors, services
from .forms import CustomerShareForm, InstitutionShareForm
from .models import AccessAction, Share, ShareKind


def _company_of(request: HttpRequest):
    user = request.user
    if not user.company_id:
        raise PermissionDenied
    return user.company


def _years_of(company) -> list[int]:

    years = [s.fiscal_year for s in selfcheck_selectors.sheets_of_company(company=company)]
    return years or [current_fiscal_year()]


def _share_rows(company) -> tuple[list[dict], list[dict]]:
    active, ended = [], []
    for share in selectors.company_shares(company=company):
        row = {
            "share": share,
            "ends_at": selectors.share_ends_at(share),
            "link": (
                absolute_url(reverse("sharing:disclosure", args=[services.disclosure_token(share)]))
                if share.kind == ShareKind.CUSTOMER
                else ""
            ),
        }
        (active if selectors.share_is_active(share) else ended).append(row)
    return active, ended


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The company's sharing page: what is shared with whom until when, new shares, and every access."""
    company = _company_of(request)
    years = _years_of(company)
    active, ended = _share_rows(company)
    return render(
        request,
        "sharing/overview.html",
        {
            "active": active,
            "ended": ended,
            "log": selectors.company_access_log(company=company),
            "institution_form": InstitutionShareForm(years=years, prefix="inst"),
            "customer_form": CustomerShareForm(years=years, prefix="cust"),
        },
    )


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    # A path on this site only: anything else (a bare word would be taken for a view name) goes to the default.
    if (
        not target.startswith("/")
        or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        or CONTROL_CHARACTERS.search(target)
    ):
        target = default
    return redirect(target)


def _form_error_messages(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@login_required
@require_POST
def institution_share(request: HttpRequest) -> HttpResponse:
    company = _company_of(request)
    form = InstitutionShareForm(request.POST, years=_years_of(company) + _posted_year(request), prefix="inst")
    if form.is_valid():
        try:
            share = services.share_grant(
                company=company,
                kind=ShareKind.INSTITUTION,
                user=request.user,
                institution=form.cleaned_data["institution"],
                fiscal_year=form.cleaned_data["fiscal_year"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(name)s に共有しました。") % {"name": share.institution.name})
    else:
        _form_error_messages(request, form)
    return _back(request, reverse("sharing:overview"))


def _posted_year(request: HttpRequest) -> list[int]:
    value = request.POST.get("inst-fiscal_year", "")
    return [int(value)] if value.isdigit() and 2000 <= int(value) <= 2100 else []


@login_required
def customer_share(request: HttpRequest) -> HttpResponse:
    company = _company_of(request)
    years = _years_of(company)
    form = CustomerShareForm(request.POST or None, years=years, prefix="cust")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = services.share_grant(
                company=company,
                kind=ShareKind.CUSTOMER,
                user=request.user,
                recipient=data["recipient"],
                fiscal_year=data["fiscal_year"],
                days=data["days"],
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s 向けの閲覧用リンクを作りました。下の一覧からコピーして送ってください。")
                % {"name": share.recipient},
            )
            return redirect(reverse("sharing:overview") + f"#share-{share.pk}")
    active, ended = _share_rows(company)
    return render(
        request,
        "sharing/overview.html",
        {
            "active": active,
            "ended": ended,
            "log": selectors.company_access_log(company=company),
            "institution_form": InstitutionShareForm(years=years, prefix="inst"),
            "customer_form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company_of(request)
    share = get_object_or_404(Share.objects.select_related("institution", "booking"), pk=pk, company=company)
    services.share_revoke(share=share, reason=_("企業が取り消し"))
    messages.success(request, _("%(name)s への共有を取り消しました。") % {"name": share.grantee_label})
    return _back(request, reverse("sharing:overview"))


# --- the customer's read-only disclosure -------------------------------------------------------------------------


def _share_of_link(request: HttpRequest, token: str):
    try:
        return services.share_from_token(token), None
    except services.ShareLinkError as error:
        status = 404 if error.code == "forged" else 410
        return None, render(request, "sharing/link_error.html", {"message": error.message}, status=status)


def disclosure_page(request: HttpRequest, token: str) -> HttpResponse:
    share, error = _share_of_link(request, token)
    if error:
        return error
    data = disclosure.disclosure_data(share=share)
    services.access_record(share=share, action=AccessAction.VIEW, fiscal_year=share.fiscal_year)
    response = render(request, "sharing/disclosure.html", {**data, "token": token})
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def disclosure_pdf(request: HttpRequest, token: str) -> HttpResponse:
    share, error = _share_of_link(request, token)
    if error:
        return error
    pdf = disclosure.disclosure_pdf_bytes(share=share)
    services.access_record(share=share, action=AccessAction.PDF, fiscal_year=share.fiscal_year)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="co2-disclosure-{jst_today():%Y%m%d}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- institution staff: sheets shared with their institution -----------------------------------------------------


def _institution_of(request: HttpRequest):
    user = request.user
    if not user.is_authenticated or not user.institution_id:
        raise PermissionDenied
    return user.institution


def _received_pairs(institution):
    shares = selectors.institution_shares(institution=institution)
    sheets = selfcheck_selectors.sheets_of_companies(company_ids={s.company_id for s in shares})
    return selectors.shared_sheets(shares=shares, sheets=sheets)


@login_required
def received(request: HttpRequest) -> HttpResponse:
    """Which companies share which years; the figures only once opened today (a GET writes nothing: each look is an
    entry in the company's log, made by the 「数値を表示する」 button)."""
    institution = _institution_of(request)
    pairs = _received_pairs(institution)
    opened = selectors.viewed_today_share_ids(
        share_ids={share.pk for share, _sheet in pairs}, user=request.user, action=AccessAction.LIST
    )
    rows = [
        {"share": share, "sheet": sheet, "level": OVERALL_LABELS.get(sheet.level, ""), "open": share.pk in opened}
        for share, sheet in pairs
    ]
    context = {
        "institution": institution,
        "rows": rows,
        "closed": any(not row["open"] for row in rows),
        **_new_year_status(institution),
    }
    return render(request, "sharing/received.html", context)


@login_required
@require_POST
def received_open(request: HttpRequest) -> HttpResponse:
    """Show the shared figures: each company's log gets one row per year and day for this staff member."""
    institution = _institution_of(request)
    pairs = _received_pairs(institution)
    services.access_record_daily(
        items=[(share, sheet.fiscal_year) for share, sheet in pairs], action=AccessAction.LIST, user=request.user
    )
    return redirect("sharing:received")


def _new_year_status(institution) -> dict:
    """Which companies sharing with this institution (an active share of any year) have and have not started the
    sheet of the year that has just closed, the one the April mail invites to: whether it exists, no figure."""
    year = last_complete_fiscal_year()
    companies = {share.company_id: share.company for share in selectors.institution_shares(institution=institution)}
    started = selfcheck_selectors.company_ids_with_sheet(company_ids=companies, fiscal_year=year)
    status = sorted(
        ({"company": company, "started": pk in started} for pk, company in companies.items()),
        key=lambda row: (row["started"], row["company"].name),
    )
    return {"status_year": year, "status_rows": status, "status_started": len(started)}


@login_required
@require_POST
def received_csv(request: HttpRequest) -> HttpResponse:
    """The export is an act the companies see in their log (one row per export), so it is a POST."""
    institution = _institution_of(request)
    pairs = _received_pairs(institution)
    services.access_record_many(
        items=[(share, sheet.fiscal_year) for share, sheet in pairs], action=AccessAction.CSV, user=request.user
    )

    rows = [
        [
            sheet.company.name,
            sheet.fiscal_year,
            "" if sheet.total_t is None else f"{sheet.total_t:.1f}",
            sheet.factor_note or "",
            str(OVERALL_LABELS.get(sheet.level, "")),
            format_jst_date(sheet.updated_at),
            format_jst_date(share.created_at),
        ]
        for share, sheet in pairs
    ]
    return csv_response(
        filename="selfcheck-shared.csv",
        header=[
            _("企業名"),
            _("年度"),
            _("CO2排出量（t-CO2）"),
            _("算定に使った係数の注記"),
            _("総合レベル"),
            _("更新日"),
            _("共有日"),
        ],
        rows=rows,
    )


def sheet_result_context(*, request: HttpRequest, sheet) -> dict:
    """selfcheck's result_context hook: the sharing panel of a company sheet's result page (who can see this year
    now, and a form to share it)."""
    shares = [
        share
        for share in selectors.company_shares(company=sheet.company)
        if share.fiscal_year in (None, sheet.fiscal_year) and selectors.share_is_active(share)
    ]
    years = _years_of(sheet.company)
    return {
        "shares": shares,
        "share_form": InstitutionShareForm(years=years, initial={"fiscal_year": str(sheet.fiscal_year)}, prefix="inst"),
        "share_next": reverse("selfcheck:result", args=[sheet.pk]) + "#share",
    }
