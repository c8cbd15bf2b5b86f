"""A slot chosen before signing up or logging in survives sign-up, e-mail verification, log-in and the company
form: the visitor lands on the intake form for that slot, or is told kindly that it was taken meanwhile."""

import re

import pytest
from django.core import mail

from accounts.tests.factories import PASSWORD, SmeUserFactory
from consultations.services import booking_create
from consultations.tests.conftest import at, intake

pytestmark = pytest.mark.django_db

SLOT = "/consultations/w/hq/book/?mode=online&start=2026-04-23T10%3A00%3A00%2B09%3A00"
COMPANY = {
    "name": "株式会社はなこ製作所",
    "prefecture": "aichi",
    "industry": "manufacturing",
    "revenue_band": "le_100m",
    "employee_band": "le_20",
}


def sign_up_verify_and_log_in(client, email="hanako@example.jp"):
    """The whole way a new visitor goes, in one browser session; returns the response after log-in."""
    chosen = client.get(SLOT)
    assert chosen.status_code == 302 and chosen["Location"].startswith("/accounts/login/")
    login_page = client.get(chosen["Location"]).content.decode()
    assert "選んだ日時は、このあと予約画面でそのまま使えます" in login_page
    signup = client.post(
        "/accounts/signup/", {"email": email, "password1": "midori-seiko-2026", "password2": "midori-seiko-2026"}
    )
    assert signup.status_code == 302
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    assert client.post(link).status_code == 302
    return client.post("/accounts/login/", {"login": email, "password": "midori-seiko-2026"})


def test_a_new_visitor_lands_on_the_intake_form_of_the_slot_chosen_before_signing_up(frozen, client, advisor):
    logged_in = sign_up_verify_and_log_in(client)
    assert logged_in["Location"] == "/me/company/"
    saved = client.post("/me/company/", COMPANY)
    assert saved.status_code == 302 and saved["Location"] == SLOT
    form = client.get(saved["Location"])
    html = form.content.decode()
    assert "相談内容の入力" in html and "2026年4月23日（木） 10:00" in html
    assert "選んだ日時のご予約をどうぞ" in html
    # Arrived: the next log-in goes to the account page as usual.
    client.logout()
    again = client.post("/accounts/login/", {"login": "hanako@example.jp", "password": "midori-seiko-2026"})
    assert again["Location"] == "/me/"


def test_a_slot_taken_meanwhile_is_said_kindly_with_the_nearest_free_ones(frozen, client, advisor):
    logged_in = sign_up_verify_and_log_in(client)
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())  # someone else, meanwhile
    client.post("/me/company/", COMPANY)
    html = client.get(SLOT).content.decode()
    assert logged_in.status_code == 302
    assert "その間にほかの方のご予約で埋まりました" in html
    assert "近い日時の空き枠" in html and "start=2026-04-23T11%3A00%3A00%2B09%3A00" in html


def test_a_returning_user_with_a_company_goes_straight_to_the_slot_after_log_in(frozen, client, advisor):
    user = SmeUserFactory()
    chosen = client.get(SLOT)
    response = client.post(chosen["Location"], {"login": user.email, "password": PASSWORD})
    assert response["Location"] == SLOT
    assert "相談内容の入力" in client.get(SLOT).content.decode()
