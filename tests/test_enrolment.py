"""Staff and advisors enrol their authenticator right after signing in: no second password prompt before the QR
code, and the recovery codes lead on to where they work (issue 26, item 3)."""

import datetime as dt
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator

from accounts.tests.factories import PASSWORD, StaffUserFactory, totp_code
from advisors import services as advisor_services
from consultations.tests.conftest import make_advisor
from core.models import MailOutbox

pytestmark = pytest.mark.django_db


def _enrol(client) -> str:
    """Show the QR code page, then send the code for the secret it shows; the page that follows."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    assert "<svg" in page.content.decode() or "data:image" in page.content.decode()  # the QR code itself
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_go_from_the_password_straight_to_the_qr_code_and_the_recovery_codes_lead_to_the_admin(client):
    staff = StaffUserFactory(second_factor=False)
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1] == ("/accounts/2fa/totp/activate/", 302)  # no password prompt on the way
    page = _enrol(client)
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert re.search(r'<a class="button" href="/admin/">管理サイトへ進む</a>', page), page
    assert client.get("/admin/").status_code == 200


def test_an_invited_advisor_sets_a_password_sees_the_qr_code_at_once_and_goes_on_to_the_workspace(client):
    advisor_services.advisor_invite(advisor=make_advisor(email="jiro@example.jp"), invited_by=None)
    link = re.search(r"https?://\S+/advisor/welcome/\S+/", MailOutbox.objects.get().body).group(0)
    link = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = _enrol(client)
    assert '<a class="button" href="/advisor/">専門家のワークスペースへ進む</a>' in page
    assert client.get("/advisor/").status_code == 200


def test_an_advisor_signing_in_later_enrols_without_a_second_password_prompt(client):
    from advisors.tests.conftest import advisor_account

    account = advisor_account(email="saburo@example.jp", second_factor=False)
    account.user.set_password(PASSWORD)
    account.user.save()
    response = client.post("/accounts/login/", {"login": account.user.email, "password": PASSWORD})
    assert response["Location"] == "/advisor/"
    page = _enrol(client)
    assert '<a class="button" href="/advisor/">専門家のワークスペースへ進む</a>' in page


def test_a_sign_in_older_than_the_reauthentication_timeout_asks_for_the_password_again(client):
    staff = StaffUserFactory(second_factor=False)
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    with time_machine.travel(dt.timedelta(seconds=301)):
        response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
