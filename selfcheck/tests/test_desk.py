"""Sheet corrections in the admin go through the service: CO2 and level recomputed, the PDF rendered again."""

import pytest

from accounts.tests.factories import CompanyFactory, SuperUserFactory
from selfcheck.models import Sheet
from selfcheck.tests.helpers import filled_sheet

pytestmark = pytest.mark.django_db


def test_correcting_an_amount_in_the_admin_recomputes_and_rerenders(client, django_capture_on_commit_callbacks):
    sheet = filled_sheet(CompanyFactory())
    Sheet.objects.filter(pk=sheet.pk).update(pdf_status=Sheet.PdfStatus.READY, pdf_rendered_version=sheet.pdf_version)
    before_total, before_version = sheet.total_t, sheet.pdf_version
    client.force_login(SuperUserFactory())
    change = client.get(f"/admin/selfcheck/sheet/{sheet.pk}/change/").content.decode()
    assert 'name="electricity_kwh"' not in change  # no direct edit that would leave CO2 and the PDF stale
    form = {"electricity_kwh": "240000", "lpg_kg": "2000", "gasoline_l": "3000"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/admin/selfcheck/sheet/{sheet.pk}/amounts/", form)
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.electricity_kwh == 240000 and sheet.total_t > before_total
    assert sheet.pdf_version == before_version + 1 and sheet.pdf_status == Sheet.PdfStatus.QUEUED
    assert len(callbacks) == 1  # the render task, queued after commit


def test_a_bad_amount_is_a_form_error(client):
    sheet = filled_sheet(CompanyFactory())
    client.force_login(SuperUserFactory())
    response = client.post(f"/admin/selfcheck/sheet/{sheet.pk}/amounts/", {"electricity_kwh": "-5"})
    assert response.status_code == 200 and "入力内容を確認してください" in response.content.decode()
