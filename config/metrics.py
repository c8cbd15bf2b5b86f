"""Prometheus metrics at /metrics, for the monitoring server only: a request without the bearer token gets 404.

Request counts and latencies come from django-prometheus's middleware. The gauges of the work waiting in the
background (the mail backlog, PDFs, the Celery queue) are read from PostgreSQL and Redis at each scrape, so every web
process answers the same figures whichever one is scraped. With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR
(docker-compose.yml does) so that the request metrics of all of a container's workers are added up.
"""

import hmac
import os

import prometheus_client
import redis
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.mail import outbox_backlog
from dispatch.selectors import deliverables_waiting
from selfcheck.selectors import sheets_pdf_waiting

# kombu's Redis transport keeps one list per priority step: the queue's own name, then name + "\x06\x16" + step.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def celery_queue_length() -> int | None:
    """Messages waiting in the default Celery queue on Redis (None when Redis does not answer)."""
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return None
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"
    names = [queue if step == 0 else f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS]
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(name)
            return sum(pipe.execute())
    except redis.RedisError:
        return None


class BackgroundWorkCollector(Collector):
    """Gauges computed at each scrape from the database and the broker."""

    def collect(self):
        backlog = outbox_backlog()
        yield GaugeMetricFamily(
            "cnportal_mail_backlog", "Mails waiting to go out (pending or being sent)", value=backlog.waiting
        )
        yield GaugeMetricFamily(
            "cnportal_mail_backlog_oldest_age_seconds",
            "Age of the oldest mail waiting to go out (0 when none waits)",
            value=backlog.oldest_age_seconds,
        )
        yield GaugeMetricFamily(
            "cnportal_mail_failed", "Mails marked failed (the desk may send them again)", value=backlog.failed
        )
        pdfs = GaugeMetricFamily("cnportal_pdf_queued", "PDFs queued or rendering", labels=["kind"])
        ages = GaugeMetricFamily(
            "cnportal_pdf_queued_oldest_age_seconds", "Wait of the oldest queued PDF", labels=["kind"]
        )
        for kind, (count, age) in (
            ("selfcheck_report", sheets_pdf_waiting()),
            ("dispatch_deliverable", deliverables_waiting()),
        ):
            pdfs.add_metric([kind], count)
            ages.add_metric([kind], age)
        yield pdfs
        yield ages
        length = celery_queue_length()
        if length is not None:
            yield GaugeMetricFamily(
                "cnportal_celery_queue_length", "Messages waiting in the Celery queue", value=length
            )
        yield GaugeMetricFamily(
            "cnportal_celery_broker_up",
            "1 when the Celery broker (Redis) answered this scrape",
            value=int(length is not None),
        )


_BACKGROUND = prometheus_client.CollectorRegistry()
_BACKGROUND.register(BackgroundWorkCollector())


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return prometheus_client.generate_latest(registry)
    return prometheus_client.generate_latest(prometheus_client.REGISTRY)


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus's text format; 404 (as if there were no such page) without the right token."""
    if not _authorised(request):
        raise Http404
    body = _process_metrics() + prometheus_client.generate_latest(_BACKGROUND)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
