"""Version tokens of cached data, kept in the shared cache (Redis), so that every process sees a change at once.

A cached value is stored under the token that was current when its data was read. Any change to the data
replaces the token with a new random one, so entries made before the change are never read again (they simply
expire). Tokens never repeat, which keeps the per-process memos keyed by them safe even when the cache is emptied.

`bump` replaces the token at once (so the changing transaction itself reads fresh data) and again after commit:
a reader that filled the cache from a snapshot taken before the commit did so under the first new token, which the
second bump retires. Models are wired in with `bump_on_change` (post_save, post_delete, m2m_changed), so writes
made through any service, the admin or a shell invalidate the caches; queryset `update()` and `bulk_create()`
send no signals and must call `bump` themselves.

When the cache cannot be reached, `current` returns None and callers compute from the database, uncached. A bump
that could not reach Redis is remembered by its process: until it is sent, that process answers None for its
namespaces (the token in Redis still stands for data from before the change), and it is sent with the process's
next bump or token read that reaches Redis (at most every UNSENT_RETRY_SECONDS), which retires what other processes
cached under the old token. Only a process that dies holding an unsent bump leaves the old values in use, until the
next change in that area or their expiry.
Within one request (RequestTokensMiddleware) each namespace's token is read once and then remembered, so a page
that reads several cached values pays one round trip; the request's own bumps update what it remembers.

Bump notices: every bump also publishes the namespaces on a Redis channel (in the same MULTI as the new tokens),
and each process subscribes to it. A process keeps using a token it read while subscribed, without asking Redis,
until a notice retires it, and re-reads it at least every TRUST_SECONDS; before each use it drains the notices
waiting on its subscription (a non-blocking read, no round trip). Redis executes commands in order, so a notice
is on its way to every subscriber before the bumping process even learns that its write succeeded: a request
that starts after a change finds that change's notice, in every process. If the subscription is lost (Redis
restarts, the connection closes), nothing read before is trusted and tokens are read per request again until a
new subscription is confirmed. A connection that dies without closing (no TCP reset) could drop notices
unnoticed: TRUST_SECONDS bounds what that costs.
"""

import logging
import os
import select
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.module_loading import import_string
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)
PREFIX = "version:"
CHANNEL = "version-bumps"
# A token read while subscribed to bump notices is used for at most this long without asking Redis again (see the
# module doc): only a subscription that died silently could make a process miss a change, and for no longer.
TRUST_SECONDS = 5.0
# A bump that failed is tried again with the next token read, but not more often than this during an outage.
UNSENT_RETRY_SECONDS = 1.0
_request_tokens: ContextVar[dict[str, str] | None] = ContextVar("version_tokens", default=None)


class RequestTokensMiddleware:
    """Read each version token at most once per request."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        reset = _request_tokens.set({})
        try:
            return self.get_response(request)
        finally:
            _request_tokens.reset(reset)


def _key(namespace: str) -> str:
    return PREFIX + namespace


_clients: dict[str, redis.Redis] = {}


_subscription_key: list[tuple[str, str] | None] = []  # (location, channel) once worked out; settings changes empty it


@receiver(setting_changed)
def _forget_subscription_key(*, setting: str, **kwargs) -> None:
    if setting == "CACHES":
        _subscription_key.clear()


def _location() -> str | None:
    """The default cache's Redis, or None when the cache is not Redis (`make run` without REDIS_URL keeps tokens in
    its local memory cache)."""
    conf = settings.CACHES["default"]
    # core.cache.FallbackRedisCache is a RedisCache too: tokens still go to Redis directly, and an outage makes
    # `current` answer None (uncached) rather than read tokens from the per-process fallback memory.
    if not issubclass(import_string(conf["BACKEND"]), RedisCache):
        return None
    location = conf["LOCATION"] if isinstance(conf["LOCATION"], str) else conf["LOCATION"][0]
    return location.split(",")[0]


def _redis() -> redis.Redis | None:
    """A plain client on the default cache's Redis (tokens are short strings: no pickling, one client per process),
    or None when the cache is not Redis."""
    location = _location()
    if location is None:
        return None
    client = _clients.get(location)
    if client is None:
        client = _clients[location] = redis.Redis.from_url(location, socket_connect_timeout=0.5, socket_timeout=0.5)
    return client


def _new_token() -> bytes:
    """Bytes, as Redis answers them, so that a process's own bump and a later read give equal tokens."""
    return uuid.uuid4().hex.encode()


def _read(keys: list[str]) -> dict[str, str | bytes]:
    """Tokens are opaque: only their equality matters, so Redis bytes are used as they come."""
    client = _redis()
    if client is None:
        found = cache.get_many(keys)
        for key in [k for k in keys if k not in found]:
            cache.add(key, _new_token(), timeout=None)
            found[key] = cache.get(key)
        return found
    names = [cache.make_and_validate_key(k) for k in keys]
    values = client.mget(names)
    for i, value in enumerate(values):
        if value is None:
            client.set(names[i], _new_token(), nx=True)
            values[i] = client.get(names[i])
    return dict(zip(keys, values, strict=True))


def _write(tokens: dict[str, bytes], namespaces: list[str]) -> None:
    client = _redis()
    if client is None:
        cache.set_many(tokens, timeout=None)
        return
    with client.pipeline(transaction=True) as pipe:  # the notice cannot be lost between the write and the publish
        pipe.mset({cache.make_and_validate_key(k): v for k, v in tokens.items()})
        pipe.publish(cache.make_and_validate_key(CHANNEL), ",".join(namespaces))
        pipe.execute()


class _Subscription:
    """This process's subscription to the bump notices of one Redis location and key prefix."""

    def __init__(self, location: str, channel: str) -> None:
        self.key = (location, channel)
        self.pid = os.getpid()
        pool = redis.ConnectionPool.from_url(
            location, socket_connect_timeout=0.5, socket_timeout=0.5, protocol=2, retry=Retry(NoBackoff(), 0)
        )
        self.connection = pool.make_connection()
        self.connection.connect()
        self.connection.send_command("SUBSCRIBE", channel)
        self.connection.read_response()  # confirmed: every later bump reaches this process
        self.poll = select.poll()  # one system call per request while nothing arrives
        self.poll.register(self.connection._sock, select.POLLIN | select.POLLPRI)

    def retired(self) -> set[str]:
        """The namespaces bumped since the last call; raises when the connection is lost."""
        names: set[str] = set()
        if not self.poll.poll(0):  # nothing arrived (a closed connection reads as readable)
            return names
        while self.connection.can_read(timeout=0):
            message = self.connection.read_response()
            if message[0] == b"message":
                names.update(message[2].decode().split(","))
        return names

    def close(self) -> None:
        if self.pid == os.getpid():  # never shut down a socket a parent process still uses
            self.connection.disconnect()


_subscription: _Subscription | None = None
_generation = 0  # counts subscriptions; a token is trusted only under the subscription it was read under
_retry_at: dict[tuple[str, str], float] = {}
_listen_lock = threading.Lock()  # threaded servers: one reader of the subscription's socket at a time


def _listen() -> int:
    """Apply the waiting bump notices; the current subscription's generation, or 0 when not subscribed."""
    global _subscription, _generation
    if not _subscription_key:
        location = _location()
        _subscription_key.append(None if location is None else (location, cache.make_and_validate_key(CHANNEL)))
    key = _subscription_key[0]
    if key is None:
        return 0
    with _listen_lock:
        if _subscription is not None and (_subscription.key != key or _subscription.pid != os.getpid()):
            _subscription.close()
            _subscription = None
        if _subscription is not None:
            try:
                retired = _subscription.retired()
            except Exception:
                logger.warning("lost the subscription to version bumps", exc_info=True)
                _subscription.close()
                _subscription = None
            else:
                for namespace in retired:
                    _recent.pop(namespace, None)
                return _generation
        # Not subscribed (yet, or any more): nothing read before is trusted under the new subscription.
        if time.monotonic() < _retry_at.get(key, 0.0):
            return 0
        try:
            _subscription = _Subscription(*key)
        except Exception:
            logger.warning("cannot subscribe to version bumps; reading tokens per request", exc_info=True)
            _retry_at[key] = time.monotonic() + 1.0
            return 0
        _generation += 1
        return _generation


# namespace -> (token, monotonic time read, generation of the subscription it was read under or 0), this process
_recent: dict[str, tuple[str | bytes, float, int]] = {}


def current(*namespaces: str, max_age: float = 0.0) -> tuple[str | bytes, ...] | None:
    """The current tokens of these namespaces (one round trip), or None when the cache is unreachable.

    While subscribed to bump notices, a token read under the same subscription is used without asking Redis (up to
    TRUST_SECONDS): every change shows at once. Without a subscription, `max_age` applies: a token this process
    read less than that many seconds ago is used as it is, so other processes' changes show within `max_age` (this
    process's own changes at once); 0 asks Redis every time."""
    scope = _request_tokens.get()
    if scope is not None and all(n in scope for n in namespaces):
        return tuple(scope[n] for n in namespaces)
    if _unsent:
        _send_unsent()
        if _unsent.intersection(namespaces):  # Redis still holds the token from before this process's change
            return None
    generation = _listen()
    now = time.monotonic()
    recent = [_recent.get(n) for n in namespaces]
    if all(
        r is not None and (now - r[1] < max_age or (generation and r[2] == generation and now - r[1] < TRUST_SECONDS))
        for r in recent
    ):
        tokens = tuple(r[0] for r in recent)
        if scope is not None:
            scope.update(zip(namespaces, tokens, strict=True))
        return tokens
    try:
        found = _read([_key(n) for n in namespaces])
        tokens = tuple(found[_key(n)] for n in namespaces)
    except Exception:  # an unreachable cache must not take the page down: compute uncached instead
        logger.warning("version tokens unavailable; serving uncached", exc_info=True)
        return None
    if scope is not None:
        scope.update(zip(namespaces, tokens, strict=True))
    read_at = time.monotonic()
    _recent.update({n: (t, read_at, generation) for n, t in zip(namespaces, tokens, strict=True)})
    return tokens


# Namespaces whose bump could not reach Redis in this process (see the module doc), and when to try them again.
_unsent: set[str] = set()
_unsent_retry_at = [0.0]
_unsent_lock = threading.Lock()


def _send_unsent() -> None:
    if time.monotonic() >= _unsent_retry_at[0]:
        _replace(())


def _replace(namespaces: Iterable[str]) -> None:
    with _unsent_lock:
        namespaces = set(namespaces) | _unsent  # a bump that failed before goes out with this one
    tokens = {n: _new_token() for n in sorted(namespaces)}
    if not tokens:
        return
    scope = _request_tokens.get()
    for namespace in tokens:
        _recent.pop(namespace, None)
        if scope is not None:
            scope.pop(namespace, None)
    try:
        _write({_key(n): token for n, token in tokens.items()}, list(tokens))
    except Exception:
        logger.warning("could not bump cache versions %s", list(tokens), exc_info=True)
        with _unsent_lock:
            _unsent.update(tokens)
            _unsent_retry_at[0] = time.monotonic() + UNSENT_RETRY_SECONDS
        return
    with _unsent_lock:
        _unsent.difference_update(tokens)
    if scope is not None:
        scope.update(tokens)
    read_at = time.monotonic()
    # Not trusted as read under the subscription: this process's own notice is on its way and retires it anyway.
    _recent.update({n: (t, read_at, 0) for n, t in tokens.items()})


def bump(*namespaces: str) -> None:
    """Retire every cached value of these namespaces: now, and once more when the transaction commits."""
    _replace(namespaces)
    transaction.on_commit(lambda: _replace(namespaces), robust=True)


def bump_on_change(namespace: str, *models: type[Model]) -> None:
    """Bump `namespace` whenever a row of one of these models (or a many-to-many link of theirs) changes."""

    def receiver(sender, **kwargs) -> None:
        if kwargs.get("action", "post_").startswith("post_"):
            bump(namespace)

    receiver.__name__ = f"bump_{namespace}"
    for model in models:
        uid = f"versions:{namespace}:{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")
        for m2m in model._meta.local_many_to_many:
            m2m_changed.connect(receiver, sender=m2m.remote_field.through, weak=False, dispatch_uid=uid + m2m.name)


_memos: list["Memo"] = []


def clear_memos() -> None:
    """Empty every per-process memo and remembered token (tests; a new token would do it too)."""
    _recent.clear()
    _unsent.clear()
    _unsent_retry_at[0] = 0.0
    for memo in _memos:
        memo.clear()


class Memo:
    """A small per-process memo of values computed under one version token; a new token empties it."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.token: Hashable = None
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()  # runserver and threaded servers share one memo
        _memos.append(self)

    def get_or_compute(self, token: Hashable, key: Hashable, compute: Callable):
        with self.lock:
            if token != self.token:
                self.token, self.entries = token, OrderedDict()
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = compute()
        with self.lock:
            if token == self.token:
                self.entries[key] = value
                if len(self.entries) > self.size:
                    self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.token, self.entries = None, OrderedDict()
