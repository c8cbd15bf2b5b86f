"""Staff sign-in: one allauth sign-in page for everyone (rate limits included), a second factor for staff."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from accounts.tests.factories import PASSWORD, SmeUserFactory, StaffUserFactory, totp_code

pytestmark = pytest.mark.django_db


def _signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_admin_login_page_never_shows_a_django_login_form(client):
    response = client.get("/admin/login/?next=/admin/consultations/booking/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/admin/consultations/booking/")
    assert b'name="username"' not in client.get("/admin/login/", follow=True).content


def test_posting_a_staff_password_to_the_admin_login_signs_nobody_in(client):
    staff = StaffUserFactory()
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _signed_in_as(client) is None


def test_signed_in_non_staff_user_gets_no_login_form_at_the_admin(client):
    """The reported hole: an SME user opened /admin/login/ and got Django's form, which has no rate limit."""
    client.force_login(SmeUserFactory())
    staff = StaffUserFactory()
    assert client.get("/admin/login/").status_code == 403
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 403
    assert _signed_in_as(client) != str(staff.pk)


def test_guessing_a_staff_password_stops_at_the_rate_limit_even_with_the_right_one_last(client):
    staff = StaffUserFactory()
    login_url = client.get("/admin/login/?next=/admin/")["Location"]
    for _ in range(6):
        client.post(login_url, {"login": staff.email, "password": "wrong-guess-123"})
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert "ログイン失敗が連続しています" in response.content.decode()
    assert _signed_in_as(client) is None
    # The report's 40 guesses: the page then refuses outright (429), the right password included.
    for _ in range(34):
        client.post(login_url, {"login": staff.email, "password": "wrong-guess-123"})
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 429 and _signed_in_as(client) is None
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_to_the_admin_asks_for_the_authenticator_code(client):
    staff = StaffUserFactory()
    login_url = client.get("/admin/login/?next=/admin/")["Location"]
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert _signed_in_as(client) is None
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_without_a_second_factor_is_refused_and_sent_to_enrol(client):
    staff = StaffUserFactory(second_factor=False)
    client.force_login(staff)
    for url in ("/admin/", "/admin/consultations/booking/", "/admin/accounts/user/"):
        response = client.get(url, follow=True)
        assert ("/accounts/2fa/totp/activate/", 302) in response.redirect_chain, url
        assert response.status_code == 200 and "/admin/" not in response.redirect_chain[-1][0]
        assert "二段階認証の設定が必要です" in response.content.decode()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/admin/").status_code == 200


def test_superuser_without_a_second_factor_is_refused_too(client, django_user_model):
    boss = django_user_model.objects.create_superuser(email="boss@example.jp", password=PASSWORD)
    client.force_login(boss)
    assert client.get("/admin/accounts/user/")["Location"].startswith("/admin/login/")


def test_admin_password_change_is_allauths(client):
    client.force_login(StaffUserFactory())
    assert client.get("/admin/password_change/")["Location"] == "/accounts/password/change/"


def test_load_demo_says_how_to_enrol_the_demo_admin(capsys):
    call_command("load_demo", "--allow-production")
    out = capsys.readouterr().out
    assert "/accounts/2fa/totp/activate/" in out and "admin@example.jp" in out


def _fail_logins(client, *, forwarded_for: str, times: int) -> None:
    for n in range(times):
        # A different account each time: only the per-address limit counts.
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.jp", "password": "wrong-guess-123"},
            HTTP_X_FORWARDED_FOR=forwarded_for,
            REMOTE_ADDR="10.0.0.2",
        )


def test_behind_the_trusted_proxy_one_visitor_cannot_lock_out_another(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = SmeUserFactory()
    # The attacker also forges an address on the left: only the one the proxy appended is believed.
    _fail_logins(client, forwarded_for="198.51.100.1, 203.0.113.66", times=12)
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302 and _signed_in_as(client) == str(user.pk)


def test_forged_forwarded_for_entries_do_not_escape_the_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = SmeUserFactory()
    for n in range(12):
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.jp", "password": "wrong-guess-123"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.66",
            REMOTE_ADDR="10.0.0.2",
        )
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.66",
        REMOTE_ADDR="10.0.0.2",
    )
    assert _signed_in_as(client) is None
    assert "ログイン失敗が連続しています" in response.content.decode()


def test_the_trusted_proxy_count_comes_from_the_environment():
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        ],
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "DJANGO_TRUSTED_PROXY_COUNT": "2", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "2"


def test_docker_compose_sets_the_trusted_proxy_count_explicitly():
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text())
    # nginx is the one proxy in front of gunicorn (tests/test_compose.py checks what it sends)
    assert compose["x-app"]["environment"]["DJANGO_TRUSTED_PROXY_COUNT"] == "1"
