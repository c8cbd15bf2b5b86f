"""One normaliser for every numeric input on the portal's pages (issue 25): thousands separators, full-width digits
and spaces are read as people mean them; the JSON API stays strict and names the field."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from core.forms import InputChecksMixin, normalise_number
from selfcheck.forms import Step1Form


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("100,000,000", "100000000"),
        ("１００", "100"),
        ("１，２００．５", "1200.5"),
        (" 1 200 ", "1200"),
        ("３　０００", "3000"),
        ("－５", "-5"),
        ("1,234.5", "1234.5"),
        ("12,30", "12,30"),  # not a thousands separator: left as typed, so the field refuses it
        ("1,5", "1,5"),
        ("", ""),
    ],
)
def test_what_people_type_is_read_as_the_number_they_mean(typed, read):
    assert normalise_number(typed) == read


class AmountForm(InputChecksMixin, forms.Form):
    amount = forms.DecimalField(required=False)
    count = forms.IntegerField(required=False)


@pytest.mark.parametrize("typed", ["100,000,000", "１００,０００,０００", "100 000 000"])
def test_every_numeric_field_of_a_portal_form_accepts_commas_full_width_digits_and_spaces(typed):
    form = AmountForm({"amount": typed, "count": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": Decimal(100_000_000), "count": 100_000_000}


def test_a_misplaced_comma_is_refused_not_guessed():
    form = AmountForm({"amount": "1,5"})
    assert not form.is_valid() and "amount" in form.errors


def test_numeric_inputs_render_as_text_with_a_numeric_keyboard():
    """<input type="number"> makes the browser send an empty value for `100,000,000`: the input would be lost."""
    html = str(AmountForm()["amount"]) + str(AmountForm()["count"])
    assert 'type="number"' not in html
    assert 'inputmode="decimal"' in html and 'inputmode="numeric"' in html


def test_step1_accepts_100_000_000_and_full_width_100():
    form = Step1Form({"electricity_kwh": "100,000,000", "gasoline_l": "１００"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["electricity_kwh"] == Decimal(100_000_000)
    assert form.cleaned_data["gasoline_l"] == Decimal(100)
    assert 'type="number"' not in str(form["electricity_kwh"])


@pytest.mark.django_db
def test_the_self_check_page_saves_what_was_typed(sme_client, sme_user):
    from selfcheck import services

    sheet = services.sheet_create(fiscal_year=2026, company=sme_user.company)
    response = sme_client.post(
        reverse("selfcheck:step1", args=[sheet.pk]), {"electricity_kwh": "100,000,000", "gasoline_l": "１００"}
    )
    assert response.status_code == 302, response.content.decode()
    sheet.refresh_from_db()
    assert sheet.electricity_kwh == 100_000_000 and sheet.gasoline_l == 100


@pytest.mark.django_db
def test_the_subsidy_finder_reads_typed_numbers(client):
    page = client.get(reverse("subsidies:index"), {"employees": "１２", "investment": "1,000,000"})
    assert page.status_code == 200
    assert page.context["filters"].employees == 12 and page.context["filters"].investment_yen == 1_000_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/selfcheck/estimate", {"electricity_kwh": "100,000,000"}, "electricity_kwh"),
        ("/api/v1/selfcheck/estimate", {"electricity_kwh": "１００"}, "electricity_kwh"),
        ("/api/v1/selfcheck/estimate", {"gasoline_l": "100"}, "gasoline_l"),
        (
            "/api/v1/selfcheck/sbt-sme",
            {"scope1_2_t": "１０", "employees": 5, "revenue_yen": 1, "total_assets_yen": 1},
            "scope1_2_t",
        ),
        (
            "/api/v1/selfcheck/sbt-sme",
            {"scope1_2_t": 10, "employees": 5, "revenue_yen": "800,000,000", "total_assets_yen": 1},
            "revenue_yen",
        ),
    ],
)
def test_the_api_stays_strict_and_names_the_field(client, path, body, field):
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == field


@pytest.mark.django_db
def test_the_finder_api_takes_its_query_numbers_in_ascii_digits_only(client):
    """A query string is text, so these are read from strings, but strictly: no full-width digits or separators."""
    for value in ("１２", "1,000"):
        response = client.get("/api/v1/subsidies", {"employees": value})
        assert response.status_code == 400 and response.json()["field"] == "employees", value
    assert client.get("/api/v1/subsidies", {"employees": "12"}).status_code == 200
