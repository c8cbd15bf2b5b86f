"""SBT for SMEs: a likely result in the words of issue 25, never a certification; the mandatory questions count as
unanswered (not met) until answered; an annualised estimate is said so."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from selfcheck import services
from selfcheck.calculator import SbtInput, check_sbt_sme
from selfcheck.models import Sheet

LIKELY = "入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）"
ANSWERED = {"financial_or_oil_gas": False, "sector_specific_method_required": False, "parent_under_standard_sbt": False}


def sbt_input(**changes) -> SbtInput:
    data = {
        "scope1_2_t": Decimal(1200),
        "employees": 40,
        "revenue_yen": 800_000_000,
        "total_assets_yen": 500_000_000,
        **ANSWERED,
        "flag_sector": False,
        **changes,
    }
    return SbtInput(**data)


def test_an_sme_meeting_every_criterion_is_told_it_likely_meets_them_and_sbti_decides():
    result = check_sbt_sme(sbt_input())
    assert result.eligible is True
    assert result.verdict == LIKELY
    assert not result.annualised_estimate and result.unanswered == []


def test_unanswered_mandatory_questions_are_not_met_until_answered():
    result = check_sbt_sme(sbt_input(financial_or_oil_gas=None, parent_under_standard_sbt=None))
    assert result.eligible is None and result.mandatory_passed is None
    assert [c.code for c in result.unanswered] == ["sector", "parent"]
    assert "必須の要件のうち2項目が未回答" in result.verdict
    assert "見込み" not in result.verdict
    # a "yes" that rules the company out decides, whatever is unanswered
    assert check_sbt_sme(sbt_input(financial_or_oil_gas=True, parent_under_standard_sbt=None)).eligible is False


def test_an_annualised_estimate_is_said_so_next_to_the_verdict():
    result = check_sbt_sme(sbt_input(emissions_annualised=True))
    assert result.eligible is True and result.annualised_estimate
    assert not check_sbt_sme(sbt_input(scope1_2_t=None, emissions_annualised=True)).annualised_estimate


@pytest.mark.django_db
def test_the_result_page_and_the_pdf_give_the_likely_wording_and_the_annualised_note(sme_client, sme_user):
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    months = {f"electricity_kwh_m{m}": "10,000" for m in (4, 5, 6)}
    response = sme_client.post(
        reverse("selfcheck:step1", args=[sheet.pk]), {**months, "electricity_kwh_annualise": "on"}
    )
    assert response.status_code == 302
    step3 = {
        "base_year": "2026",
        "target_year": "2030",
        "target_reduction_pct": "46",
        "re_intent": "none",
        "sbt_employees": "40",
        "sbt_revenue_yen": "800,000,000",
        "sbt_total_assets_yen": "５００００００００",
    }
    sme_client.post(reverse("selfcheck:step3", args=[sheet.pk]), step3)
    sheet.refresh_from_db()
    assert sheet.sbt_revenue_yen == 800_000_000 and sheet.sbt_total_assets_yen == 500_000_000
    assert sheet.sbt_financial_or_oil_gas is None  # not answered: not "no"
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "必須の要件のうち3項目が未回答" in page and "未回答（満たすとはみなしません）" in page
    assert LIKELY not in page
    answered = {
        "sbt_financial_or_oil_gas": "false",
        "sbt_sector_specific_method_required": "false",
        "sbt_parent_under_standard_sbt": "false",
    }
    sme_client.post(reverse("selfcheck:step3", args=[sheet.pk]), {**step3, **answered})
    sheet = Sheet.objects.get(pk=sheet.pk)
    assert sheet.sbt_financial_or_oil_gas is False
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert LIKELY in page
    assert "年換算の推計（12か月に満たない月の平均×12）が含まれるため、この確認も推計にもとづきます" in page
    assert "要件を満たしています" not in page
    form = sme_client.get(reverse("selfcheck:step3", args=[sheet.pk])).content.decode()
    assert re.search(r'name="sbt_financial_or_oil_gas" value="false"[^>]*checked', form)

    from .test_pdf import pdf_text

    _reader, text = pdf_text(services.sheet_pdf_bytes(sheet))
    compact = text.replace(" ", "").replace("\n", "")
    assert "要件を満たす見込み" in compact and "認定はSBTiの審査によります" in compact
    assert "年換算の推計" in compact


@pytest.mark.django_db
def test_the_api_leaves_omitted_mandatory_questions_unanswered_and_gives_the_wording(client):
    body = {"scope1_2_t": 1200, "employees": 40, "revenue_yen": 800_000_000, "total_assets_yen": 500_000_000}
    data = client.post("/api/v1/selfcheck/sbt-sme", body, content_type="application/json").json()
    assert data["eligible"] is None and data["unanswered"] == ["sector", "sector_method", "parent"]
    assert "未回答" in data["verdict"]
    data = client.post(
        "/api/v1/selfcheck/sbt-sme", {**body, **ANSWERED, "emissions_annualised": True}, content_type="application/json"
    ).json()
    assert data["eligible"] is True and data["verdict"] == LIKELY and data["annualised_estimate"] is True
