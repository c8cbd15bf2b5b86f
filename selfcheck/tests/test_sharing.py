import csv
import io

import pytest
from django.urls import reverse

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from core.jst import format_jst_date
from selfcheck import services
from selfcheck.models import ReportDownload, SheetShare

from .helpers import filled_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def shared(sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    services.sheet_render_pdf(pk=sheet.pk)
    share = services.share_grant(sheet=sheet, institution=institution_user.institution, user=sme_user)
    sheet.refresh_from_db()
    return sheet, share


def test_sme_shares_with_explicit_consent_only(sme_client, sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    url = reverse("selfcheck:share", args=[sheet.pk])
    sme_client.post(url, {"institution": institution_user.institution.pk})
    assert not SheetShare.objects.exists()
    sme_client.post(url, {"institution": institution_user.institution.pk, "consent": "on"})
    share = SheetShare.objects.get()
    assert share.institution == institution_user.institution and share.granted_by == sme_user


def test_institution_staff_list_shows_company_year_total_level_and_date(client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    page = client.get(reverse("selfcheck:institution")).content.decode()
    assert sheet.company.name in page
    assert "2026" in page and "63.6" in page and "レベル" in page
    assert format_jst_date(sheet.updated_at) in page


def test_institution_staff_download_the_pdf_and_each_download_is_logged(client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    response = client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    log = ReportDownload.objects.get()
    assert (log.user, log.institution, log.sheet) == (institution_user, institution_user.institution, sheet)


def test_download_log_is_visible_to_staff_in_the_admin(admin_client, client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    page = admin_client.get("/admin/selfcheck/reportdownload/").content.decode()
    assert institution_user.email in page


def test_csv_export_lists_the_shared_sheets(client, shared, institution_user):
    sheet, _share = shared
    client.force_login(institution_user)
    response = client.get(reverse("selfcheck:institution_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "企業名"
    assert rows[1][:3] == [sheet.company.name, "2026", "63.6"]
    assert rows[1][3].startswith("レベル")


def test_other_institution_sees_nothing(client, shared):
    sheet, _share = shared
    other = InstitutionUserFactory()
    client.force_login(other)
    assert sheet.company.name not in client.get(reverse("selfcheck:institution")).content.decode()
    assert client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 404
    assert sheet.company.name not in client.get(reverse("selfcheck:institution_csv")).content.decode("utf-8-sig")
    assert client.get(reverse("selfcheck:result", args=[sheet.pk])).status_code == 404
    assert not ReportDownload.objects.exists()


def test_revoked_share_is_gone_immediately(client, shared, institution_user, sme_user):
    sheet, share = shared
    owner = client
    owner.force_login(sme_user)
    owner.post(reverse("selfcheck:share_revoke", args=[sheet.pk, share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is not None
    client.force_login(institution_user)
    assert client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 404
    assert sheet.company.name not in client.get(reverse("selfcheck:institution")).content.decode()
    assert sheet.company.name not in client.get(reverse("selfcheck:institution_csv")).content.decode("utf-8-sig")


def test_anonymous_cannot_download_or_list(client, shared):
    sheet, _share = shared
    response = client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(reverse("selfcheck:institution")).status_code == 302
    assert client.get(reverse("selfcheck:institution_csv")).status_code == 403


def test_other_sme_cannot_download_or_see_the_institution_list(client, shared):
    sheet, _share = shared
    client.force_login(SmeUserFactory())
    assert client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 404
    assert client.get(reverse("selfcheck:institution")).status_code == 403
    assert client.get(reverse("selfcheck:institution_csv")).status_code == 403


def test_institution_cannot_revoke_or_share_on_behalf_of_the_sme(client, shared, institution_user):
    sheet, share = shared
    client.force_login(institution_user)
    assert client.post(reverse("selfcheck:share_revoke", args=[sheet.pk, share.pk])).status_code == 404
    assert client.get(reverse("selfcheck:step1", args=[sheet.pk])).status_code == 404


def test_owner_downloads_without_a_log_entry(sme_client, shared):
    sheet, _share = shared
    assert sme_client.get(reverse("selfcheck:pdf", args=[sheet.pk])).status_code == 200
    assert not ReportDownload.objects.exists()


def test_institution_list_runs_a_constant_number_of_queries(client, institution_user, django_assert_max_num_queries):
    for _ in range(3):
        owner = SmeUserFactory()
        services.share_grant(sheet=filled_sheet(owner.company), institution=institution_user.institution, user=owner)
    client.force_login(institution_user)
    with django_assert_max_num_queries(8):
        client.get(reverse("selfcheck:institution"))
