"""Issue 14, findings 3 and 6: April–March months with "n of 12", no annual total from a part year; bill units."""

from decimal import Decimal

import pytest
from django.urls import reverse

from selfcheck import services
from selfcheck.models import Sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(sme_user) -> Sheet:
    return services.sheet_create(company=sme_user.company, fiscal_year=2026)


def step1(client, sheet, data):
    return client.post(reverse("selfcheck:step1", args=[sheet.pk]), data)


def test_the_monthly_grid_runs_from_april_to_march(sme_client, sheet):
    page = sme_client.get(reverse("selfcheck:step1", args=[sheet.pk])).content.decode()
    april, december, january, march = (page.index(f'id="id_electricity_kwh_m{m}"') for m in (4, 12, 1, 3))
    assert april < december < january < march
    assert "4月〜翌年3月" in page


def test_three_monthly_values_are_not_stored_as_the_annual_total(sme_client, sheet):
    response = step1(
        sme_client, sheet, {"electricity_kwh_m4": "1000", "electricity_kwh_m5": "1200", "electricity_kwh_m6": "900"}
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.electricity_kwh is None
    assert sheet.monthly["electricity_kwh"] == {"4": "1000", "5": "1200", "6": "900"}
    assert sheet.total_t is None
    follow = sme_client.get(response.url)
    assert "12か月中3か月分の入力です" in follow.content.decode()
    page = sme_client.get(reverse("selfcheck:step1", args=[sheet.pk])).content.decode()
    assert "12か月中3か月入力" in page
    result = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "12か月中3か月分の入力のため、年間の使用量としては計算に含めていません" in result
    assert "判定できません" in result or "未入力" in result


def test_a_part_year_is_annualised_only_when_asked_and_labelled(sme_client, sheet):
    months = {f"electricity_kwh_m{m}": "1000" for m in (4, 5, 6, 7, 8, 9)}
    step1(sme_client, sheet, {**months, "electricity_kwh_annualise": "on"})
    sheet.refresh_from_db()
    assert sheet.electricity_kwh == Decimal(12000) and sheet.annualised == ["electricity_kwh"]
    result = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "年換算：12か月中6か月分の平均×12" in result
    assert "実際の年間の使用量ではありません" in result
    assert "5.1" in result  # 12,000 kWh x 0.000423 = 5.076


def test_twelve_months_make_the_year_and_a_differing_annual_value_is_named(sme_client, sheet):
    months = {f"electricity_kwh_m{m}": "1000" for m in range(1, 13)}
    response = step1(sme_client, sheet, {**months, "electricity_kwh": "13000"})
    assert response.status_code == 200
    assert "12か月分の合計（12,000）と年間の値（13,000）が違います" in str(
        response.context["form"].errors["electricity_kwh"]
    )
    step1(sme_client, sheet, months)
    sheet.refresh_from_db()
    assert sheet.electricity_kwh == Decimal(12000) and sheet.annualised == []


def test_city_gas_is_entered_in_bill_m3_with_the_heat_value_and_the_conversion_is_shown(sme_client, sheet):
    step1(sme_client, sheet, {"city_gas_m3": "1000", "city_gas_mj_per_m3": "45"})
    sheet.refresh_from_db()
    assert sheet.city_gas_m3 == Decimal(1000) and sheet.city_gas_mj_per_m3 == Decimal(45)
    assert sheet.total_t == Decimal("2.3")  # 45 GJ / 40.0 GJ per thousand Nm3 x 2.05
    result = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "1,000 m³" in result and "＝1.125 千Nm3相当" in result and "熱量 45 MJ/m³で換算" in result


def test_city_gas_m3_without_the_heat_value_is_an_error_next_to_that_field(sme_client, sheet):
    response = step1(sme_client, sheet, {"city_gas_m3": "1000"})
    assert response.status_code == 200
    assert "熱量（MJ/m³）も入力してください" in str(response.context["form"].errors["city_gas_mj_per_m3"])
    sheet.refresh_from_db()
    assert sheet.city_gas_m3 is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"city_gas_m3": "1000", "city_gas_mj_per_m3": "45", "city_gas_nm3": "900"}, "city_gas_nm3", "どちらか一方"),
        ({"city_gas_m3": "1000", "city_gas_mj_per_m3": "10750"}, "city_gas_mj_per_m3", "MJ/m³で入力してください"),
    ],
)
def test_bill_unit_mistakes_are_named(sme_client, sheet, data, field, message):
    response = step1(sme_client, sheet, data)
    assert message in str(response.context["form"].errors[field])


def test_lpg_in_m3_is_converted_with_the_published_propane_value_and_says_so(sme_client, sheet):
    page = sme_client.get(reverse("selfcheck:step1", args=[sheet.pk])).content.decode()
    assert 'name="lpg_m3"' in page and 'name="lpg_gas"' in page and 'name="lpg_supplier_kg_per_m3"' in page
    assert "プロパン1/502 t/m³、ブタン1/355 t/m³" in page and "定期報告書記入要領" in page
    step1(sme_client, sheet, {"lpg_m3": "502"})
    sheet.refresh_from_db()
    assert sheet.lpg_gas == "propane" and sheet.total_t == Decimal("3.0")  # 1 t x 2.99
    result = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "換算：プロパン 1/502 t/m³（約1.99 kg/m³）。出典：資源エネルギー庁" in result


def test_lpg_in_m3_takes_butane_or_the_suppliers_coefficient(sme_client, sheet):
    step1(sme_client, sheet, {"lpg_m3": "710", "lpg_gas": "butane"})
    sheet.refresh_from_db()
    assert sheet.total_t == Decimal("6.0")  # 2 t x 2.99 = 5.98
    step1(sme_client, sheet, {"lpg_m3": "1000", "lpg_gas": "butane", "lpg_supplier_kg_per_m3": "２．０"})
    sheet.refresh_from_db()
    assert sheet.lpg_supplier_kg_per_m3 == Decimal(2) and sheet.total_t == Decimal("6.0")
    result = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "LPガス販売店の換算係数 2 kg/m³（入力値）" in result
    response = step1(sme_client, sheet, {"lpg_m3": "1000", "lpg_supplier_kg_per_m3": "0.002"})
    assert "t/m³の値のようです" in str(response.context["form"].errors["lpg_supplier_kg_per_m3"])


def test_each_energy_source_has_a_where_is_this_on_my_bill_help(sme_client, sheet):
    page = sme_client.get(reverse("selfcheck:step1", args=[sheet.pk])).content.decode()
    for text in (
        "電気ご使用量のお知らせ",
        "ガスご使用量のお知らせ",
        "給油カードの利用明細",
        "熱供給事業者の請求書",
        "MJ/m³",
    ):
        assert text in page, text


def test_the_factor_list_states_the_bill_unit_conversions_and_their_source(client):
    page = client.get(reverse("selfcheck:factors")).content.decode()
    assert "m³ × 請求書の熱量（MJ/m³）÷ 1,000 ＝ GJ、GJ ÷ 40 GJ/千Nm3" in page
    assert "算定省令 別表の都市ガスの単位発熱量" in page
    assert "ブタン1/355 t/m³（約2.82 kg/m³）" in page and "J-Net21 省エネQ&amp;A" in page


def post_api(client, payload):
    return client.post("/api/v1/selfcheck/estimate", payload, content_type="application/json")


def test_the_api_takes_bill_units_and_names_what_is_missing(client):
    data = post_api(client, {"city_gas_m3": 1000, "city_gas_mj_per_m3": 45}).json()
    assert data["total_t"] == 2.3 and data["by_source"][0]["entry"] == "city_gas_m3"
    assert post_api(client, {"city_gas_m3": 1000}).json()["field"] == "city_gas_mj_per_m3"
    lpg = post_api(client, {"lpg_m3": 502, "fiscal_year": 2026}).json()
    assert (
        lpg["total_t"] == 3.0
        and "1/502 t/m³" in lpg["lpg_conversion"]
        and "定期報告書記入要領" in lpg["lpg_conversion"]
    )
    supplier = post_api(client, {"lpg_m3": 1000, "lpg_gas": "butane", "lpg_supplier_kg_per_m3": 2}).json()
    assert supplier["total_t"] == 6.0 and "販売店の換算係数 2 kg/m³" in supplier["lpg_conversion"]
    assert post_api(client, {"lpg_m3": 10, "lpg_supplier_kg_per_m3": 0.002}).json()["field"] == "lpg_supplier_kg_per_m3"
    assert post_api(client, {"lpg_m3": 10, "lpg_gas": "methane"}).status_code == 400
    assert post_api(client, {"lpg_m3": 10, "lpg_kg": 5}).status_code == 400


def test_lpg_help_names_the_published_conversion_and_where_to_find_the_suppliers(sme_client, sheet):
    page = sme_client.get(reverse("selfcheck:step1", args=[sheet.pk])).content.decode()
    assert "ボンベを重さで購入している場合" in page  # kg where bills give kg
    assert "請求書や販売店が示すm³あたりのkg" in page  # the supplier's coefficient wins
    factors = sme_client.get(reverse("selfcheck:factors")).content.decode()
    assert "プロパン m³ ÷ 502 ＝ t、ブタン m³ ÷ 355 ＝ t" in factors
