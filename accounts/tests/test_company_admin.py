"""The desk tells companies apart from the records support institutions book their own consultations under."""

import pytest

from accounts.services import institution_consulting_company

from .factories import CompanyFactory, SuperUserFactory, SupportInstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(client):
    client.force_login(SuperUserFactory())
    company = CompanyFactory(name="みどり精工株式会社")
    institution = SupportInstitutionFactory(name="みどり商工会")
    return company, institution_consulting_company(institution=institution)


def listed(client, query: dict) -> set[str]:
    response = client.get("/admin/accounts/company/", query)
    assert response.status_code == 200
    return {c.name for c in response.context_data["cl"].queryset}


def test_the_company_list_filters_by_kind_and_says_which_record_is_an_institutions(client, records):
    company, own = records
    assert {company.name, own.name} <= listed(client, {})
    assert listed(client, {"kind": "company"}) >= {company.name} and own.name not in listed(client, {"kind": "company"})
    assert listed(client, {"kind": "institution"}) == {own.name}
    page = client.get("/admin/accounts/company/").content.decode()
    assert "支援機関自身の相談用（みどり商工会）" in page
    assert "種別" in page


def test_an_unknown_kind_lists_everything_and_breaks_nothing(client, records):
    company, own = records
    for value in ("other", "9" * 40, "institution " * 3):
        assert {company.name, own.name} <= listed(client, {"kind": value})
