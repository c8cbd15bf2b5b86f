"""The shared cache (Redis) with a stated behaviour during a Redis outage: fall back to a per-process memory cache.

The cache holds allauth's rate limits (log-in, sign-up, password reset) and TOTP replay guards. When Redis does not
answer, each web process keeps counting in its own memory for CACHE_FALLBACK_SECONDS before it tries Redis again:
log-in keeps working, the limits still apply (per process, so with N processes an address gets at most N times its
allowance), and the counters start afresh. Nothing answers 500 because Redis is down.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# Per process and location: when Redis failed last, shared by the threads of the process.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        fallback_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._fallback = LocMemCache(f"redis-fallback:{self._location}", fallback_params)

    def redis_is_down(self) -> bool:
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _call(self, name: str, *args, **kwargs):
        if not self.redis_is_down():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN as exc:
                seconds = getattr(settings, "CACHE_FALLBACK_SECONDS", 15)
                with _lock:
                    _down_until[self._location] = time.monotonic() + seconds
                logger.warning("cache: Redis unreachable (%s); per-process memory cache for %ss", exc, seconds)
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
