"""A person's sign-up as the browser sends it: browser A signs up, the verification mail is opened in browser B."""

import re

from django.core import mail
from django.test import Client

PASSWORD = "midori-seiko-2026"
COMPANY = {
    "name": "",
    "prefecture": "aichi",
    "industry": "manufacturing",
    "employee_band": "le_20",
    "employees": "",
    "revenue_band": "le_500m",
    "capital_yen": "10000000",
}


def sign_up(browser: Client, email: str) -> None:
    response = browser.post(
        "/accounts/signup/",
        {"family_name": "緑川", "given_name": "花子", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def confirmation_path(email: str) -> str:
    message = [m for m in mail.outbox if email in m.to][-1]
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)


def confirm_and_log_in(browser: Client, email: str) -> str:
    """Open the verification link, confirm, log in; returns where the log-in leads."""
    path = confirmation_path(email)
    assert browser.get(path).status_code == 200
    assert browser.post(path).status_code == 302
    response = browser.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]
