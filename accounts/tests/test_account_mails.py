"""Every account mail speaks in the portal's voice: its name in the subject, the person's name with 様, what to do
and by when, the desk's contact; no stock greeting and no host standing in for the portal's name."""

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
PREFIX = "【中小企業カーボンニュートラル支援ポータル】"
STOCK = ("こんにちは", "Hello", "ありがとうございました！", "testserver に", "example.com", "Thank you for using")


def assert_portal_voice(message, *, salutation: str) -> None:
    assert message.subject.startswith(PREFIX), message.subject
    assert message.body.startswith(salutation), message.body[:40]
    assert settings.DESK_EMAIL in message.body and "中小企業基盤整備機構" in message.body
    for phrase in STOCK:
        assert phrase not in message.body, phrase


def test_sign_up_asks_the_name_and_the_confirmation_mail_uses_it(client):
    page = client.get("/accounts/signup/").content.decode()
    assert page.index('name="family_name"') < page.index('name="given_name"') < page.index('name="email"')
    client.post(
        "/accounts/signup/",
        {
            "family_name": "緑川",
            "given_name": "花子",
            "email": "hanako@example.jp",
            "password1": "midori-seiko-2026",
            "password2": "midori-seiko-2026",
        },
    )
    message = mail.outbox[-1]
    assert_portal_voice(message, salutation="緑川 花子 様")
    assert "メールアドレスの確認" in message.subject and "3日以内" in message.body
    assert re.search(r"/accounts/confirm-email/\S+/", message.body)


def test_the_reset_mail_says_what_to_do_and_by_when(client):
    user = UserFactory(last_name="山田", first_name="一郎")
    client.post("/accounts/password/reset/", {"email": user.email})
    message = mail.outbox[-1]
    assert_portal_voice(message, salutation="山田 一郎 様")
    assert "3日間有効" in message.body and "/accounts/password/reset/key/" in message.body


def test_a_sign_up_with_a_known_address_is_told_so_in_the_portals_voice(client):
    user = UserFactory(last_name="山田", first_name="一郎")
    client.post(
        "/accounts/signup/",
        {
            "family_name": "山田",
            "given_name": "一郎",
            "email": user.email,
            "password1": "midori-seiko-2026",
            "password2": "midori-seiko-2026",
        },
    )
    message = mail.outbox[-1]
    assert_portal_voice(message, salutation="山田 一郎 様")
    assert "すでに登録されています" in message.subject


def test_a_password_change_is_notified_with_when_and_from_where(client):
    user = UserFactory(last_name="山田", first_name="一郎")
    client.force_login(user)
    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "new-horse-battery-10", "password2": "new-horse-battery-10"},
    )
    message = mail.outbox[-1]
    assert_portal_voice(message, salutation="山田 一郎 様")
    assert "パスワードを変更しました" in message.subject and "IPアドレス" in message.body


def test_an_account_without_a_name_is_asked_once_on_log_in(client):
    user = UserFactory(last_name="", first_name="")
    first = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert first["Location"].startswith("/me/name/?next=")
    assert client.post("/me/name/", {"skip": "1", "next": "/me/"})["Location"] == "/me/"
    client.logout()
    again = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert not again["Location"].startswith("/me/name/")


def test_the_name_given_once_is_used_from_then_on(client):
    user = UserFactory(last_name="", first_name="")
    client.force_login(user)
    response = client.post("/me/name/", {"family_name": "緑川", "given_name": "花子", "next": "/me/"})
    assert response["Location"] == "/me/"
    user.refresh_from_db()
    assert user.get_full_name() == "緑川 花子" and user.name_asked_at is not None


def test_the_log_in_form_puts_the_reset_link_after_the_button(client):
    html = client.get("/accounts/login/").content.decode()
    password = html.index('name="password"')
    assert html.index('name="login"') < password
    button = html.index('type="submit"', password)
    assert "ログイン" in html[button : button + 60]
    assert password < button < html.index("/accounts/password/reset/", password)
