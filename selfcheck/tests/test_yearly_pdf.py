"""The report PDF carries the trend and the target path: tagged figures with their text alternative and table headers.
Set KEEP_PDF=/some/dir to keep the file and look at its pages (pdftoppm -png)."""

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from selfcheck import services
from selfcheck.models import FactorSet, SelfcheckSettings, Sheet
from tests.pdf_structure import assert_accessible_pdf

from .helpers import factor_set_for_test_year, filled_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def company_with_years(company) -> Sheet:
    for year in (2022, 2023, 2024, 2025):
        if not FactorSet.objects.filter(fiscal_year=year).exists():
            factor_set_for_test_year(year)
    for year, kwh in ((2022, 140_000), (2023, 130_000), (2025, 110_000)):
        sheet = services.sheet_create(fiscal_year=year, company=company)
        services.sheet_save_step1(sheet=sheet, data={"electricity_kwh": kwh, "lpg_kg": 2_000, "gasoline_l": 3_000})
    services.sheet_create(fiscal_year=2024, company=company)  # opened, nothing entered
    sheet = filled_sheet(company)  # 2026, base year set to 2022 below
    data = {f: getattr(sheet, f) for f in services.STEP3_FIELDS}
    services.sheet_save_step3(sheet=sheet, data={**data, "base_year": 2022, "base_emissions_t": None})
    return Sheet.objects.get(pk=sheet.pk)


def structure(data: bytes) -> tuple[str, list[str], list[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    tagged = assert_accessible_pdf(data, title="CNセルフチェック レポート")
    return text, tagged.figure_alts, tagged.tags


def keep(data: bytes, name: str) -> None:
    target = os.environ.get("KEEP_PDF")
    if target:
        Path(target, name).write_bytes(data)


def test_the_pdf_shows_the_trend_and_no_target_path_while_the_rate_is_empty(sme_user):
    sheet = company_with_years(sme_user.company)
    data = services.sheet_pdf_bytes(sheet)
    keep(data, "report-no-rate.pdf")
    text, alts, tags = structure(data)
    assert "年度ごとの推移と基準年度からの変化" in text and "基準年度：2022年度" in text
    assert "2024年度未入力" in text
    assert "削減の道筋" not in text
    trend_alt = [a for a in alts if a.startswith("年度別のCO2排出量")]
    assert trend_alt and "2022年度" in trend_alt[0] and "未入力の1年度は表示していません" in trend_alt[0]
    assert "2024年度" not in trend_alt[0]  # a year not entered is not drawn as 0
    assert {"TH", "Table", "H2", "H3"} <= set(tags) and len(alts) == 2  # the breakdown and the trend


def test_the_pdf_draws_the_target_path_with_its_source_once_staff_set_the_rate(sme_user):
    sheet = company_with_years(sme_user.company)
    row = SelfcheckSettings.objects.first() or SelfcheckSettings.objects.create()
    row.sbt_sme_reduction_pct = Decimal(42)
    row.sbt_sme_reduction_source = "テスト用の値（出典は職員が入力）"
    row.save()
    data = services.sheet_pdf_bytes(Sheet.objects.get(pk=sheet.pk))
    keep(data, "report-with-rate.pdf")
    text, alts, _tags = structure(data)
    assert "中小企業版SBTの削減の道筋（2030年度まで）" in text
    assert "削減率の出典：テスト用の値（出典は職員が入力）" in text
    path_alt = [a for a in alts if a.startswith("中小企業版SBTの削減の道筋")]
    assert path_alt and "2030年度" not in path_alt[0].split("：")[0][:4]
    assert "2026実績" in path_alt[0].replace(" ", "") and "2030実績未入力" in path_alt[0].replace(" ", "")
