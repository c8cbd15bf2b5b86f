"""docker-compose.yml as an operator runs it (parsed with PyYAML; no Docker engine here): migrate once before
anything starts, nginx as the one proxy in front of two web replicas, exactly one beat, metrics not reachable from
outside, and a proxy count that matches what nginx sends."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP = ("web", "worker", "beat")


def _nginx_conf() -> str:
    (mount,) = [v for v in SERVICES["nginx"]["volumes"] if v.endswith("/etc/nginx/conf.d/default.conf:ro")]
    path = ROOT / mount.split(":")[0]
    assert path.is_file(), mount
    # comments off, so that only directives are checked
    return "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())


def _blocks(text: str, opener: str) -> list[str]:
    """The bodies of every `opener {...}` block (braces balanced)."""
    bodies = []
    for match in re.finditer(re.escape(opener) + r"[^{;]*\{", text):
        depth, start = 1, match.end()
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                bodies.append(text[start:index])
                break
    return bodies


def test_a_one_off_migrate_service_runs_before_web_worker_and_beat():
    migrate = SERVICES["migrate"]
    assert migrate["command"].split()[-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no" and "deploy" not in migrate
    for name in APP:
        service = SERVICES[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
        assert "migrate" not in str(service["command"]), name  # two replicas never race to migrate
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "migrate" not in migrate["depends_on"]


def test_two_web_replicas_behind_nginx_and_exactly_one_beat():
    web = SERVICES["web"]
    assert web["deploy"]["replicas"] == 2
    assert "ports" not in web and web["expose"] == ["8000"]  # reached through nginx only
    assert "gunicorn" in web["command"] and "config/gunicorn.py" in web["command"]
    assert web["healthcheck"]["test"][-1].endswith("/healthz')")
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "beat" in SERVICES["beat"]["command"]
    assert SERVICES["worker"]["command"].split()[:5] == ["celery", "-A", "config", "--quiet", "worker"]
    assert SERVICES["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}
    published = [p.split(":")[-1] for name, s in SERVICES.items() for p in s.get("ports", []) if name != "mailpit"]
    assert sorted(published) == ["443", "80"] and all("ports" not in SERVICES[n] for n in APP)


def test_the_proxy_count_matches_the_one_nginx_that_replaces_x_forwarded_for():
    conf = _nginx_conf()
    proxies_in_front = 1  # nginx; the web containers publish no port of their own
    for name in APP:
        assert int(SERVICES[name]["environment"]["DJANGO_TRUSTED_PROXY_COUNT"]) == proxies_in_front, name
    (https,) = [body for body in _blocks(conf, "server") if "proxy_pass" in body]
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", https)
    assert "$proxy_add_x_forwarded_for" not in conf  # a client's own X-Forwarded-For is never passed on
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", https)  # SECURE_PROXY_SSL_HEADER
    assert re.search(r"proxy_set_header\s+X-Request-ID\s+\$request_id;", https)
    # a location with a proxy_set_header of its own would drop the server's headers (nginx does not merge them)
    assert all("proxy_set_header" not in body for body in _blocks(https, "location"))
    assert set(re.findall(r"proxy_pass\s+([^;]+);", conf)) == {"http://portal"}
    (upstream,) = _blocks(conf, "upstream portal")
    assert re.findall(r"server\s+([^;\s]+)", upstream) == ["web:8000"]


def test_metrics_are_not_reachable_through_nginx():
    conf = _nginx_conf()
    (metrics,) = _blocks(conf, "location = /metrics")
    assert metrics.split() == ["return", "404;"]


@pytest.mark.parametrize("forged", ["", "198.51.100.1, "])
def test_behind_nginx_the_log_in_limits_count_the_visitor_not_the_proxy(rf, settings, forged):
    """What gunicorn receives from nginx: REMOTE_ADDR is nginx, X-Forwarded-For is the visitor nginx saw (a client's
    own header is replaced, so with the count at 1 even a header forged upstream is ignored)."""
    from allauth.core.internal.httpkit import get_client_ip

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = int(SERVICES["web"]["environment"]["DJANGO_TRUSTED_PROXY_COUNT"])
    request = rf.post("/accounts/login/", REMOTE_ADDR="172.18.0.9", HTTP_X_FORWARDED_FOR=f"{forged}203.0.113.7")
    assert get_client_ip(request) == "203.0.113.7"


def test_the_image_has_the_postgresql_client_for_backups_and_carries_its_commit():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "postgresql-client-15" in dockerfile
    assert "ARG GIT_COMMIT" in dockerfile and "GIT_COMMIT=${GIT_COMMIT}" in dockerfile
    assert SERVICES["web"]["build"]["args"]["GIT_COMMIT"] == "${GIT_COMMIT:-unknown}"
