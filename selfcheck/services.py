"""Writes of the self-check: sheets, shares, PDF rendering, download log."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.cache import bump
from core.errors import ApplicationError
from core.jst import fiscal_year_of, to_jst
from core.mail import outbox_enqueue
from core.models import MailOutbox
from core.pdf import html_to_pdf
from core.queue import enqueue, enqueue_on_commit
from core.site import absolute_url

from . import selectors
from .calculator import (
    AWARENESS,
    ENTRIES,
    FAMILIES,
    FIRST_FISCAL_YEAR,
    FISCAL_MONTHS,
    LPG_DEFAULT_GAS,
    LPG_M3_PER_T,
    MEASURE_STATUSES,
    MEASURES,
    SOURCE_LABELS,
    ConversionMissing,
    conversion_problem,
    lpg_supplier_problem,
    market_factor_problem,
    summarise_months,
)
from .charts import co2_chart, yearly_charts
from .models import MAX_AMOUNT, STEP3_FIELDS, Factor, FactorSet, Sheet

RENDER_SHEET_PDF = "selfcheck.tasks.render_sheet_pdf"  # selfcheck/tasks.py calls this module: named, not imported


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
        now = timezone.now()
        sheet.pdf_version += 1
        sheet.pdf_status = Sheet.PdfStatus.QUEUED
        sheet.pdf_attempts = 0
        sheet.pdf_error = ""
        sheet.pdf_requested_at = now
        sheet.pdf_lease_until = now + _pdf_lease()
        update += ["pdf_version", "pdf_status", "pdf_attempts", "pdf_error", "pdf_requested_at", "pdf_lease_until"]
    with transaction.atomic():
        sheet.save(update_fields=update)
        if sheet.company_id:
            # Redis being down must not turn a saved sheet into an error page: the beat job re-queues it.
            enqueue_on_commit(RENDER_SHEET_PDF, sheet.pk)
    return sheet


def _pdf_lease() -> timedelta:
    return timedelta(seconds=settings.SELFCHECK_PDF_LEASE_SECONDS)


HEAT_VALUE_MIN, HEAT_VALUE_MAX = Decimal(10), Decimal(100)  # MJ/m3: a plausibility range, not a factor


def sheet_save_step1(*, sheet: Sheet, data: dict) -> Sheet:
    """Annual amounts, or April–March monthly amounts, in the units of the bills, and the retailer's factor.

    `data` holds, per entry code (calculator.ENTRIES): the annual amount under the code, the months as
    {month number: amount} under "<code>_monthly", and "<code>_annualise" to annualise a part year on request.
    Twelve months make the annual amount; fewer give none (the entry stays "not entered") unless an annual amount
    is given or annualisation is asked for, which is then recorded and labelled wherever the figure is shown.
    """
    amounts: dict[str, Decimal | None] = {}
    monthly: dict[str, dict[str, str]] = {}
    annualised: list[str] = []
    for code in ENTRIES:
        annual = validate_amount(data.get(code), field=code)
        raw_months = data.get(f"{code}_monthly") or {}
        months = {}
        for month in FISCAL_MONTHS:
            value = validate_amount(raw_months.get(month), field=f"{code}_m{month}")
            if value is not None:
                months[month] = value
        if months:
            summary = summarise_months(months, annualise=bool(data.get(f"{code}_annualise")) and annual is None)
            if summary.complete and annual is not None and annual != summary.annual:
                raise ApplicationError(
                    _(
                        "12か月分の合計（%(sum)s）と年間の値（%(annual)s）が違います。"
                        "どちらかを直すか、年間の欄を空にしてください。"
                    )
                    % {"sum": _number(summary.annual), "annual": _number(annual)},
                    field=code,
                )
            if summary.complete or summary.annualised:
                annual = summary.annual
            if summary.annualised:
                annualised.append(code)
            monthly[code] = {str(m): str(v) for m, v in months.items()}
        if annual is not None and annual > MAX_AMOUNT:
            # Twelve plausible months can still sum (or annualise) past what a year's amount may be.
            raise ApplicationError(_("12か月の合計が大きすぎます。単位を確認してください。"), field=code)
        amounts[code] = annual
    check_one_unit_per_source(amounts, monthly)
    heat_value = validate_amount(data.get("city_gas_mj_per_m3"), field="city_gas_mj_per_m3")
    if heat_value is not None and not HEAT_VALUE_MIN <= heat_value <= HEAT_VALUE_MAX:
        raise ApplicationError(
            _("検針票・請求書に記載の熱量を、MJ/m³で入力してください（10〜100の範囲）。"), field="city_gas_mj_per_m3"
        )
    factors = selectors.sheet_factor_data(sheet)
    if amounts["city_gas_m3"] is not None or "city_gas_m3" in monthly:
        problem = conversion_problem("city_gas_m3", factors, city_gas_mj_per_m3=heat_value)
        if problem:
            raise ApplicationError(problem, field="city_gas_mj_per_m3")
    lpg_gas = data.get("lpg_gas") or LPG_DEFAULT_GAS
    if lpg_gas not in LPG_M3_PER_T:
        raise ApplicationError(_("選択肢から選んでください。"), field="lpg_gas")
    supplier = validate_amount(data.get("lpg_supplier_kg_per_m3"), field="lpg_supplier_kg_per_m3")
    if supplier is not None and (problem := lpg_supplier_problem(supplier)):
        raise ApplicationError(problem, field="lpg_supplier_kg_per_m3")
    factor = validate_amount(data.get("market_electricity_kg_per_kwh"), field="market_electricity_kg_per_kwh")
    if factor is not None and (problem := market_factor_problem(factor)):
        raise ApplicationError(problem, field="market_electricity_kg_per_kwh")
    for code, amount in amounts.items():
        setattr(sheet, code, amount)
    sheet.city_gas_mj_per_m3 = heat_value
    sheet.lpg_gas = lpg_gas
    sheet.lpg_supplier_kg_per_m3 = supplier
    sheet.market_electricity_kg_per_kwh = factor
    sheet.monthly = monthly
    sheet.annualised = annualised
    return _save_and_queue(
        sheet,
        [
            *ENTRIES,
            "city_gas_mj_per_m3",
            "lpg_gas",
            "lpg_supplier_kg_per_m3",
            "monthly",
            "annualised",
            "market_electricity_kg_per_kwh",
        ],
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def check_one_unit_per_source(amounts: dict, monthly: dict) -> None:
    """City gas in m3 or Nm3, LPG in m3 or kg: one unit per source, or the same use would be counted twice."""
    by_source: dict[str, list[str]] = {}
    for code, (source, _unit) in ENTRIES.items():
        if amounts[code] is not None or code in monthly:
            by_source.setdefault(source, []).append(code)
    for source, codes in by_source.items():
        if len(codes) > 1:
            units = "・".join(ENTRIES[c][1] for c in codes)
            raise ApplicationError(
                _("%(label)sは、%(units)sのどちらか一方の単位で入力してください。")
                % {"label": SOURCE_LABELS[source], "units": units},
                field=codes[-1],
            )


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
    try:
        selectors.sheet_co2_with(sheet, factor_set)
    except ConversionMissing as error:
        raise ApplicationError(error.message, field="factor_set") from error
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


def factor_set_next_version(*, fiscal_year: int) -> int:
    """The number the next factor set of a fiscal year gets: one above the highest so far (1 for the first)."""
    return (FactorSet.objects.filter(fiscal_year=fiscal_year).aggregate(v=Max("version"))["v"] or 0) + 1


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
        base_rows = _check_factor_rows(base, factors)
        changed = [code for code, row in factors.items() if row["t_per_unit"] != base_rows[code].t_per_unit]
        changed += [
            code
            for code, row in factors.items()
            for key in ("gj_per_unit", "kg_per_m3")
            if key in row and row[key] != getattr(base_rows[code], key)
        ]
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
        return _factor_set_create_from(
            base=base,
            fiscal_year=base.fiscal_year,
            previous=base,
            user=user,
            texts={"name": name, "source": source, "publication": publication, "url": url, "note": note},
            factors=factors,
        )


def factor_set_copy_to_year(
    *,
    base: FactorSet,
    fiscal_year: int,
    user,
    name: str,
    source: str,
    publication: str,
    url: str,
    note: str,
    factors: dict[str, dict],
) -> FactorSet:
    """A fiscal year's own set, copied from another year's and edited (values and the source line) on the way.

    Sheets of that year computed until now with the nearest year's set keep it until their owner recomputes; new
    sheets and estimates of the year use the copy. The copy must name its own source: a set that repeats the base's
    出典 and 公表資料 word for word would claim the base year's publication for another year.
    """
    if not FIRST_FISCAL_YEAR <= fiscal_year <= 2100:
        raise ApplicationError(
            _("%(first)s年度から2100年度までの年度を入力してください。") % {"first": FIRST_FISCAL_YEAR},
            field="fiscal_year",
        )
    if fiscal_year == base.fiscal_year:
        raise ApplicationError(
            _("同じ年度の係数を変えるときは「値を変えて新しい版を作成」を使ってください。"), field="fiscal_year"
        )
    if (source.strip(), publication.strip()) == (base.source.strip(), base.publication.strip()):
        raise ApplicationError(
            _(
                "出典・公表資料がコピー元（%(year)s年度）と同じです。%(target)s年度の係数を載せている資料を書いてください。"
            )
            % {"year": base.fiscal_year, "target": fiscal_year},
            field="source",
        )
    with transaction.atomic():
        _check_factor_rows(base, factors)
        return _factor_set_create_from(
            base=base,
            fiscal_year=fiscal_year,
            previous=None,
            user=user,
            texts={"name": name, "source": source, "publication": publication, "url": url, "note": note},
            factors=factors,
        )


def _check_factor_rows(base: FactorSet, factors: dict[str, dict]) -> dict[str, Factor]:
    base_rows = {f.source: f for f in base.factors.all()}
    unknown = set(factors) - set(base_rows)
    if unknown:
        raise ApplicationError(_("この係数セットにないエネルギー種別です。"), field=sorted(unknown)[0])
    for code, row in factors.items():
        value = row["t_per_unit"]
        if value is None or value < 0:
            raise ApplicationError(_("0以上の値を入力してください。"), field=f"{code}-t_per_unit")
    return base_rows


def _factor_set_create_from(
    *, base: FactorSet, fiscal_year: int, previous: FactorSet | None, user, texts: dict, factors: dict[str, dict]
) -> FactorSet:
    """Inside the caller's transaction: the next version of `fiscal_year` (the year's sets locked, so two at once get
    two numbers), with the base's rows changed by `factors`."""
    list(FactorSet.objects.select_for_update().filter(fiscal_year=fiscal_year).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            created = FactorSet.objects.create(
                fiscal_year=fiscal_year,
                version=factor_set_next_version(fiscal_year=fiscal_year),
                previous=previous,
                created_by=user,
                **texts,
            )
    except IntegrityError as exc:  # a concurrent copy created the year's first version first (nothing to lock)
        raise ApplicationError(
            _("同時にほかの人が同じ年度の係数セットを作成しました。もう一度お試しください。")
        ) from exc
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
            gj_per_unit=factors.get(code, {}).get("gj_per_unit", old.gj_per_unit),
            kg_per_m3=factors.get(code, {}).get("kg_per_m3", old.kg_per_m3),
        )
        for code, old in {f.source: f for f in base.factors.all()}.items()
    )
    bump(selectors.NAMESPACE)  # bulk_create sends no signal: retire the cached factor sets
    return created


# --- PDF ---------------------------------------------------------------------------------------------------------


def pdf_directory() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "selfcheck"
    path.mkdir(parents=True, exist_ok=True)
    return path


# The subset Japanese font of the report (scripts/make_pdf_font.py), and the font list of its chart's SVG text.
PDF_FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "NotoSansCJKjp-PdfSubset-Regular.otf"
PDF_FONT_FAMILY = "Noto Sans CJK JP Subset, Noto Sans CJK JP, sans-serif"


def sheet_pdf_bytes(sheet: Sheet) -> bytes:
    report = selectors.sheet_report(sheet)
    html = render_to_string(
        "selfcheck/pdf/report.html",
        {
            "sheet": sheet,
            **report,
            "chart": co2_chart(report["co2"], font_family=PDF_FONT_FAMILY),
            **step_context(sheet),
            **yearly_charts(selectors.sheet_yearly(sheet), font_family=PDF_FONT_FAMILY),
            "generated_at": timezone.now(),
            "pdf_font_url": PDF_FONT.as_uri(),
        },
    )
    return html_to_pdf(html=html)


def step_context(sheet: Sheet) -> dict:

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
        if sheet.pdf_attempts >= settings.SELFCHECK_PDF_MAX_ATTEMPTS:
            # a render that kills its worker every time (memory, a hung font) stops here and says so
            sheet.pdf_status = Sheet.PdfStatus.FAILED
            sheet.pdf_error = sheet.pdf_error or "too many attempts"
            sheet.save(update_fields=["pdf_status", "pdf_error"])
            return sheet
        sheet.pdf_status = Sheet.PdfStatus.RENDERING
        sheet.pdf_attempts += 1
        sheet.pdf_lease_until = timezone.now() + _pdf_lease()
        sheet.save(update_fields=["pdf_status", "pdf_attempts", "pdf_lease_until"])
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
    """Queue the render again (the button of a failed report, or 「作り直す」 once a render is overdue)."""
    return _save_and_queue(sheet, [])


# --- closing an account ------------------------------------------------------------------------------------------


def sheets_forget_company(*, company) -> int:
    """A closing company's sheets go with their shares, download log and PDF files. Returns the sheets deleted."""
    with transaction.atomic():
        sheets = Sheet.objects.filter(company=company)
        for name in sheets.exclude(pdf_path="").values_list("pdf_path", flat=True):
            # Delete the files once the rows are gone for good, never for a transaction that rolls back.
            path = pdf_directory() / Path(name).name
            transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
        count = sheets.count()
        sheets.delete()
        # Deleting leaves the change history's copies of every version (and of the deletion): they go too.
        Sheet.history.filter(company_id=company.pk).delete()
    return count


def on_account_closing(sender, *, user, company, **kwargs) -> None:
    if company is not None:
        sheets_forget_company(company=company)


def sheets_pdf_requeue_stale(*, limit: int = 200) -> int:
    """Queue again the PDFs queued or rendering past their lease (message lost with Redis, worker killed)."""
    now = timezone.now()
    with transaction.atomic():
        stale = list(
            Sheet.objects.select_for_update(skip_locked=True)
            .filter(
                company__isnull=False,
                pdf_status__in=[Sheet.PdfStatus.QUEUED, Sheet.PdfStatus.RENDERING],
                pdf_lease_until__lte=now,
            )
            .order_by("pdf_lease_until")
            .values_list("pk", flat=True)[:limit]
        )
        Sheet.objects.filter(pk__in=stale).update(pdf_status=Sheet.PdfStatus.QUEUED, pdf_lease_until=now + _pdf_lease())
    queued = 0
    for pk in stale:
        if not enqueue(RENDER_SHEET_PDF, pk):
            break  # broker down: the new leases expire and the next run tries again
        queued += 1
    return queued


# --- the yearly cycle: the April invitation and the new year's sheet -----------------------------------------------

INVITE_MONTH = 4  # the 年度 starts on April 1 in Japan


def sheet_structure(sheet: Sheet) -> dict:
    """What a new year's sheet takes over from this one: which entries (so: which sources, in which unit) it used and
    which months it entered them for. No amount, heat value, retailer factor, answer or plan figure is taken."""
    monthly = {code: sorted(int(m) for m in months) for code, months in (sheet.monthly or {}).items() if months}
    entries = [code for code in ENTRIES if getattr(sheet, code) is not None or code in monthly]
    return {
        "from_year": sheet.fiscal_year,
        "entries": entries,
        "monthly": {c: monthly[c] for c in entries if c in monthly},
    }


def sheet_create_next_year(*, company, fiscal_year: int) -> Sheet:
    """The company's sheet of `fiscal_year` laid out like its sheet of the year before (entries, units, months) but
    with no values, keeping the base year it picked and its LPG gas kind; an existing sheet of that year is returned as it is."""
    existing = Sheet.objects.filter(company=company, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    previous = Sheet.objects.filter(company=company, fiscal_year=fiscal_year - 1).first()
    try:
        sheet = sheet_create(fiscal_year=fiscal_year, company=company)
    except ApplicationError:
        sheet = Sheet.objects.filter(company=company, fiscal_year=fiscal_year).first()
        if sheet is None:  # no factor set for that year: the reason goes to the page
            raise
        return sheet
    if previous is not None:
        sheet.carried = sheet_structure(previous)
        sheet.base_year = previous.base_year
        sheet.lpg_gas = previous.lpg_gas  # which gas the LPG m³ are (propane/butane) is structure; the supplier's
        # kg/m³ is a figure of that year's bills and is not carried
        sheet.save(update_fields=["carried", "base_year", "lpg_gas", "updated_at"])
    return sheet


def invitation_year(now) -> int:
    """The 年度 the April mail invites to: the one that has just closed, whose twelve months of bills are now in (in
    April 2027, 2026年度), as the new sheet form suggests; the companies asked are those with the year before it."""
    return fiscal_year_of(now) - 1


def new_year_invitation_key(*, company_id: int, fiscal_year: int) -> str:
    return f"selfcheck.new-year:{company_id}:{fiscal_year}"


def sheets_invite_new_year(*, now=None) -> int:
    """In April (JST), mail each company that has a sheet of the year before the one just closed, once per company and
    year, a link to open the new year's sheet; outside April it does nothing. Returns how many mails were queued."""
    now = now or timezone.now()
    if to_jst(now).month != INVITE_MONTH:
        return 0
    fiscal_year = invitation_year(now)
    started = Sheet.objects.filter(company__isnull=False, fiscal_year=fiscal_year).values("company_id")
    last_year = (
        Sheet.objects.filter(company__isnull=False, fiscal_year=fiscal_year - 1)
        .exclude(company_id__in=started)
        .select_related("company")
        .order_by("company_id")
    )
    done = set(
        MailOutbox.objects.filter(key__startswith="selfcheck.new-year:", key__endswith=f":{fiscal_year}").values_list(
            "key", flat=True
        )
    )
    link = absolute_url(reverse("selfcheck:next_year", args=[fiscal_year]))
    queued = 0
    for sheet in last_year:
        company = sheet.company
        key = new_year_invitation_key(company_id=company.pk, fiscal_year=fiscal_year)
        if key in done:
            continue
        body = render_to_string(
            "selfcheck/email/new_year.txt",
            {"company": company, "fiscal_year": fiscal_year, "previous_year": fiscal_year - 1, "link": link},
        )
        subject = _("【CN支援ポータル】%(y)s年度のセルフチェックを始めましょう") % {"y": fiscal_year}
        if outbox_enqueue(key=key, to=company.mail_addresses(), subject=subject, body=body):
            queued += 1
    return queued
