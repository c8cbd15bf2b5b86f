"""What an operator of the running portal relies on: private metrics with the background backlog, a request id on
every log line (web and Celery), error reports only with a DSN and without personal data."""

import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.models import MailOutbox

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "metrics-token-for-tests-7c1d"


# --- metrics ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "configured, header",
    [
        (TOKEN, None),
        (TOKEN, "Bearer wrong-token"),
        (TOKEN, f"Basic {TOKEN}"),
        (TOKEN, TOKEN),
        ("", "Bearer "),  # no token configured: nobody reads the metrics
        ("", None),
    ],
)
def test_metrics_are_not_public(client, settings, configured, header):
    settings.METRICS_TOKEN = configured
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 404
    assert b"cnportal_" not in response.content


@pytest.mark.django_db
def test_metrics_show_the_mail_backlog_pdfs_and_the_celery_queue(client, settings):
    import redis

    from config.metrics import celery_queue_length
    from core.tasks import outbox_sweep
    from selfcheck.models import Sheet
    from selfcheck.services import sheet_create

    settings.METRICS_TOKEN = TOKEN
    old = MailOutbox.objects.create(key="metrics:old", to=["a@example.jp"], subject="件名", body="本文")
    MailOutbox.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=300))
    MailOutbox.objects.create(key="metrics:new", to=["a@example.jp"], subject="件名", body="本文")
    MailOutbox.objects.create(
        key="metrics:failed", to=["a@example.jp"], subject="件名", body="本文", state="failed", failed_at=timezone.now()
    )
    sheet = sheet_create(fiscal_year=2026, session_key="metrics")
    Sheet.objects.filter(pk=sheet.pk).update(
        pdf_status=Sheet.PdfStatus.QUEUED, pdf_requested_at=timezone.now() - timedelta(seconds=30)
    )
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    for _ in range(3):
        outbox_sweep.apply_async()  # nobody consumes this worker's queue during the test
    try:
        assert celery_queue_length() == 3
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    finally:
        queue.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    values = {}
    for line in response.content.decode().splitlines():
        if line.startswith("cnportal_"):
            name, _space, value = line.rpartition(" ")
            values[name] = float(value)
    assert values["cnportal_mail_backlog"] == 2
    assert 299 <= values["cnportal_mail_backlog_oldest_age_seconds"] < 400
    assert values["cnportal_mail_failed"] == 1
    assert values['cnportal_pdf_queued{kind="selfcheck_report"}'] == 1
    assert values['cnportal_pdf_queued_oldest_age_seconds{kind="selfcheck_report"}'] >= 30
    assert values['cnportal_pdf_queued{kind="dispatch_deliverable"}'] == 0
    assert values["cnportal_celery_queue_length"] == 3 and values["cnportal_celery_broker_up"] == 1
    assert "django_http_requests_total_by_method_total" in response.content.decode()  # django-prometheus


# --- request id in the logs -------------------------------------------------------------------------------------


def _configured_console() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if h.get_name() == "console")


@pytest.fixture
def json_lines():
    """Every record as the configured console handler writes it (its formatter and filters), kept in memory."""
    console = _configured_console()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for item in console.filters:
        handler.addFilter(item)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_each_log_line_of_a_request_carries_its_request_id(client, json_lines):
    first = client.get("/no-such-page/")
    second = client.get("/no-such-page/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")  # from nginx
    forged = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id\nwith a line break")
    # Outside any request: a record made here goes through the console handler's own filters and formatter (a logger
    # of the test's own is not used: an earlier test in the same process may leave logger state behind).
    console = _configured_console()
    record = logging.getLogger("cnportal.test").makeRecord("cnportal.test", logging.INFO, __file__, 0, "x", (), None)
    record.msg = "outside any request"
    assert all(f.filter(record) for f in console.filters)
    outside_line = json.loads(console.formatter.format(record))
    lines = json_lines()
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert [line["request_id"] for line in not_found] == [
        first["X-Request-ID"],
        "0123456789abcdef0123456789abcdef",
        forged["X-Request-ID"],
    ]
    assert second["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    assert len(first["X-Request-ID"]) == 32 and forged["X-Request-ID"] != "bad id\nwith a line break"
    assert outside_line["request_id"] == "-" and outside_line["message"] == "outside any request"
    assert all({"time", "level", "logger", "request_id", "message"} <= set(line) for line in lines)


@pytest.mark.django_db(transaction=True)
def test_a_celery_task_logs_with_the_request_id_of_the_request_that_queued_it(client, tmp_path, monkeypatch):
    """A real worker process, run as docker-compose.yml runs it (--quiet: no banner): the seminar registration's
    confirmation mail is sent by a task whose log lines carry the id the request was given (sent in the message
    headers), and every line the worker writes is JSON."""
    from django.urls import reverse

    from accounts.tests.factories import SmeUserFactory
    from seminars.tests.factories import SeminarFactory
    from tests.faults.conftest import OwnRedis, SmtpSink, WorkerProcess, wait_for

    redis_server, sink = OwnRedis(), SmtpSink()
    redis_server.start()
    sink.start()
    from config.celery import app

    previous = app.conf.broker_url

    def switch(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    switch(redis_server.url)
    # this machine runs the tests as root, which Celery warns about on stderr (the image runs as the user "app")
    monkeypatch.setenv("PYTHONWARNINGS", "ignore:You're running the worker with superuser privileges")
    worker = WorkerProcess(redis=redis_server, smtp=sink, log=tmp_path / "worker.log", overrides={}, quiet=True)
    try:
        user = SmeUserFactory()
        client.force_login(user)
        request_id = "feedc0de" * 4
        response = client.post(reverse("seminars:register", args=[SeminarFactory().pk]), HTTP_X_REQUEST_ID=request_id)
        assert response.status_code == 302 and response["X-Request-ID"] == request_id
        wait_for(lambda: sink.messages, timeout=60, what="the confirmation mail")
        wait_for(lambda: "succeeded" in worker.output(), timeout=10, what="the task's last line")
    finally:
        worker.kill()
        switch(previous)
        sink.stop()
        redis_server.stop()
    output = worker.output()
    lines = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    task_lines = [line for line in lines if "core.tasks.outbox_send" in line["message"]]
    assert [line["message"].split("]")[1].split()[0] for line in task_lines] == ["received", "succeeded"]
    assert [line["request_id"] for line in task_lines] == [request_id, request_id]
    assert all(line["request_id"] == "-" for line in lines if line not in task_lines)  # the worker's own lines


# --- error reports ----------------------------------------------------------------------------------------------

SENTRY_PROBE = r"""
import json, django, sentry_sdk
django.setup()
client = sentry_sdk.get_client()
report = {"active": client.is_active()}
if client.is_active():
    captured = []
    client.transport.capture_envelope = captured.append
    report.update(release=client.options["release"], pii=client.options["send_default_pii"])
    with sentry_sdk.new_scope() as scope:
        scope.set_user({"id": 7, "email": "taro@example.jp", "username": "山田 太郎", "ip_address": "203.0.113.9"})
        scope.set_extra("email", "taro@example.jp")
        scope.add_event_processor(lambda event, hint: {**event, "request": {
            "url": "https://cn-portal.example.jp/consultations/w/hq/book/", "method": "POST",
            "data": {"question": "弊社 山田の相談内容", "email": "taro@example.jp"},
            "cookies": {"sessionid": "secret-session"}, "query_string": "email=taro@example.jp",
            "headers": {"Cookie": "sessionid=secret-session", "X-Request-Id": "abc", "User-Agent": "UA"}}})
        sentry_sdk.add_breadcrumb(message="mail to taro@example.jp queued", data={"to": ["taro@example.jp"]})
        try:
            raise ValueError("could not mail taro@example.jp")
        except ValueError:
            sentry_sdk.capture_exception()
    client.flush(timeout=2)
    report["events"] = [item.payload.json for envelope in captured for item in envelope.items if item.type == "event"]
print(json.dumps(report, ensure_ascii=False))
"""


def _probe_sentry(dsn: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="probe-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",  # never connected to
        GIT_COMMIT="abc1234",
    )
    if dsn is not None:
        env["SENTRY_DSN"] = dsn
    done = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sentry_is_not_initialised_without_a_dsn():
    assert _probe_sentry(None) == {"active": False}
    assert _probe_sentry("") == {"active": False}


def test_sentry_reports_with_a_dsn_tagged_with_the_release_and_without_personal_data():
    report = _probe_sentry("https://publickey@o0.ingest.example.invalid/1")
    assert report["active"] and report["release"] == "cn-portal@abc1234" and report["pii"] is False
    (event,) = report["events"]
    text = json.dumps(event, ensure_ascii=False)
    print(f"\nsentry event as it would leave: {text[:600]}")
    assert "taro@example.jp" not in text and "山田" not in text and "secret-session" not in text
    assert "203.0.113.9" not in text
    assert event["user"] == {"id": 7}
    assert set(event["request"]) == {"url", "method", "headers"}
    assert event["request"]["headers"] == {"X-Request-Id": "abc"}
    assert event["release"] == "cn-portal@abc1234"
    assert event["exception"]["values"][0]["value"] == "could not mail [Filtered]"


# --- the web service as docker-compose.yml runs it ----------------------------------------------------------------


@pytest.mark.django_db
def test_gunicorn_with_its_config_writes_json_lines_with_the_request_id_and_adds_up_metrics_over_workers(tmp_path):
    """config/gunicorn.py as the web service runs it (two workers, PROMETHEUS_MULTIPROC_DIR): every line gunicorn
    and the portal write is JSON, a request's lines carry the id nginx sent, and /metrics counts the requests of
    both workers."""
    import time
    import urllib.error
    import urllib.request

    from django.db import connection

    from tests.faults.conftest import free_port, wait_for

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PROMETHEUS_"))}
    s = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        DJANGO_METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        GUNICORN_WORKERS="2",
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def get(path: str, **headers):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()
        except OSError:
            return None, {}, ""

    try:
        wait_for(lambda: get("/healthz")[0] == 200, timeout=60, what="gunicorn")
        for _ in range(20):
            get("/privacy/")
        status, headers, _body = get("/no-such-page/", **{"X-Request-ID": "c0ffee00" * 4})
        assert status == 404 and headers["X-Request-ID"] == "c0ffee00" * 4
        assert get("/metrics")[0] == 404
        status, _headers, metrics = get("/metrics", Authorization=f"Bearer {TOKEN}")
        time.sleep(0.5)  # the last lines reach the log
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert status == 200
    counted = sum(
        float(line.rpartition(" ")[2])
        for line in metrics.splitlines()
        if line.startswith("django_http_requests_total_by_method_total{") and 'method="GET"' in line
    )
    assert (
        counted >= 21
    )  # the page requests before this scrape, whichever worker answered them (probes are not counted)
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records)
    not_found = [r for r in records if r["logger"] == "django.request" and "/no-such-page/" in r["message"]]
    assert [(r["request_id"], r["level"]) for r in not_found] == [("c0ffee00" * 4, "WARNING")]
