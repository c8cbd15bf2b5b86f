from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import CompanyFactory
from selfcheck import services
from selfcheck.models import Sheet

from .helpers import factor_set_for_test_year, filled_sheet

pytestmark = pytest.mark.django_db

STEP1 = {"electricity_kwh": "120000", "lpg_kg": "2000", "gasoline_l": "3000"}


def test_sme_fills_three_steps_and_sees_co2_levels_and_next_actions(sme_client, sme_user):
    response = sme_client.post(reverse("selfcheck:new"), {"fiscal_year": "2026"})
    sheet = Sheet.objects.get(company=sme_user.company, fiscal_year=2026)
    assert response.url == reverse("selfcheck:step1", args=[sheet.pk])
    response = sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), STEP1)
    assert response.status_code == 302
    sme_client.post(
        reverse("selfcheck:step2", args=[sheet.pk]),
        {"yameru_lighting": "done", "tomeru_compressor": "not_yet", "aw_customer_asked": "on"},
    )
    sme_client.post(
        reverse("selfcheck:step3", args=[sheet.pk]),
        {
            "base_year": "2025",
            "target_year": "2030",
            "target_reduction_pct": "46",
            "re_intent": "considering",
            "sbt_employees": "40",
            "sbt_revenue_yen": "800000000",
            "sbt_total_assets_yen": "500000000",
            "sbt_financial_or_oil_gas": "false",
            "sbt_sector_specific_method_required": "false",
            "sbt_parent_under_standard_sbt": "false",
        },
    )
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    # 120,000 kWh x 0.000423 = 50.76; 2 t x 2.99 = 5.98; 3 kL x 2.29 = 6.87 -> 63.6
    assert "63.6" in page and "50.8" in page and "12.9" in page
    assert "入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）" in page
    assert "サプライチェーン対応の相談を予約しましょう" in page
    assert 'href="/consultations/"' in page
    assert "/subsidies/?step=" in page
    assert "算定・報告・公表制度" in page
    sheet.refresh_from_db()
    assert sheet.total_t == Decimal("63.6")


def test_monthly_entries_are_summed_into_the_annual_amount(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    months = {f"electricity_kwh_m{m}": "1000" for m in range(1, 13)}
    sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), {**months, "electricity_kwh_m3": "1500.5"})
    sheet.refresh_from_db()
    assert sheet.electricity_kwh == Decimal("12500.5")
    assert sheet.monthly["electricity_kwh"]["3"] == "1500.5"


def test_market_based_scope2_is_shown_when_the_retailer_factor_is_entered(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    sme_client.post(
        reverse("selfcheck:step1", args=[sheet.pk]),
        {"electricity_kwh": "100000", "market_electricity_kg_per_kwh": "0.3"},
    )
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "マーケット基準" in page and "30.0" in page and "42.3" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"electricity_kwh": "-5"}, "electricity_kwh", "0以上の値を入力してください。"),
        ({"diesel_l": "たくさん"}, "diesel_l", "数値を入力してください。"),
        ({"heat_gj": "1e20"}, "heat_gj", "値が大きすぎます"),
        ({"market_electricity_kg_per_kwh": "421"}, "market_electricity_kg_per_kwh", "g-CO2/kWhの値のようです"),
        ({"market_electricity_kg_per_kwh": "0.000421"}, "market_electricity_kg_per_kwh", "t-CO2/kWhの値のようです"),
        ({"market_electricity_kg_per_kwh": "5"}, "market_electricity_kg_per_kwh", "大きすぎます"),
    ],
)
def test_step1_shows_japanese_field_errors(sme_client, sme_user, data, field, message):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    response = sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()


def test_step3_rejects_a_target_year_before_the_base_year(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    response = sme_client.post(
        reverse("selfcheck:step3", args=[sheet.pk]), {"base_year": "2025", "target_year": "2020", "re_intent": "none"}
    )
    assert "目標年度は基準年度より後にしてください。" in str(response.context["form"].errors["target_year"])


def test_one_sheet_per_company_and_year(sme_client, sme_user):
    sme_client.post(reverse("selfcheck:new"), {"fiscal_year": "2026"})
    sme_client.post(reverse("selfcheck:new"), {"fiscal_year": "2026"})
    assert Sheet.objects.filter(company=sme_user.company).count() == 1


def test_trend_across_years_on_the_index(sme_client, sme_user):
    factor_set_for_test_year(2025)
    filled_sheet(sme_user.company, fiscal_year=2025)
    sheet = filled_sheet(sme_user.company, fiscal_year=2026)
    sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), {"electricity_kwh": "60000"})
    page = sme_client.get(reverse("selfcheck:index")).content.decode()
    assert "CO2排出量の推移" in page
    assert "2025年度" in page and "63.6" in page and "25.4" in page


def test_anonymous_try_out_is_kept_after_sign_up(client, sme_user):
    response = client.post(reverse("selfcheck:try"))
    sheet = Sheet.objects.get(company__isnull=True)
    assert response.url == reverse("selfcheck:step1", args=[sheet.pk])
    client.post(reverse("selfcheck:step1", args=[sheet.pk]), STEP1)
    assert "63.6" in client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    client.force_login(sme_user)  # keeps the session data, as a sign-up does
    client.get(reverse("selfcheck:index"))
    sheet.refresh_from_db()
    assert sheet.company == sme_user.company
    assert sheet.session_key == ""
    assert sheet.total_t == Decimal("63.6")


def test_someone_elses_try_out_is_not_visible(client):
    client.post(reverse("selfcheck:try"))
    sheet = Sheet.objects.get(company__isnull=True)
    client.cookies.clear()
    assert client.get(reverse("selfcheck:step1", args=[sheet.pk])).status_code == 404


def test_other_sme_cannot_open_or_edit_a_sheet(client, sme_user):
    sheet = filled_sheet(CompanyFactory())
    client.force_login(sme_user)
    for name in ("step1", "step2", "step3", "result"):
        assert client.get(reverse(f"selfcheck:{name}", args=[sheet.pk])).status_code == 404
    assert client.post(reverse("selfcheck:step1", args=[sheet.pk]), STEP1).status_code == 404


def test_result_page_runs_a_constant_number_of_queries(sme_client, sme_user, django_assert_max_num_queries):
    sheet = filled_sheet(sme_user.company)
    with django_assert_max_num_queries(14):
        assert sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_leave_one_sheet_per_year():
    import threading

    from django.db import connection

    from accounts.tests.factories import CompanyFactory
    from core.errors import ApplicationError

    company = CompanyFactory()
    barrier = threading.Barrier(4)
    outcomes = []

    def create():
        try:
            barrier.wait()
            services.sheet_create(fiscal_year=2026, company=company)
            outcomes.append("ok")
        except ApplicationError:
            outcomes.append("exists")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Sheet.objects.filter(company=company, fiscal_year=2026).count() == 1
    assert sorted(outcomes) == ["exists", "exists", "exists", "ok"]


SBT_STEP3 = {
    "base_year": "2025",
    "target_year": "2030",
    "target_reduction_pct": "46",
    "re_intent": "none",
    "sbt_employees": "40",
    "sbt_revenue_yen": "800000000",
    "sbt_total_assets_yen": "500000000",
    "sbt_financial_or_oil_gas": "false",
    "sbt_sector_specific_method_required": "false",
    "sbt_parent_under_standard_sbt": "false",
}


def test_with_no_energy_entered_the_sbt_check_says_it_cannot_judge(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    sme_client.post(reverse("selfcheck:step3", args=[sheet.pk]), SBT_STEP3)
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "要件を満たしています" not in page
    assert "判定できません" in page
    assert "認定申請を検討しましょう" not in page
    assert "未入力" in page and "0.0 t-CO2" not in page
    sheet.refresh_from_db()
    assert sheet.total_t is None


def test_an_sme_just_below_10000_t_is_eligible_although_the_rounded_total_reads_10000(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), {"electricity_kwh": "23640570"})
    sme_client.post(reverse("selfcheck:step3", args=[sheet.pk]), SBT_STEP3)
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "10,000.0" in page
    assert "入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）" in page
    assert "9,999.961" in page  # the exact value the test used
    assert "10,000 t-CO2未満です" in page


def test_a_footnote_explains_when_rounded_parts_and_the_total_differ(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    # 150 L gasoline 0.3435 t + 150 L diesel 0.393 t: rows 0.3 + 0.4 = 0.7, total 0.7365 -> 0.7: no footnote
    sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), {"gasoline_l": "150", "diesel_l": "150"})
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert 'id="co2-rounding"' not in page
    # 65 L gasoline 0.14885 t + 57 L diesel 0.14934 t: rows 0.1 + 0.1 = 0.2, total 0.29819 -> 0.3
    sme_client.post(reverse("selfcheck:step1", args=[sheet.pk]), {"gasoline_l": "65", "diesel_l": "57"})
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert 'id="co2-rounding"' in page
    assert "四捨五入する前の値を足してから" in page
