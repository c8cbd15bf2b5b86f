"""A customer reads a signed, expiring, revocable link: a read-only page and PDF with Scope 1 and 2 per fiscal year."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from selfcheck import services as selfcheck_services
from selfcheck.tests.helpers import filled_sheet
from sharing import services
from sharing.models import AccessAction, Share, ShareAccess, ShareKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(sme_user):
    sheet = filled_sheet(sme_user.company, fiscal_year=2025)
    selfcheck_services.sheet_save_step1(
        sheet=sheet, data={"electricity_kwh": 100_000, "lpg_kg": 1_000, "market_electricity_kg_per_kwh": "0.300"}
    )
    filled_sheet(sme_user.company, fiscal_year=2026)
    share = services.share_grant(
        company=sme_user.company, kind=ShareKind.CUSTOMER, user=sme_user, recipient="株式会社大手 調達部", days=90
    )
    return share, reverse("sharing:disclosure", args=[services.disclosure_token(share)])


def test_the_page_shows_scope_1_and_both_scope_2_per_year_with_method_factors_company_and_date(client, link, sme_user):
    _share, url = link
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert sme_user.company.name in page and "株式会社大手 調達部" in page
    assert "2025年度" in page and "2026年度" in page
    # 2025: 100,000 kWh x 0.000423 = 42.3 t location, x 0.0003 = 30.0 t market; 1 t LPG x 2.99 = 3.0 t
    assert "42.3" in page and "30.0" in page and "3.0" in page
    # 2026: no retailer factor entered: market-based says so instead of a number
    assert "未算定（電力会社の係数が未入力）" in page
    assert "算定方法" in page and "温対法" in page and "https://ghg-santeikohyo.env.go.jp/calc" in page
    assert "作成日" in page
    assert response["Cache-Control"] == "private, no-store"
    assert "<form" not in page.split('id="main"')[1]  # read-only: nothing to submit


def test_one_year_link_discloses_only_that_year(client, sme_user):
    filled_sheet(sme_user.company, fiscal_year=2025)
    filled_sheet(sme_user.company, fiscal_year=2026)
    share = services.share_grant(
        company=sme_user.company, kind=ShareKind.CUSTOMER, user=sme_user, recipient="取引先", days=30, fiscal_year=2026
    )
    page = client.get(reverse("sharing:disclosure", args=[services.disclosure_token(share)])).content.decode()
    assert "2026年度" in page and "2025年度" not in page


def test_the_pdf_carries_the_same_figures(client, link, sme_user):
    share, url = link
    response = client.get(reverse("sharing:disclosure_pdf", args=[services.disclosure_token(share)]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert sme_user.company.name in text
    assert "Scope 1" in text and "42.3" in text and "30.0" in text and "2026" in text
    assert "算定方法" in text


def test_each_view_and_download_is_logged_and_the_company_sees_it(client, link, sme_user):
    share, url = link
    client.get(url)
    client.get(reverse("sharing:disclosure_pdf", args=[services.disclosure_token(share)]))
    assert list(ShareAccess.objects.order_by("pk").values_list("action", flat=True)) == [
        AccessAction.VIEW,
        AccessAction.PDF,
    ]
    client.force_login(sme_user)
    page = client.get(reverse("sharing:overview")).content.decode()
    assert "リンクを開いた人" in page and "PDFをダウンロード" in page and "結果を閲覧" in page


def test_a_forged_link_gets_a_clear_page_and_logs_nothing(client, link):
    _share, url = link
    response = client.get(url.rstrip("/") + "tampered/")
    assert response.status_code == 404
    assert "このリンクは正しくありません" in response.content.decode()
    assert client.get(reverse("sharing:disclosure_pdf", args=["nonsense"])).status_code == 404
    assert not ShareAccess.objects.exists()


def test_an_expired_link_gets_a_clear_page(client, link):
    share, url = link
    with time_machine.travel(share.expires_at + dt.timedelta(minutes=1), tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assert "有効期限が切れています" in response.content.decode()
    assert not ShareAccess.objects.exists()


def test_a_revoked_link_stops_at_once(client, link, sme_user):
    share, url = link
    client.force_login(sme_user)
    client.post(reverse("sharing:revoke", args=[share.pk]))
    client.logout()
    response = client.get(url)
    assert response.status_code == 410 and "取り消されました" in response.content.decode()
    pdf = client.get(reverse("sharing:disclosure_pdf", args=[services.disclosure_token(share)]))
    assert pdf.status_code == 410


def test_the_company_creates_a_link_and_sees_it_to_copy(client, sme_user):
    filled_sheet(sme_user.company)
    client.force_login(sme_user)
    response = client.post(
        reverse("sharing:customer_share"),
        {"cust-recipient": "株式会社大手", "cust-fiscal_year": "", "cust-days": "30", "cust-consent": "on"},
        follow=True,
    )
    share = Share.objects.get(kind=ShareKind.CUSTOMER)
    assert "/sharing/d/" + services.disclosure_token(share) in response.content.decode()


def test_bad_customer_form_input_is_named_next_to_the_field_and_saves_nothing(client, sme_user):
    client.force_login(sme_user)
    response = client.post(
        reverse("sharing:customer_share"),
        {"cust-recipient": "", "cust-fiscal_year": "1999", "cust-days": "9999", "cust-consent": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "共有先の取引先名を入力してください" in page and "リンクを作るには同意が必要です" in page
    assert 'id="id_cust-days_error"' in page
    assert not Share.objects.exists()
    response = client.post(
        reverse("sharing:customer_share"),
        {"cust-recipient": "取引先\r\nBcc: x", "cust-days": "30", "cust-consent": "on"},
    )
    assert response.status_code == 400 and not Share.objects.exists()


def test_a_year_with_nothing_entered_is_left_out_not_shown_as_zero(client, sme_user):
    from selfcheck.services import sheet_create

    filled_sheet(sme_user.company, fiscal_year=2026)
    sheet_create(company=sme_user.company, fiscal_year=2025)
    share = services.share_grant(
        company=sme_user.company, kind=ShareKind.CUSTOMER, user=sme_user, recipient="取引先", days=30
    )
    page = client.get(reverse("sharing:disclosure", args=[services.disclosure_token(share)])).content.decode()
    assert '<th scope="row">2026年度</th>' in page and '<th scope="row">2025年度</th>' not in page


def test_a_share_has_one_link_whenever_it_is_shown(link):
    from django.utils import timezone

    share, _url = link
    first = services.disclosure_token(share)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert services.disclosure_token(share) == first


def test_the_pdf_is_tagged_with_language_title_headings_and_table_headers(link, sme_user):
    from sharing.disclosure import disclosure_pdf_bytes
    from tests.pdf_structure import assert_accessible_pdf

    share, _url = link
    structure = assert_accessible_pdf(disclosure_pdf_bytes(share=share), title=sme_user.company.name)
    assert "Table" in structure.tags


def test_the_page_and_the_pdf_give_the_market_based_total(client, link):
    """Issue 25: the disclosure PDF left out the market-based Scope 1+2 total the page's figures imply."""
    share, url = link
    page = client.get(url).content.decode()
    # 2025: Scope 1 2.99 t (1 t LPG) + market-based Scope 2 30.0 t = 32.99 → 33.0; location-based 42.3 + 3.0 = 45.3
    assert "Scope 1＋2（マーケット基準）" in page and "33.0" in page and "45.3" in page
    response = client.get(reverse("sharing:disclosure_pdf", args=[services.disclosure_token(share)]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace(" ", "")
    assert "Scope1＋2（マーケット基準）" in text.replace("\n", "") and "33.0" in text and "45.3" in text
