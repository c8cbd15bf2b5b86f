"""Every 年度 from FY2021 to the current one can be computed; a year without its own factor set uses the nearest
published set and every figure says so; staff add a year's set by copying one (issue 25)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from core.errors import ApplicationError
from core.jst import JST
from selfcheck import selectors, services
from selfcheck.models import FactorSet, Sheet
from sharing.services import share_grant

from .helpers import factor_set_for_test_year, filled_sheet
from .test_factors import new_version_post

pytestmark = pytest.mark.django_db

NOTE_2025 = "2025年度の係数が未登録のため、2026年度の係数で算定"
DECEMBER_2026 = dt.datetime(2026, 12, 6, 10, 0, tzinfo=JST)


@pytest.fixture
def december():
    with time_machine.travel(DECEMBER_2026, tick=False):
        yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def first_set() -> FactorSet:
    return FactorSet.objects.get(fiscal_year=2026, version=1)


def test_in_december_2026_the_new_sheet_form_offers_fy2021_to_fy2026_and_selects_fy2025(december, sme_client):
    page = sme_client.get(reverse("selfcheck:index")).content.decode()
    for year in range(2021, 2027):
        assert f'<option value="{year}"' in page, year
    assert '<option value="2020"' not in page and '<option value="2027"' not in page
    assert '<option value="2025" selected>2025年度（前年度・12か月分そろった年度）' in page
    assert "2026年度（今年度・途中）" in page


def test_every_year_from_fy2021_to_now_gets_a_sheet(december, sme_user):
    for year in range(2021, 2027):
        sheet = services.sheet_create(fiscal_year=year, company=sme_user.company)
        assert sheet.factor_set == first_set()
        assert sheet.factor_note == (None if year == 2026 else f"{year}年度の係数が未登録のため、2026年度の係数で算定")


def test_last_complete_year_is_computed_through_the_page_with_the_set_used_named(december, sme_client, sme_user):
    response = sme_client.post(reverse("selfcheck:new"), {"fiscal_year": "2025"})
    sheet = Sheet.objects.get(company=sme_user.company, fiscal_year=2025)
    assert response.url == reverse("selfcheck:step1", args=[sheet.pk])
    step1 = sme_client.get(response.url).content.decode()
    assert "ステップ1 現状把握（2025年度）" in step1
    response = sme_client.post(response.url, {"electricity_kwh": "120,000", "lpg_kg": "2000", "gasoline_l": "3000"})
    assert response.status_code == 302, response.content.decode()
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "63.6" in page
    assert page.count(NOTE_2025) >= 3  # the summary, the table's total and the factor block
    assert "温対法 算定・報告・公表制度 排出係数（2026年度・第1版）" in page
    index = sme_client.get(reverse("selfcheck:index")).content.decode()
    assert NOTE_2025 in index


def test_last_complete_year_is_computed_through_the_api_by_default_with_the_set_used_named(december, client):
    response = client.post("/api/v1/selfcheck/estimate", {"electricity_kwh": 1000}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["fiscal_year"] == 2025
    assert body["factor_set"]["fiscal_year"] == 2026
    assert body["factor_note"] == NOTE_2025
    own = client.post(
        "/api/v1/selfcheck/estimate", {"electricity_kwh": 1000, "fiscal_year": 2026}, content_type="application/json"
    ).json()
    assert own["fiscal_year"] == 2026 and own["factor_note"] is None


def test_a_year_with_its_own_set_uses_it_without_a_note(december, client, sme_user):
    factor_set_for_test_year(2025, electricity_kwh=Decimal("0.0005"))
    body = client.post(
        "/api/v1/selfcheck/estimate", {"electricity_kwh": 1000, "fiscal_year": 2025}, content_type="application/json"
    ).json()
    assert body["factor_set"]["fiscal_year"] == 2025 and body["factor_note"] is None
    assert body["total_t"] == 0.5
    sheet = services.sheet_create(fiscal_year=2025, company=sme_user.company)
    assert sheet.factor_set.fiscal_year == 2025 and sheet.factor_note is None


def test_the_nearest_published_set_is_used_and_the_later_one_on_a_tie(december):
    factor_set_for_test_year(2023)
    assert selectors.factor_set_for(fiscal_year=2022).fiscal_year == 2023
    assert selectors.factor_set_for(fiscal_year=2021).fiscal_year == 2023
    assert selectors.factor_set_for(fiscal_year=2024).fiscal_year == 2023
    factor_set_for_test_year(2025)
    assert selectors.factor_set_for(fiscal_year=2024).fiscal_year == 2025  # 2023 and 2025 are as near


def test_the_pdf_and_the_csv_say_which_years_set_was_used(december, sme_user, institution_user, client):
    from selfcheck.tasks import render_sheet_pdf

    from .test_pdf import pdf_text

    sheet = filled_sheet(sme_user.company, fiscal_year=2025)
    render_sheet_pdf.apply(args=[sheet.pk])
    sheet.refresh_from_db()
    _reader, text = pdf_text((services.pdf_directory() / sheet.pdf_path).read_bytes())
    compact = text.replace(" ", "").replace("\n", "")
    assert compact.count(NOTE_2025) >= 2 and "63.6" in compact
    share_grant(
        company=sme_user.company,
        kind="institution",
        institution=institution_user.institution,
        user=sme_user,
        fiscal_year=2025,
    )
    client.force_login(institution_user)
    body = client.post(reverse("sharing:received_csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][2:4] == ["CO2排出量（t-CO2）", "算定に使った係数の注記"]
    assert rows[1][1:4] == ["2025", "63.6", NOTE_2025]


def _copy_post(base: FactorSet, *, year: int, source: str, **values) -> dict:
    return {**new_version_post(base, **values), "fiscal_year": str(year), "source": source, "publication": ""}


def test_staff_add_a_years_set_by_copying_one_and_editing_values_and_source(
    december, admin_client, sme_client, sme_user
):
    sheet = filled_sheet(sme_user.company, fiscal_year=2025)
    assert sheet.total_t == Decimal("63.6") and sheet.factor_note == NOTE_2025
    base = first_set()
    changelist = reverse("admin:selfcheck_factorset_changelist")
    response = admin_client.post(changelist, {"action": "copy_to_another_year", "_selected_action": [base.pk]})
    assert response.url == reverse("admin:selfcheck_factorset_copy", args=[base.pk])
    form = admin_client.get(response.url).content.decode()
    assert "コピー先の年度" in form
    assert FactorSet.objects.count() == 1  # looking creates nothing
    response = admin_client.post(
        response.url, _copy_post(base, year=2025, source="2025年度の公表値（テスト）", electricity_kwh="0.0005")
    )
    assert response.status_code == 302, response.content.decode()
    created = FactorSet.objects.get(fiscal_year=2025)
    assert created.version == 1 and created.previous is None and created.source == "2025年度の公表値（テスト）"
    assert created.factors.get(source="electricity_kwh").t_per_unit == Decimal("0.0005")
    assert created.factors.get(source="lpg_kg").t_per_unit == base.factors.get(source="lpg_kg").t_per_unit
    # the sheet keeps what it was computed with until its owner recomputes, and is offered the year's own set
    sheet.refresh_from_db()
    assert sheet.factor_set == base and sheet.total_t == Decimal("63.6")
    assert selectors.newer_factor_set(sheet) == created
    sme_client.post(reverse("selfcheck:recompute", args=[sheet.pk]), {"factor_set": created.pk})
    sheet.refresh_from_db()
    assert sheet.factor_set == created and sheet.factor_note is None and sheet.total_t == Decimal("72.9")


def test_a_copy_that_repeats_the_base_source_or_its_own_year_is_refused_and_changes_nothing(december, admin_client):
    base = first_set()
    url = reverse("admin:selfcheck_factorset_copy", args=[base.pk])
    same_source = {**_copy_post(base, year=2025, source=base.source), "publication": base.publication}
    page = admin_client.post(url, same_source).content.decode()
    assert "出典・公表資料がコピー元（2026年度）と同じです" in page
    page = admin_client.post(url, _copy_post(base, year=2026, source="x")).content.decode()
    assert "値を変えて新しい版を作成" in page
    with pytest.raises(ApplicationError):
        services.factor_set_copy_to_year(
            base=base,
            fiscal_year=2019,
            user=None,
            name="x",
            source="y",
            publication="",
            url="https://e.jp",
            note="",
            factors={},
        )
    assert FactorSet.objects.count() == 1
