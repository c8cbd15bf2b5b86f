"""The shared cache (Redis) with a stated behaviour during a Redis outage: fall back to a per-process memory cache.

The cache holds allauth's rate limits (log-in, sign-up, password reset) and TOTP replay guards. When Redis does not
answer, each web process keeps counting in its own memory for CACHE_FALLBACK_SECONDS before it tries Redis again:
log-in keeps working, the limits still apply (per process, so with N processes an address gets at most N times its
allowance), and the counters start afresh. Nothing answers 500 because Redis is down.
"""

import functools
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# Per process and location: when Redis failed last, shared by the threads of the process.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class ReusedClient(RedisCacheClient):
    """Django's client builds a new redis.Redis (and its table of reply callbacks) for every call; one per pool is
    enough (redis.Redis is thread-safe and its pool notices a fork)."""

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        if index not in clients:
            clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return clients[index]


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClient
        self._location = server if isinstance(server, str) else ",".join(server)
        fallback_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._fallback = LocMemCache(f"redis-fallback:{self._location}", fallback_params)

    def validate_key(self, key: str) -> None:
        """Redis takes any key: the check Django makes for memcached's limits (length, spaces) is not needed."""

    def redis_is_down(self) -> bool:
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _call(self, name: str, *args, **kwargs):
        if not self.redis_is_down():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN as exc:
                self.mark_down(exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")

    def mark_down(self, exc: BaseException) -> None:
        seconds = getattr(settings, "CACHE_FALLBACK_SECONDS", 15)
        with _lock:
            _down_until[self._location] = time.monotonic() + seconds
        logger.warning("cache: Redis unreachable (%s); per-process memory cache for %ss", exc, seconds)


# --- Versioned data and conditional GET (docs/cache.md) -----------------------------------------------------------

VERSION_KEY = "version:"
DATA_TIMEOUT = 60 * 60  # a safety net only: a change retires cached data at once through its version
# Per request (core.cache.RequestVersionsMiddleware): each namespace's version is read from Redis once per request.
_request_versions: ContextVar[dict[str, int] | None] = ContextVar("request_versions", default=None)
# Namespaces whose bump could not reach Redis in this process: until it is sent, this process computes them
# uncached (Redis still holds the version from before its change). Tried again with each read of a version.
_unsent: set[str] = set()


class CacheUnavailable(Exception):
    """Redis itself did not answer (the per-process fallback memory is never used for versioned data)."""


def _shared(name: str, *args, **kwargs):
    """Call the default cache on Redis itself; raises CacheUnavailable when Redis does not answer."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, FallbackRedisCache):
        if backend.redis_is_down():
            raise CacheUnavailable
        try:
            return getattr(RedisCache, name)(backend, *args, **kwargs)
        except REDIS_DOWN as exc:
            backend.mark_down(exc)
            raise CacheUnavailable from exc
        except RedisError as exc:  # e.g. writes refused (NOREPLICAS, OOM): reads may still work
            raise CacheUnavailable from exc
    try:
        return getattr(backend, name)(*args, **kwargs)
    except (RedisError, OSError) as exc:
        raise CacheUnavailable from exc


def _incr(namespaces: Iterable[str]) -> None:
    for namespace in sorted(set(namespaces) | _unsent):
        key = VERSION_KEY + namespace
        try:
            try:
                _shared("incr", key)
            except ValueError:  # never read yet: nothing is cached under it either
                _shared("add", key, _first_version(), None)
        except CacheUnavailable:
            logger.warning("cache: could not bump %s; this process computes it uncached until it can", namespace)
            _unsent.add(namespace)
        else:
            _unsent.discard(namespace)
    scope = _request_versions.get()
    if scope is not None:
        for namespace in namespaces:
            scope.pop(namespace, None)


def _first_version() -> int:
    """A version never handed out before (Redis may have lost its keys): ETags from before stay different."""
    return secrets.randbelow(2**40) * 1000


def versions(*namespaces: str) -> tuple[int, ...] | None:
    """The current version of each namespace (one round trip to Redis), or None when Redis does not answer."""
    if not namespaces:
        return ()
    if _unsent:
        _incr(())
        if _unsent.intersection(namespaces):
            return None
    scope = _request_versions.get()
    if scope is not None and all(n in scope for n in namespaces):
        return tuple(scope[n] for n in namespaces)
    keys = [VERSION_KEY + n for n in namespaces]
    try:
        found = _shared("get_many", keys)
        for key in keys:
            if key not in found:
                _shared("add", key, _first_version(), None)
                found[key] = _shared("get", key)
    except CacheUnavailable:
        return None
    result = tuple(found[k] for k in keys)
    if scope is not None:
        scope.update(zip(namespaces, result, strict=True))
    return result


def bump(*namespaces: str) -> None:
    """Retire everything cached under these namespaces: once the transaction commits (what other processes see) and,
    inside a transaction, at once as well (so that the changing transaction reads its own change)."""
    if transaction.get_connection().in_atomic_block:
        _incr(namespaces)
    transaction.on_commit(lambda: _incr(namespaces), robust=True)


def bump_on_change(namespace: str, *models: type[Model]) -> None:
    """One signal per model: bump `namespace` whenever a row (or a many-to-many link) of these models changes.
    Queryset update() and bulk_create() send no signal: the code that uses them calls `bump` itself."""

    def receiver(sender, **kwargs) -> None:
        if kwargs.get("action", "post_").startswith("post_"):
            bump(namespace)

    for model in models:
        uid = f"cache:{namespace}:{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")
        for m2m in model._meta.local_many_to_many:
            m2m_changed.connect(receiver, sender=m2m.remote_field.through, weak=False, dispatch_uid=uid + m2m.name)


def cached(key: str, namespaces: tuple[str, ...], compute: Callable[[], Any], *, timeout: int = DATA_TIMEOUT) -> Any:
    """`compute()`, kept in Redis with the versions of `namespaces` it was computed under and used only while they are
    current: the versions and the value come in one round trip. Computed uncached when Redis is down."""
    if not namespaces or _unsent.intersection(namespaces):
        return compute()
    version_keys = [VERSION_KEY + n for n in namespaces]
    # Keys may hold visitors' input; a new release never reads what an older one kept (its shape may have changed).
    data_key = "data:" + hashlib.blake2b(f"{code_version()}:{key}".encode(), digest_size=16).hexdigest()
    try:
        found = _shared("get_many", [*version_keys, data_key])
        if any(k not in found for k in version_keys):
            current = versions(*namespaces)
            if current is None:
                return compute()
        else:
            current = tuple(found[k] for k in version_keys)
    except CacheUnavailable:
        return compute()
    scope = _request_versions.get()
    if scope is not None:
        scope.update(zip(namespaces, current, strict=True))
    stored = found.get(data_key)
    if stored is not None and stored[0] == current:
        return stored[1]
    value = compute()
    try:
        _shared("set", data_key, (current, value), timeout)
    except CacheUnavailable:
        pass
    return value


class RequestVersionsMiddleware:
    """Read each namespace's version at most once per request (the ETag and the data of one request agree)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = _request_versions.set({})
        try:
            return self.get_response(request)
        finally:
            _request_versions.reset(reset)


@functools.cache
def code_version() -> str:
    """The deployed code, templates, translations and the desk's address: a new release gives new ETags and kept
    pages (the same in every process)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(str(getattr(settings, "DESK_EMAIL", "")).encode())
    root = str(settings.BASE_DIR)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in ("node_modules", "media"))
        for name in sorted(files):
            if name.endswith((".py", ".html", ".mo", ".txt")):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder[len(root) :]}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def has_visitor_state(request: HttpRequest) -> bool:
    """A session or a pending message: the page may be this visitor's own (signed in, a message shown)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in request.COOKIES


# The one part of an anonymous page that is not the same for everybody: the CSRF token of its forms (the language
# switch). A page is kept with a placeholder there and each answer gets the visitor's own token, as a render would.
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
CSRF_PLACEHOLDER = b"\x00csrf\x00"


def until(request: HttpRequest, moment: datetime) -> None:
    """The answer being made changes with time alone at `moment` (the next seminar to end, the next slot to pass
    the notice period, midnight in Japan): it is not reused past it, and its ETag names it."""
    request.cache_until = min(moment, getattr(request, "cache_until", moment))


def conditional(*namespaces: str, max_age: int, parts: Callable[[], tuple] | None = None) -> Callable:
    """For visitors without a session or a pending message: the answer is kept in Redis with the versions of
    `namespaces` it was made under (and the moment it changes with time alone, see `until`), and served from there
    while they hold; its ETag is hashed from the path, language, code, those versions and that moment, a matching
    If-None-Match is a 304; Cache-Control max-age (never past that moment) and Vary: Cookie. One round trip to Redis
    per request when nothing changed. Anything else (a session, a POST, Redis down) goes to the view as it is.
    `parts`: what else the page shows that neither the code nor a version covers (e.g. settings a deployment sets)."""
    version_keys = [VERSION_KEY + n for n in namespaces]

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or has_visitor_state(request) or _unsent.intersection(namespaces):
                return view(request, *args, **kwargs)
            raw = repr((request.get_full_path(), get_language(), code_version(), parts() if parts else ()))
            page_key = "page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
            try:
                found = _shared("get_many", [*version_keys, page_key])
            except CacheUnavailable:
                return view(request, *args, **kwargs)
            if any(k not in found for k in version_keys):
                current = versions(*namespaces)
                if current is None:
                    return view(request, *args, **kwargs)
            else:
                current = tuple(found[k] for k in version_keys)
            scope = _request_versions.get()
            if scope is not None:
                scope.update(zip(namespaces, current, strict=True))
            kept = found.get(page_key)
            if kept is not None and kept[0] == current and (kept[1] is None or time.time() < kept[1]):
                _versions, expires, headers, body = kept
                etag = _etag(page_key, current, expires)
                response = get_conditional_response(request, etag=etag)
                if response is None:
                    if CSRF_PLACEHOLDER in body:
                        body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
                    response = HttpResponse(body, headers=headers)
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                moment = getattr(request, "cache_until", None)
                expires = moment.timestamp() if moment is not None else None
                etag = _etag(page_key, current, expires)
                _keep(request, response, page_key, (current, expires))
                response = get_conditional_response(request, etag=etag, response=response)
            response["ETag"] = etag
            seconds = max_age if expires is None else max(0, min(max_age, int(expires - time.time())))
            patch_cache_control(response, max_age=seconds)
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapped

    return decorator


def _etag(page_key: str, current: tuple[int, ...], expires: float | None) -> str:
    return '"' + hashlib.blake2b(repr((page_key, current, expires)).encode(), digest_size=12).hexdigest() + '"'


def _keep(request: HttpRequest, response: HttpResponse, page_key: str, state: tuple) -> None:
    session = getattr(request, "session", None)
    if response.streaming or response.cookies or (session is not None and session.modified):
        return
    body = CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
    headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
    try:
        _shared("set", page_key, (*state, headers, body), DATA_TIMEOUT)
    except CacheUnavailable:
        pass
