"""Sharing with a support institution (moved from the self-check's own sharing; same promises, one model)."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from selfcheck import services as selfcheck_services
from selfcheck.tests.helpers import filled_sheet
from sharing import services
from sharing.models import AccessAction, Share, ShareAccess, ShareKind

pytestmark = pytest.mark.django_db


def grant(company, institution, user, fiscal_year=2026):
    return services.share_grant(
        company=company, kind=ShareKind.INSTITUTION, institution=institution, user=user, fiscal_year=fiscal_year
    )


@pytest.fixture
def shared(sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    selfcheck_services.sheet_render_pdf(pk=sheet.pk)
    share = grant(sme_user.company, institution_user.institution, sme_user)
    sheet.refresh_from_db()
    return sheet, share


def test_sme_shares_with_explicit_consent_only(sme_client, sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    url = reverse("sharing:institution_share")
    data = {"inst-institution": institution_user.institution.pk, "inst-fiscal_year": "2026"}
    sme_client.post(url, data)
    assert not Share.objects.exists()
    sme_client.post(url, {**data, "inst-consent": "on"})
    share = Share.objects.get()
    assert (share.institution, share.granted_by, share.company, share.fiscal_year) == (
        institution_user.institution,
        sme_user,
        sheet.company,
        2026,
    )


def test_the_result_page_form_shares_this_year_and_returns_to_the_result(sme_client, sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    result = reverse("selfcheck:result", args=[sheet.pk])
    page = sme_client.get(result).content.decode()
    assert 'value="2026" selected' in page
    response = sme_client.post(
        reverse("sharing:institution_share"),
        {
            "inst-institution": institution_user.institution.pk,
            "inst-fiscal_year": "2026",
            "inst-consent": "on",
            "next": result + "#share",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == result + "#share"
    assert f"{institution_user.institution.name} に共有しました" in response.content.decode()


def test_a_foreign_next_url_is_ignored(sme_client, sme_user, institution_user):
    response = sme_client.post(
        reverse("sharing:institution_share"),
        {"inst-institution": institution_user.institution.pk, "inst-consent": "on", "next": "https://evil.example/"},
    )
    assert response.url == reverse("sharing:overview")


def test_all_years_share_covers_every_sheet_of_the_company(client, sme_user, institution_user):
    filled_sheet(sme_user.company, fiscal_year=2024)
    filled_sheet(sme_user.company, fiscal_year=2025)
    grant(sme_user.company, institution_user.institution, sme_user, fiscal_year=None)
    client.force_login(institution_user)
    rows = list(csv.reader(io.StringIO(client.post(reverse("sharing:received_csv")).content.decode("utf-8-sig"))))
    assert sorted(r[1] for r in rows[1:]) == ["2024", "2025"]


def test_one_year_share_shows_only_that_year(client, sme_user, institution_user):
    filled_sheet(sme_user.company, fiscal_year=2024)
    filled_sheet(sme_user.company, fiscal_year=2025)
    grant(sme_user.company, institution_user.institution, sme_user, fiscal_year=2025)
    client.force_login(institution_user)
    rows = list(csv.reader(io.StringIO(client.post(reverse("sharing:received_csv")).content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["2025"]


def test_institution_staff_list_shows_company_year_total_level_and_date(client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    closed = client.get(reverse("sharing:received")).content.decode()
    assert sheet.company.name in closed and "63.6" not in closed and "共有あり（数値は未表示）" in closed
    client.post(reverse("sharing:received_open"))
    page = client.get(reverse("sharing:received")).content.decode()
    assert sheet.company.name in page
    assert "2026" in page and "63.6" in page and "レベル" in page
    from core.jst import format_jst_date

    assert format_jst_date(sheet.updated_at) in page


def test_institution_staff_download_the_pdf_and_each_download_is_logged(client, shared, institution_user):
    sheet, share = shared
    client.force_login(institution_user)
    response = client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    log = ShareAccess.objects.get(action=AccessAction.PDF)
    assert (log.user, log.share, log.fiscal_year) == (institution_user, share, 2026)


def test_every_opened_list_and_csv_export_is_logged_for_the_company_and_a_get_writes_nothing(
    client, shared, institution_user
):
    _sheet, share = shared
    client.force_login(institution_user)
    for _ in range(3):
        assert client.get(reverse("sharing:received")).status_code == 200
    assert client.get(reverse("sharing:received_csv")).status_code == 405
    assert not ShareAccess.objects.exists()
    for _ in range(2):  # opened twice the same day: one entry in the company's log
        assert client.post(reverse("sharing:received_open")).status_code == 302
    client.post(reverse("sharing:received_csv"))
    assert sorted(ShareAccess.objects.filter(share=share).values_list("action", flat=True)) == ["csv", "list"]


def test_the_company_sees_who_looked_at_what(client, shared, institution_user, sme_user):
    sheet, _share = shared
    client.force_login(institution_user)
    client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    client.force_login(sme_user)
    page = client.get(reverse("sharing:overview")).content.decode()
    assert institution_user.email in page and "PDFをダウンロード" in page
    assert institution_user.institution.name in page


def test_access_log_is_visible_to_staff_in_the_admin(admin_client, client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    page = admin_client.get("/admin/sharing/shareaccess/").content.decode()
    assert institution_user.email in page


def test_csv_export_lists_the_shared_sheets(client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    response = client.post(reverse("sharing:received_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "企業名"
    assert rows[1][:4] == [sheet.company.name, "2026", "63.6", ""]  # its own year's factors: no note
    assert rows[1][4].startswith("レベル")


def test_other_institution_sees_nothing(client, shared):
    sheet, _share = shared
    other = InstitutionUserFactory()
    client.force_login(other)
    assert sheet.company.name not in client.get(reverse("sharing:received")).content.decode()
    assert client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 404
    assert sheet.company.name not in client.post(reverse("sharing:received_csv")).content.decode("utf-8-sig")
    assert client.get(reverse("selfcheck:result", args=[sheet.pk])).status_code == 404
    assert not ShareAccess.objects.exists()


def test_revoked_share_is_gone_immediately(client, shared, institution_user, sme_user):
    sheet, share = shared
    client.force_login(sme_user)
    client.post(reverse("sharing:revoke", args=[share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is not None
    client.force_login(institution_user)
    assert client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 404
    assert sheet.company.name not in client.get(reverse("sharing:received")).content.decode()
    assert sheet.company.name not in client.post(reverse("sharing:received_csv")).content.decode("utf-8-sig")


def test_anonymous_cannot_download_or_list(client, shared):
    sheet, _share = shared
    response = client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(reverse("sharing:received")).status_code == 302
    assert client.post(reverse("sharing:received_csv")).status_code == 302


def test_other_sme_cannot_download_or_see_the_institution_list(client, shared):
    sheet, _share = shared
    client.force_login(SmeUserFactory())
    assert client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 404
    assert client.get(reverse("sharing:received")).status_code == 403
    assert client.post(reverse("sharing:received_csv")).status_code == 403


def test_institution_cannot_revoke_or_share_on_behalf_of_the_sme(client, shared, institution_user):
    sheet, share = shared
    client.force_login(institution_user)
    assert client.post(reverse("sharing:revoke", args=[share.pk])).status_code == 403
    assert client.get(reverse("selfcheck:step1", args=[sheet.pk])).status_code == 404
    response = client.post(
        reverse("sharing:institution_share"),
        {"inst-institution": institution_user.institution.pk, "inst-consent": "on"},
    )
    assert response.status_code == 403
    share.refresh_from_db()
    assert share.revoked_at is None


def test_another_company_cannot_revoke_a_share(client, shared):
    _sheet, share = shared
    client.force_login(SmeUserFactory())
    assert client.post(reverse("sharing:revoke", args=[share.pk])).status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_owner_downloads_without_a_log_entry(sme_client, shared):
    sheet, _share = shared
    assert sme_client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 200
    assert not ShareAccess.objects.exists()


def test_institution_list_runs_a_constant_number_of_queries(client, institution_user, django_assert_max_num_queries):
    for _ in range(3):
        owner = SmeUserFactory()
        filled_sheet(owner.company)
        grant(owner.company, institution_user.institution, owner, fiscal_year=None)
    client.force_login(institution_user)
    with django_assert_max_num_queries(10):
        client.get(reverse("sharing:received"))
