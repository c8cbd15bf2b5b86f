import json

import pytest

from selfcheck.models import SelfcheckSettings

pytestmark = pytest.mark.django_db


def post(client, path, payload):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(f"/api/v1/selfcheck/{path}", body, content_type="application/json")


def test_estimate_returns_scopes_sources_and_the_factor_set(client):
    response = post(client, "estimate", {"electricity_kwh": 100000, "gasoline_l": 1000, "lpg_kg": 500.5})
    assert response.status_code == 200
    data = response.json()
    assert data["scope2_t"] == 42.3  # 100,000 kWh x 0.000423
    assert data["scope1_t"] == 3.8  # 2.29 + 0.5005 x 2.99
    assert data["total_t"] == 46.1
    assert [row["source"] for row in data["by_source"]] == ["electricity_kwh", "lpg_kg", "gasoline_l"]
    assert data["by_source"][1] == {
        "source": "lpg_kg",
        "entry": "lpg_kg",
        "label": "LPG（プロパンガス）",
        "amount": 500.5,
        "unit": "kg",
        "scope": 1,
        "t_co2": 1.5,
    }
    assert "算定・報告・公表制度" in data["factor_set"]["source"]
    assert data["factor_set"]["fiscal_year"] == 2026


def test_estimate_with_nothing_entered_is_null_not_zero(client):
    data = post(client, "estimate", {}).json()
    assert data["total_t"] is None and data["scope1_t"] is None and data["scope2_t"] is None
    assert data["by_source"] == []
    zero = post(client, "estimate", {"electricity_kwh": 0}).json()
    assert zero["total_t"] == 0 and zero["scope2_t"] == 0 and zero["scope1_t"] is None


def test_sbt_sme_with_emissions_not_entered_cannot_judge(client):
    data = post(client, "sbt-sme", {**SBT, "scope1_2_t": None}).json()
    assert data["eligible"] is None
    assert {c["code"]: c["passed"] for c in data["criteria"]}["emissions"] is None
    ruled_out = post(client, "sbt-sme", {**SBT, "scope1_2_t": None, "financial_or_oil_gas": True}).json()
    assert ruled_out["eligible"] is False


def test_estimate_takes_the_retailer_factor_in_kg_per_kwh(client):
    data = post(client, "estimate", {"electricity_kwh": 1000, "market_electricity_kg_per_kwh": 0.421}).json()
    assert data["scope2_market_t"] == 0.4  # 1,000 kWh x 0.421 kg = 421 kg
    response = post(client, "estimate", {"electricity_kwh": 1000, "market_electricity_kg_per_kwh": 0.000421})
    assert response.status_code == 400
    assert response.json()["field"] == "market_electricity_kg_per_kwh"
    assert "t-CO2/kWh" in response.json()["detail"]


def test_estimate_gives_the_exact_total_for_thresholds(client):
    data = post(client, "estimate", {"electricity_kwh": 23_640_570}).json()
    assert data["total_t"] == 10_000.0
    assert data["total_t_exact"].startswith("9999.96111")
    others = {k: v for k, v in SBT.items() if k != "scope1_2_t"}
    # Sent on as a JSON number (a string is refused), it is read with every digit, not through a float.
    sbt = post(client, "sbt-sme", json.dumps(others)[:-1] + f', "scope1_2_t": {data["total_t_exact"]}}}').json()
    assert sbt["eligible"] is True
    just_below = post(client, "sbt-sme", json.dumps(others)[:-1] + ', "scope1_2_t": 9999.99999999999999999}').json()
    assert just_below["eligible"] is True  # as a float it would read 10000.0, over the line


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"electricity_kwh": -1}, "electricity_kwh"),
        ({"diesel_l": "abc"}, "diesel_l"),
        ({"heat_gj": 1e300}, "heat_gj"),
        ({"kerosene_l": [1]}, "kerosene_l"),
        ({"water_m3": 10}, "water_m3"),
        ({"fiscal_year": "2026年"}, "fiscal_year"),
        ({"fiscal_year": 1200}, "fiscal_year"),
        ({"city_gas_nm3": True}, "city_gas_nm3"),
    ],
)
def test_estimate_bad_input_is_400_naming_the_field(client, payload, field):
    response = post(client, "estimate", payload)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


DECIMAL_FIELDS = [
    "electricity_kwh",
    "city_gas_nm3",
    "lpg_kg",
    "gasoline_l",
    "kerosene_l",
    "diesel_l",
    "heavy_oil_a_l",
    "city_gas_m3",
    "city_gas_mj_per_m3",
    "lpg_m3",
    "lpg_supplier_kg_per_m3",
    "heat_gj",
    "market_electricity_kg_per_kwh",
]


@pytest.mark.parametrize("value", ["１００", "100", "0.421", "1e3", ""])
def test_every_amount_of_the_estimate_is_a_json_number_and_a_string_is_a_400_naming_it(client, value):
    from selfcheck.api import EstimateIn

    assert set(EstimateIn.model_fields) - {"lpg_gas", "fiscal_year"} == set(DECIMAL_FIELDS)
    for name in DECIMAL_FIELDS:
        response = post(client, "estimate", {name: value})
        assert response.status_code == 400, (name, response.content)
        body = response.json()
        assert body["field"] == name
        assert body["errors"] == [
            {"field": name, "message": '数値で指定してください（"100" のような文字列は使えません）。'}
        ]
        assert body["detail"].startswith(f"入力内容に誤りがあります。「{name}」：")


def test_json_numbers_still_pass_as_integers_decimals_and_exponents(client):
    for body in ({"electricity_kwh": 100}, {"electricity_kwh": 0.5}, {"electricity_kwh": 1e3}):
        assert post(client, "estimate", body).status_code == 200, body
    data = post(
        client, "estimate", {"city_gas_m3": 1000, "city_gas_mj_per_m3": 45.0, "lpg_m3": 10, "lpg_supplier_kg_per_m3": 2}
    ).json()
    assert data["total_t"] is not None
    assert post(client, "sbt-sme", {**SBT, "scope1_2_t": 1200}).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"), [("scope1_2_t", "１２００．５"), ("scope1_2_t", "1200.5"), ("employees", "１２０")]
)
def test_the_sbt_check_takes_numbers_not_strings(client, field, value):
    response = post(client, "sbt-sme", {**SBT, field: value})
    assert response.status_code == 400 and response.json()["field"] == field


def test_the_openapi_document_promises_no_string_for_a_number_of_a_request_body(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    checked = []
    for methods in document["paths"].values():
        for operation in methods.values():
            ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            model = schemas.get(ref.get("$ref", "").rsplit("/", 1)[-1], {})
            for name, schema in model.get("properties", {}).items():
                types = {part.get("type") for part in schema.get("anyOf", [schema])}
                if types & {"number", "integer"}:
                    assert "string" not in types, (name, schema)
                    checked.append(name)
    assert set(DECIMAL_FIELDS) | {"scope1_2_t", "employees", "fiscal_year"} <= set(checked)
    electricity = schemas["EstimateIn"]["properties"]["electricity_kwh"]["anyOf"]
    assert electricity == [{"type": "number", "minimum": 0.0, "maximum": 1e12}, {"type": "null"}]


def test_estimate_malformed_json_is_400_not_500(client):
    assert post(client, "estimate", "{not json").status_code == 400
    assert post(client, "estimate", "[1, 2]").status_code == 400


SBT = {
    "scope1_2_t": 1200.5,
    "employees": 120,
    "revenue_yen": 3_000_000_000,
    "total_assets_yen": 5_000_000_000,
    "financial_or_oil_gas": False,
    "sector_specific_method_required": False,
    "parent_under_standard_sbt": False,
    "flag_sector": False,
}


def test_sbt_sme_answers_eligibility_and_each_criterion(client):
    data = post(client, "sbt-sme", SBT).json()
    assert data["eligible"] is True
    assert data["size_passed"] == 3
    by_code = {c["code"]: c["passed"] for c in data["criteria"]}
    assert by_code["assets"] is False  # 5.0 billion yen >= 25M EUR x 184
    assert data["assets_limit_yen"] == 4_600_000_000


def test_sbt_sme_uses_the_staff_edited_rate(client):
    SelfcheckSettings.objects.update(jpy_per_eur=100)
    data = post(client, "sbt-sme", SBT).json()
    assert data["revenue_limit_yen"] == 5_000_000_000
    assert data["eligible"] is True
    data = post(client, "sbt-sme", {**SBT, "revenue_yen": 5_000_000_000}).json()
    assert data["eligible"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"employees": -3}, "employees"),
        ({"employees": "many"}, "employees"),
        ({"revenue_yen": 10**30}, "revenue_yen"),
        ({"flag_sector": "yes"}, "flag_sector"),
        ({"scope1_2_t": -1}, "scope1_2_t"),
        ({"extra": 1}, "extra"),
        ({"total_assets_yen": 1.5}, "total_assets_yen"),
    ],
)
def test_sbt_sme_bad_input_is_400_naming_the_field(client, change, field):
    response = post(client, "sbt-sme", {**SBT, **change})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def test_sbt_sme_missing_field_is_400(client):
    payload = dict(SBT)
    del payload["employees"]
    response = post(client, "sbt-sme", payload)
    assert response.status_code == 400
    assert response.json()["field"] == "employees"


def test_both_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/selfcheck/estimate" in paths
    assert "/api/v1/selfcheck/sbt-sme" in paths
    assert "/api/v1/selfcheck/ping" not in paths


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.0001, 1e13, {"a": 1}])
def test_estimate_rejects_nan_infinity_and_odd_values(client, value):
    response = post(client, "estimate", {"gasoline_l": value})
    assert response.status_code == 400
    assert response.json()["field"] == "gasoline_l"


def test_estimate_with_a_json_null_body_is_400(client):
    assert post(client, "estimate", "null").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"electricity_kwh": 120000, "city_gas_nm3": 8000, "lpg_kg": 2000, "gasoline_l": 3000, "diesel_l": 1500},
        {"electricity_kwh": 0.5, "market_electricity_kg_per_kwh": 0.421, "heat_gj": 12.25},
        {"electricity_kwh": 23640570},
        {"city_gas_m3": 1000, "city_gas_mj_per_m3": 45, "kerosene_l": 0, "heavy_oil_a_l": 1e12},
        {},
    ],
)
def test_the_estimate_fits_its_schema_in_both_languages_whatever_is_entered(client, body):
    """django-ninja validates and renders the answer, whatever is entered, not entered, exact or market-based."""
    from selfcheck.api import EstimateOut

    data = post(client, "estimate", body).json()
    assert EstimateOut.model_validate(data).model_dump() == data
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # labels in English
    english = post(client, "estimate", body).json()
    assert EstimateOut.model_validate(english).model_dump() == english
    assert [row["amount"] for row in english["by_source"]] == [row["amount"] for row in data["by_source"]]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"electricity_kwh": -1}, "electricity_kwh"),
        ({"electricity_kwh": 1, "unknown": 1}, "unknown"),
        ({"city_gas_m3": 1000}, "city_gas_mj_per_m3"),
        ({"market_electricity_kg_per_kwh": 421, "electricity_kwh": 1}, "market_electricity_kg_per_kwh"),
        ({"fiscal_year": 1999}, "fiscal_year"),
    ],
)
def test_estimate_errors_still_come_from_the_ninja_operation_naming_the_field(client, body, field):
    response = client.post("/api/v1/selfcheck/estimate", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == field


def test_a_malformed_estimate_body_is_a_json_400(client):
    response = client.post("/api/v1/selfcheck/estimate", "{not json", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")


def test_an_edited_factor_set_shows_its_new_wording_in_the_next_estimate(client):
    from selfcheck.models import FactorSet

    body = {"electricity_kwh": 1000, "fiscal_year": 2026}
    before = post(client, "estimate", body).json()["factor_set"]
    factor_set = FactorSet.objects.filter(fiscal_year=2026).order_by("-version").first()
    factor_set.publication = "出典の表記を改めた版"
    factor_set.save()
    after = post(client, "estimate", body).json()["factor_set"]
    assert before["publication"] != "出典の表記を改めた版"
    assert after == {**before, "publication": "出典の表記を改めた版"}
