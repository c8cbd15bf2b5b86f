"""A mail link that needs an account, opened in a browser that never saw the portal: log-in leads back to the
link and the link does what it says (the April self-check mail as it is sent: from the outbox table)."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client

from accounts.tests.factories import PASSWORD, SmeUserFactory
from core.jst import JST
from core.models import MailOutbox
from selfcheck import services
from selfcheck.models import Sheet
from selfcheck.tests.helpers import filled_sheet

pytestmark = pytest.mark.django_db


def test_the_april_mail_opened_in_a_fresh_browser_logs_in_and_creates_the_new_years_sheet_once():
    user = SmeUserFactory(email="kanri@example.jp")
    filled_sheet(user.company, fiscal_year=2025)
    with time_machine.travel(dt.datetime(2027, 4, 15, 9, 30, tzinfo=JST)):
        assert services.sheets_invite_new_year() == 1
        body = MailOutbox.objects.get(to=["kanri@example.jp"]).body
        path = re.search(r"https?://[^/\s]+(/selfcheck/\S+/)", body).group(1)
        phone = Client()
        response = phone.get(path)
        assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={quote(path)}"
        response = phone.post(response["Location"], {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == path
        page = phone.get(path)
        assert page.status_code == 200 and "2026年度" in page.content.decode()
        assert phone.post(path).status_code == 302
        assert phone.post(path).status_code == 302  # the link again: the sheet exists, nothing new
    assert Sheet.objects.filter(company=user.company, fiscal_year=2026).count() == 1
