"""What an operator sees of a running portal: a request id on every log line (web and Celery), and error reports.

The request id is held in a context variable. A web request takes the id nginx sends (`X-Request-ID`, when it looks
like one) or makes one, answers with it in `X-Request-ID`, and keeps it until the response is closed, so Django's own
lines about the request (a 404, a 500) carry it too. A task queued meanwhile carries it in its message headers, and
the worker's lines for that task carry the same id (a task queued by beat or by another task without one uses its
own task id). The logging filter puts it on every record; the JSON formatter (python-json-logger) writes it.

Error reports go to Sentry only when SENTRY_DSN is set (sentry_init); personal data never leaves: no default PII,
no request bodies, cookies or query strings, and e-mail addresses and names are masked in whatever text is sent.
"""

import contextvars
import logging
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.urls import resolve

from .cachecontrol import PRIVATE_NO_STORE

REQUEST_ID_HEADER = "X-Request-ID"
# What an id from the proxy may look like (nginx's $request_id is 32 hex digits); anything else is replaced.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request or task this code runs for, if any."""
    return _request_id.get()


def bind_request_id(value: str | None) -> None:
    _request_id.set(value)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside any request or task), so every JSON line has the field.

    The worker's "Task ... received" line is written before the task starts: it gets the id its message carried,
    looked up by task id (Celery passes the task's id in the record's `data`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            request_id = _request_id.get()
            data = getattr(record, "data", None)
            if request_id is None and isinstance(data, dict) and "id" in data:
                request_id = _received.get(data["id"])
            record.request_id = request_id or "-"
        return True


class RequestIdMiddleware:
    """First in the middleware: binds the request's id and answers with it. The id stays bound until the response
    is closed (request_finished), so the handler's own log line about the response carries it as well."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _VALID_ID.match(offered) else new_request_id()
        request.request_id = request_id
        _request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ProbeMiddleware:
    """Answers the probes (settings.PROBE_PATHS: /healthz, /readyz, /metrics) ahead of the rest of the stack.

    Docker's healthcheck and Prometheus reach gunicorn inside the compose network (http://127.0.0.1:8000/,
    http://web:8000/): plain HTTP under a host that is not in ALLOWED_HOSTS. Through the full stack the HTTPS
    redirect and the host check would answer them 301 or 400. These views build no URL from the host and write
    nothing; /metrics checks its own token. The probes stay out of the request metrics they would otherwise swamp.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in settings.PROBE_PATHS:
            return self.get_response(request)
        match = resolve(request.path_info)
        # a refusal (/metrics without its token raises Http404) becomes its response here, to get the header too
        response = convert_exception_to_response(match.func)(request, *match.args, **match.kwargs)
        # Answered above core.cachecontrol's middleware: a probe's answer (a health state, the metrics) is never
        # stored by a browser or a proxy either.
        response["Cache-Control"] = PRIVATE_NO_STORE
        return response


def _unbind(**kwargs: Any) -> None:
    _request_id.set(None)


request_finished.connect(_unbind, dispatch_uid="core.observability.unbind_request_id")


# --- Celery: the id travels in the message headers -------------------------------------------------------------


# task id -> request id of the messages this worker process received lately (for the "received" line only).
_received: "OrderedDict[str, str]" = OrderedDict()
_RECEIVED_KEPT = 1000


def _carried(request: Any) -> str | None:
    headers = getattr(request, "headers", None) or {}
    carried = getattr(request, "request_id", None) or headers.get("request_id")
    return str(carried) if carried and _VALID_ID.match(str(carried)) else None


def celery_request_class():
    """The worker's Request class: notes the id a message carries as it arrives, before anything is logged."""
    from celery.worker.request import Request

    class RequestWithId(Request):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            carried = self._request_dict.get("request_id")
            if carried and _VALID_ID.match(str(carried)):
                _received[self.id] = str(carried)
                while len(_received) > _RECEIVED_KEPT:
                    _received.popitem(last=False)

    return RequestWithId


def celery_connect(app: Any) -> None:
    """Carry the request id into tasks (config.celery calls this once)."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    app.Task.Request = celery_request_class()

    before_task_publish.connect(_publish_with_request_id, weak=False, dispatch_uid="core.request_id.publish")
    task_prerun.connect(_task_started, weak=False, dispatch_uid="core.request_id.prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="core.request_id.postrun")


def _publish_with_request_id(headers: dict | None = None, **kwargs: Any) -> None:
    request_id = _request_id.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    _request_id.set(_carried(getattr(task, "request", None)) or task_id)


def _task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    _request_id.set(None)
    _received.pop(task_id, None)


# --- Sentry ------------------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Keys whose values are personal data wherever they appear in an event (extra data, breadcrumbs' data, log args).
_PERSONAL_KEYS = {
    "email",
    "e-mail",
    "to",
    "name",
    "full_name",
    "first_name",
    "last_name",
    "company_name",
    "contact_name",
    "phone",
    "tel",
    "address",
    "password",
    "token",
    "question",
    "body",
    "subject",
    "氏名",
    "名前",
    "住所",
}
MASK = "[Filtered]"


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return MASK
    if isinstance(value, str):
        return _EMAIL.sub(MASK, value)
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and k.lower() in _PERSONAL_KEYS else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def sentry_before_send(event: dict, hint: dict | None = None) -> dict:
    """Strip personal data from an event before it leaves: the request's body, cookies, query string and headers
    other than a few technical ones, the user apart from an opaque id, and e-mail addresses and name-like fields
    anywhere (messages, exception values, breadcrumbs, local variables)."""
    request = event.get("request")
    if isinstance(request, dict):
        for field in ("data", "cookies", "query_string", "env"):
            request.pop(field, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            k: v for k, v in headers.items() if k.lower() in {"content-type", "content-length", "x-request-id"}
        }
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    for key in ("message", "logentry", "exception", "breadcrumbs", "extra", "contexts", "threads"):
        if key in event:
            event[key] = _scrub(event[key])
    request_id = _request_id.get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, release: str, environment: str, traces_sample_rate: float = 0.0) -> bool:
    """Start error reporting when a DSN is given; with none, nothing is initialised and nothing is sent."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        release=release,
        environment=environment,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=sentry_before_send,
        traces_sample_rate=traces_sample_rate,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
    )
    return True
