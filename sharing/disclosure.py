"""What a customer reads through a disclosure link: Scope 1 and 2 per fiscal year, with the method and factors cited."""

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import html_to_pdf
from selfcheck import selectors as selfcheck_selectors

from .models import Share


def disclosure_data(*, share: Share) -> dict:
    """The company, the date and one row per fiscal year in scope that has energy data."""
    sheets = [
        sheet
        for sheet in selfcheck_selectors.sheets_of_companies(company_ids=[share.company_id])
        if share.fiscal_year in (None, sheet.fiscal_year)
    ]
    years = []
    for sheet in sorted(sheets, key=lambda s: s.fiscal_year):
        if sheet.total_t is None:
            continue  # nothing entered for that year: not a zero to disclose
        co2 = selfcheck_selectors.sheet_co2(sheet)
        years.append({"sheet": sheet, "co2": co2, "factor_set": sheet.factor_set})
    factor_sets = []
    for row in years:
        if row["factor_set"] not in factor_sets:
            factor_sets.append(row["factor_set"])
    return {
        "share": share,
        "company": share.company,
        "years": years,
        "factor_sets": factor_sets,
        "issued_at": timezone.now(),
    }


def disclosure_pdf_bytes(*, share: Share) -> bytes:
    """A one-page PDF of the same figures (rendered on request: a few hundred milliseconds, rarely asked for)."""
    html = render_to_string("sharing/disclosure_pdf.html", disclosure_data(share=share))
    return html_to_pdf(html=html)
