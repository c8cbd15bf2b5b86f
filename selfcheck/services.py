"""Writes of the self-check: sheets, shares, PDF rendering, download log."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core import versions as versions_module
from core.errors import ApplicationError

from . import selectors
from .calculator import AWARENESS, MEASURE_STATUSES, MEASURES, SOURCES, market_factor_problem
from .models import MAX_AMOUNT, Factor, FactorSet, ReportDownload, Sheet, SheetShare

STEP1_FIELDS = [*SOURCES, "market_electricity_kg_per_kwh"]
STEP3_FIELDS = [
    "base_year",
    "base_emissions_t",
    "target_year",
    "target_reduction_pct",
    "re_intent",
    "person_in_charge",
    "roadmap",
    "sbt_employees",
    "sbt_revenue_yen",
    "sbt_total_assets_yen",
    "sbt_financial_or_oil_gas",
    "sbt_sector_specific_method_required",
    "sbt_parent_under_standard_sbt",
    "sbt_flag_sector",
]


def validate_amount(value, *, field: str) -> Decimal | None:
    """A non-negative, finite, plausible amount; raises ApplicationError naming the field."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except Exception as exc:
        raise ApplicationError(_("数値を入力してください。"), field=field) from exc
    if not amount.is_finite():
        raise ApplicationError(_("数値を入力してください。"), field=field)
    if amount < 0:
        raise ApplicationError(_("0以上の値を入力してください。"), field=field)
    if amount > MAX_AMOUNT:
        raise ApplicationError(_("値が大きすぎます。単位を確認してください。"), field=field)
    return amount


def sheet_create(*, fiscal_year: int, company=None, session_key: str = "") -> Sheet:
    """A new sheet for a company (one per fiscal year) or an anonymous try-out tied to a session."""
    if company is None and not session_key:
        raise ApplicationError(_("シートの持ち主がわかりません。"))
    if company is not None and Sheet.objects.filter(company=company, fiscal_year=fiscal_year).exists():
        raise ApplicationError(_("この年度のシートはすでにあります。"), field="fiscal_year")
    factor_set = selectors.factor_set_for(fiscal_year=fiscal_year)
    try:
        with transaction.atomic():
            return Sheet.objects.create(
                company=company,
                session_key="" if company else session_key,
                fiscal_year=fiscal_year,
                factor_set=factor_set,
                factors_used=selectors.factor_snapshot(factor_set),
            )
    except IntegrityError as exc:  # a concurrent request created the same year first
        raise ApplicationError(_("この年度のシートはすでにあります。"), field="fiscal_year") from exc


def _refresh_results(sheet: Sheet) -> None:
    report = selectors.sheet_report(sheet)
    sheet.total_t = report["co2"].total_t
    sheet.level = report["assessment"].overall


def _save_and_queue(sheet: Sheet, fields: list[str]) -> Sheet:
    _refresh_results(sheet)
    update = [*fields, "total_t", "level", "updated_at"]
    if sheet.company_id:
        sheet.pdf_version += 1
        sheet.pdf_status = Sheet.PdfStatus.QUEUED
        sheet.pdf_attempts = 0
        sheet.pdf_error = ""
        update += ["pdf_version", "pdf_status", "pdf_attempts", "pdf_error"]
    with transaction.atomic():
        sheet.save(update_fields=update)
        if sheet.company_id:
            from .tasks import render_sheet_pdf

            pk = sheet.pk
            transaction.on_commit(lambda: render_sheet_pdf.delay(pk))
    return sheet


def sheet_save_step1(*, sheet: Sheet, data: dict) -> Sheet:
    """Annual amounts (or twelve monthly amounts, summed) and the retailer's factor."""
    monthly = {}
    for code in SOURCES:
        months = data.get(f"{code}_monthly")
        if months and any(m not in (None, "") for m in months):
            values = [validate_amount(m, field=f"{code}_m{i + 1}") or Decimal(0) for i, m in enumerate(months)]
            monthly[code] = [str(v) for v in values]
            setattr(sheet, code, sum(values, Decimal(0)))
        else:
            setattr(sheet, code, validate_amount(data.get(code), field=code))
    factor = validate_amount(data.get("market_electricity_kg_per_kwh"), field="market_electricity_kg_per_kwh")
    if factor is not None and (problem := market_factor_problem(factor)):
        raise ApplicationError(problem, field="market_electricity_kg_per_kwh")
    sheet.market_electricity_kg_per_kwh = factor
    sheet.monthly = monthly
    return _save_and_queue(sheet, [*SOURCES, "monthly", "market_electricity_kg_per_kwh"])


def sheet_save_step2(*, sheet: Sheet, measures: dict[str, str], awareness: dict[str, bool]) -> Sheet:
    allowed_status = {code for code, _label in MEASURE_STATUSES}
    known = {code for code, _f, _l in MEASURES}
    for code, status in measures.items():
        if code not in known or status not in allowed_status:
            raise ApplicationError(_("選択肢から選んでください。"), field=code)
    sheet.measures = dict(measures)
    sheet.awareness = {code: bool(awareness.get(code)) for code, _label in AWARENESS}
    return _save_and_queue(sheet, ["measures", "awareness"])


def sheet_save_step3(*, sheet: Sheet, data: dict) -> Sheet:
    if data.get("base_year") and data.get("target_year") and data["target_year"] <= data["base_year"]:
        raise ApplicationError(_("目標年度は基準年度より後にしてください。"), field="target_year")
    for name in STEP3_FIELDS:
        setattr(sheet, name, data.get(name))
    for name in ("person_in_charge", "roadmap"):
        setattr(sheet, name, (getattr(sheet, name) or "").strip())
    sheet.re_intent = sheet.re_intent or Sheet.ReIntent.NONE
    sheet.step3_saved = True
    return _save_and_queue(sheet, [*STEP3_FIELDS, "step3_saved"])


def sheet_recompute(*, sheet: Sheet, factor_set: FactorSet) -> Sheet:
    """Recompute a sheet with a newer set of its fiscal year: only by an explicit action of its owner."""
    newer = selectors.newer_factor_set(sheet)
    if newer is None or newer.pk != factor_set.pk:
        raise ApplicationError(_("この係数セットでは再計算できません。最新の版を選んでください。"), field="factor_set")
    sheet.factor_set = factor_set
    sheet.factors_used = selectors.factor_snapshot(factor_set)
    return _save_and_queue(sheet, ["factor_set", "factors_used"])


def sheet_claim(*, sheet: Sheet, company) -> Sheet | None:
    """Attach an anonymous try-out to the company that just signed up (unless it has that year already)."""
    with transaction.atomic():
        sheet = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.company_id or Sheet.objects.filter(company=company, fiscal_year=sheet.fiscal_year).exists():
            return None
        sheet.company = company
        sheet.session_key = ""
        sheet.save(update_fields=["company", "session_key", "updated_at"])
    return _save_and_queue(sheet, [])


# --- factor sets ---------------------------------------------------------------------------------------------------


def factor_set_new_version(
    *,
    base: FactorSet,
    user,
    name: str,
    source: str,
    publication: str,
    url: str,
    note: str,
    factors: dict[str, dict],
) -> FactorSet:
    """The next version of a fiscal year's set with changed factors; the base and its sheets stay as they are.

    `factors` maps each source to {"t_per_unit", "source_text", "publication", "note"}; units and scopes are kept.
    """
    with transaction.atomic():
        versions = list(
            FactorSet.objects.select_for_update().filter(fiscal_year=base.fiscal_year).values_list("version", flat=True)
        )
        base_rows = {f.source: f for f in base.factors.all()}
        unknown = set(factors) - set(base_rows)
        if unknown:
            raise ApplicationError(_("この係数セットにないエネルギー種別です。"), field=sorted(unknown)[0])
        for code, row in factors.items():
            value = row["t_per_unit"]
            if value is None or value < 0:
                raise ApplicationError(_("0以上の値を入力してください。"), field=f"{code}-t_per_unit")
        changed = [code for code, row in factors.items() if row["t_per_unit"] != base_rows[code].t_per_unit]
        same_texts = (name, source, publication, url, note) == (
            base.name,
            base.source,
            base.publication,
            base.url,
            base.note,
        ) and all(
            (row["source_text"], row["publication"], row["note"])
            == (base_rows[c].source_text, base_rows[c].publication, base_rows[c].note)
            for c, row in factors.items()
        )
        if not changed and same_texts:
            raise ApplicationError(_("変更がありません。新しい版は作成しませんでした。"))
        created = FactorSet.objects.create(
            name=name,
            fiscal_year=base.fiscal_year,
            version=max(versions, default=0) + 1,
            previous=base,
            source=source,
            publication=publication,
            url=url,
            note=note,
            created_by=user,
        )
        Factor.objects.bulk_create(
            Factor(
                factor_set=created,
                source=code,
                unit=old.unit,
                scope=old.scope,
                t_per_unit=factors.get(code, {}).get("t_per_unit", old.t_per_unit),
                source_text=factors.get(code, {}).get("source_text", old.source_text),
                publication=factors.get(code, {}).get("publication", old.publication),
                note=factors.get(code, {}).get("note", old.note),
            )
            for code, old in base_rows.items()
        )
        versions_module.bump(selectors.NAMESPACE)  # bulk_create sends no signal: retire the cached factor sets
    return created


# --- sharing -----------------------------------------------------------------------------------------------------


def share_grant(*, sheet: Sheet, institution, user) -> SheetShare:
    """The SME's explicit consent to show this sheet and its PDF to one institution."""
    if not sheet.company_id:
        raise ApplicationError(_("共有するには会員登録が必要です。"))
    with transaction.atomic():
        Sheet.objects.select_for_update().get(pk=sheet.pk)
        existing = SheetShare.objects.filter(sheet=sheet, institution=institution, revoked_at__isnull=True).first()
        if existing:
            return existing
        return SheetShare.objects.create(sheet=sheet, institution=institution, granted_by=user)


def share_revoke(*, share: SheetShare) -> SheetShare:
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at", "updated_at"])
    return share


def download_log(*, sheet: Sheet, user) -> ReportDownload:
    return ReportDownload.objects.create(sheet=sheet, user=user, institution=getattr(user, "institution", None))


# --- PDF ---------------------------------------------------------------------------------------------------------


def pdf_directory() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "selfcheck"
    path.mkdir(parents=True, exist_ok=True)
    return path


# The subset Japanese font of the report (scripts/make_pdf_font.py), and the font list of its chart's SVG text.
PDF_FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "NotoSansCJKjp-PdfSubset-Regular.otf"
PDF_FONT_FAMILY = "Noto Sans CJK JP Subset, Noto Sans CJK JP, sans-serif"


def sheet_pdf_bytes(sheet: Sheet) -> bytes:
    from weasyprint import HTML

    from .charts import co2_chart

    report = selectors.sheet_report(sheet)
    html = render_to_string(
        "selfcheck/pdf/report.html",
        {
            "sheet": sheet,
            **report,
            "chart": co2_chart(report["co2"], font_family=PDF_FONT_FAMILY),
            **step_context(sheet),
            "generated_at": timezone.now(),
            "pdf_font_url": PDF_FONT.as_uri(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def step_context(sheet: Sheet) -> dict:
    from .calculator import FAMILIES

    status_labels = dict(MEASURE_STATUSES)
    families = []
    for code, name, text in FAMILIES:
        rows = [
            {
                "code": m,
                "label": label,
                "status": sheet.measures.get(m, ""),
                "status_label": status_labels.get(sheet.measures.get(m, ""), _("未回答")),
            }
            for m, family, label in MEASURES
            if family == code
        ]
        families.append({"code": code, "name": name, "text": text, "measures": rows})
    awareness = [{"code": c, "label": label, "value": bool(sheet.awareness.get(c))} for c, label in AWARENESS]
    return {"families": families, "awareness_rows": awareness}


def sheet_render_pdf(*, pk: int) -> Sheet | None:
    """Render the current version of a sheet's PDF; a failure keeps the previous file and is retried."""
    with transaction.atomic():
        sheet = Sheet.objects.select_for_update().filter(pk=pk).first()
        if sheet is None or not sheet.company_id:
            return None
        if sheet.pdf_status == Sheet.PdfStatus.READY and sheet.pdf_rendered_version == sheet.pdf_version:
            return sheet
        sheet.pdf_status = Sheet.PdfStatus.RENDERING
        sheet.pdf_attempts += 1
        sheet.save(update_fields=["pdf_status", "pdf_attempts"])
        version = sheet.pdf_version
    sheet = selectors.sheet_get(pk=pk)
    try:
        data = sheet_pdf_bytes(sheet)
        name = f"sheet-{sheet.pk}-v{version}.pdf"
        target = pdf_directory() / name
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    except Exception as exc:
        Sheet.objects.filter(pk=pk).update(pdf_status=Sheet.PdfStatus.FAILED, pdf_error=repr(exc)[:2000])
        raise
    with transaction.atomic():
        current = Sheet.objects.select_for_update().get(pk=pk)
        old = current.pdf_path
        current.pdf_path = name
        current.pdf_rendered_version = version
        current.pdf_rendered_at = timezone.now()
        current.pdf_error = ""
        # a save during rendering queued a newer version: that task will finish the job
        current.pdf_status = Sheet.PdfStatus.READY if current.pdf_version == version else Sheet.PdfStatus.QUEUED
        current.save(update_fields=["pdf_path", "pdf_rendered_version", "pdf_rendered_at", "pdf_error", "pdf_status"])
    if old and old != name:
        (pdf_directory() / old).unlink(missing_ok=True)
    return current


def sheet_pdf_retry(*, sheet: Sheet) -> Sheet:
    """Queue the render again (the 'retry' button of a failed report)."""
    return _save_and_queue(sheet, [])
