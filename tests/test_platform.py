import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_without_touching_the_database_or_redis(client, settings):
    # no django_db mark: a query would raise here
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # Redis down: liveness does not care
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_probes_answer_inside_the_network_where_the_host_is_not_allowed_and_https_is_not_used(client, settings):
    """Docker's healthcheck (http://127.0.0.1:8000/healthz) and Prometheus (http://web:8000/metrics) reach gunicorn
    over plain HTTP under hosts that production does not allow; the rest of the site stays behind both checks."""
    settings.ALLOWED_HOSTS = ["cn-portal.example.jp"]
    settings.SECURE_SSL_REDIRECT = True
    settings.METRICS_TOKEN = "probe-token"
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="web:8000").status_code == 200
    assert client.get("/metrics", HTTP_HOST="web:8000", HTTP_AUTHORIZATION="Bearer probe-token").status_code == 200
    assert client.get("/metrics", HTTP_HOST="web:8000").status_code == 404
    assert client.get("/", HTTP_HOST="web:8000").status_code == 400  # DisallowedHost
    assert client.get("/", HTTP_HOST="cn-portal.example.jp").status_code == 301  # to https


@pytest.mark.django_db
def test_readyz_is_ok_when_database_redis_and_the_mail_backlog_are(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "mail_backlog": "ok"}


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]


@pytest.mark.django_db
def test_readyz_names_a_mail_backlog_older_than_its_limit(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import MailOutbox

    MailOutbox.objects.create(key="ready:old", to=["a@example.jp"], subject="件名", body="本文")
    MailOutbox.objects.filter(key="ready:old").update(
        created_at=timezone.now() - timedelta(seconds=settings.READY_MAIL_BACKLOG_MAX_AGE_SECONDS + 60)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["mail_backlog"]
    assert response.json()["mail_backlog_age_seconds"] >= settings.READY_MAIL_BACKLOG_MAX_AGE_SECONDS + 60
    MailOutbox.objects.filter(key="ready:old").update(state="failed", failed_at=timezone.now())
    assert client.get("/readyz").status_code == 200  # a failed mail is the desk's to resend, not a stuck queue


@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_database_when_it_is_down(client):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/readyz")
        alive = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert alive.status_code == 200


@pytest.mark.django_db
def test_every_response_has_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_forms_are_csrf_protected(client, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post("/me/company/", {"name": "x"})
    assert response.status_code == 403
    assert "csrfmiddlewaretoken" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_error_pages_are_japanese_in_the_site_layout(client):
    response = client.get("/does-not-exist/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body and 'id="main"' in body


def _run_production(command: list[str], **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env})
    return subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=base, capture_output=True, text=True)


def test_production_settings_pass_check_deploy_without_warnings():
    result = _run_production(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY="x9!Kq2#vLm8@pZr4$wTy6^bNc1&hJf5*dGs7(eUa3)oIi0-RkPl",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _run_production(["check"], DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_docker_compose_file_is_valid_and_has_every_service():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"migrate", "web", "worker", "beat", "nginx", "postgres", "redis", "mailpit"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in services.values():
        assert "image" in service or "build" in service


def test_ci_runs_make_test_and_the_readme_opens_with_the_two_commands():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```", 2)[1].strip().splitlines()
    assert block == ["make run", "make test"]


@pytest.mark.django_db
def test_openapi_document_and_docs_page_are_served(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "CN支援ポータル API"
    assert "/api/v1/meta/prefectures" in document["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_api_errors_are_400_json_naming_the_field(client):
    response = client.get("/api/v1/meta/prefectures", {"region": "atlantis"})
    assert response.status_code == 400
    assert response.json()["field"] == "region"
    response = client.get("/api/v1/meta/prefectures", {"region": "chubu"})
    assert [p["code"] for p in response.json()] == ["gifu", "shizuoka", "aichi", "mie"]


def test_times_are_aware_and_in_tokyo(settings):
    from django.utils import timezone

    assert settings.USE_TZ and settings.TIME_ZONE == "Asia/Tokyo" and settings.LANGUAGE_CODE == "ja"
    assert timezone.localtime().utcoffset().total_seconds() == 9 * 3600


def test_the_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "システムエラーが発生しました" in html and "<main" in html
