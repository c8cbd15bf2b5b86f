"""Whole pages for visitors without a session, rendered once per process and served from memory.

Only GET/HEAD requests that carry no session and no messages cookie are served from the memo, so everything such
a visitor sees is the same for all of them: there is no user, no message and no per-visitor state. The key is
the full path with its query string, the active language and the version tokens of the data the page shows
(core.versions): a change to that data retires every cached page that showed it, in every process. A view whose
page also changes with time alone sets `response.cache_until` (an aware datetime) to the next moment it will.

The language switch's CSRF token is the one per-visitor part of these pages: it is stored as a placeholder and
each response gets a fresh token (and the CSRF cookie) through `get_token`, exactly as a normal render would.
"""

import datetime as dt
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from . import versions

PLACEHOLDER = f"csrf-{uuid.uuid4().hex}".encode()
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]+)(")')
SKIPPED_HEADERS = {"content-length", "set-cookie"}


@dataclass
class Entry:
    body: bytes
    headers: list[tuple[str, str]]
    has_token: bool
    expires: float


class PageMemo:
    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.expires <= time.time():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_memos: list[PageMemo] = []


def clear_all() -> None:
    """Forget every cached page of this process (tests)."""
    for memo in _memos:
        memo.clear()


def has_visitor_state(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in request.COOKIES


def anonymous_page(*, namespaces: tuple[str, ...] = (), max_age: int = 600, size: int = 256) -> Callable:
    """Serve the view's page from this process's memory to visitors without a session (see the module doc)."""
    memo = PageMemo(size)
    _memos.append(memo)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or has_visitor_state(request):
                return view(request, *args, **kwargs)
            tokens = versions.current(*namespaces) if namespaces else ()
            if tokens is None:
                return view(request, *args, **kwargs)
            key = (request.get_full_path(), get_language(), tokens)
            entry = memo.get(key)
            if entry is not None:
                return _replay(request, entry)
            response = view(request, *args, **kwargs)
            entry = _entry(request, response, max_age)
            if entry is not None:
                memo.put(key, entry)
            return response

        return wrapped

    return decorator


def _entry(request: HttpRequest, response: HttpResponse, max_age: int) -> Entry | None:
    session = getattr(request, "session", None)
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or (session is not None and session.modified)
    ):
        return None
    expires = time.time() + max_age
    until: dt.datetime | None = getattr(response, "cache_until", None)
    if until is not None:
        expires = min(expires, until.timestamp())
    if expires <= time.time():
        return None
    body, count = CSRF_INPUT.subn(rb"\1" + PLACEHOLDER + rb"\3", response.content)
    headers = [(k, v) for k, v in response.items() if k.lower() not in SKIPPED_HEADERS]
    return Entry(body=body, headers=headers, has_token=bool(count), expires=expires)


def _replay(request: HttpRequest, entry: Entry) -> HttpResponse:
    body = entry.body.replace(PLACEHOLDER, get_token(request).encode()) if entry.has_token else entry.body
    response = HttpResponse(body)
    for name, value in entry.headers:
        response[name] = value
    return response
