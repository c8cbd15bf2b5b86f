"""Two web servers (two gunicorn processes on different ports, the test database, the same Redis): a change made
through one is seen by the other on its very next request, nothing held per process (core.cache, docs/cache.md)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.tests.factories import SmeUserFactory
from seminars.tests.factories import SeminarFactory

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
            "TEST_DB_NAME": db["NAME"],  # the same Redis key prefix as this test
            "PYTHONPATH": str(Path(settings.BASE_DIR)),
        }
        env.pop("PYTEST_XDIST_WORKER", None)
        self.base = f"http://127.0.0.1:{_free_port()}"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "config.wsgi", "-b", self.base[7:], "-w", "1", "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env=env,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def get(self, path: str, *, headers: dict | None = None) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:  # 304 comes as an "error" from urllib
            return error.code, dict(error.headers), ""

    def post(self, path: str, data: dict, *, cookies: dict) -> int:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Cookie": cookie, "Referer": self.base + path, "Origin": self.base},
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def two_servers():
    first, second = Server(), None
    try:
        second = Server()
        yield first, second
    finally:
        first.stop()
        if second:
            second.stop()


@pytest.mark.django_db(transaction=True)
def test_a_registration_made_through_one_server_shows_on_the_other_at_its_next_request(two_servers):
    one, other = two_servers
    seminar = SeminarFactory(title="二台のサーバーの講座", capacity=3)
    user = SmeUserFactory()
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.session[SESSION_KEY] == str(user.pk)

    status, headers, body = other.get("/seminars/")
    assert status == 200 and "残り3席" in body
    etag = headers["ETag"]
    assert other.get("/seminars/", headers={"If-None-Match": etag})[0] == 304  # cached and unchanged

    # Through the first server: the registration form with its CSRF token, then the POST a browser sends.
    csrf = "a" * 32
    status, _headers, page = one.get(f"/seminars/{seminar.pk}/", headers={"Cookie": f"sessionid={session}"})
    assert status == 200
    cookies = {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: csrf}
    assert one.post(f"/seminars/{seminar.pk}/register/", {"csrfmiddlewaretoken": csrf}, cookies=cookies) == 302
    assert seminar.registrations.count() == 1

    status, headers, body = other.get("/seminars/", headers={"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    assert "残り2席" in body and "残り3席" not in body
