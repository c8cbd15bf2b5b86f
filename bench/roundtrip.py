"""What one Redis round trip costs next to a bare request, measured in one process (no gunicorn, no wrk).

    .venv/bin/python -m bench.roundtrip

A conditional GET answered 304 is the bare view's work plus one read of the versions from Redis (docs/cache.md):
the ratio printed here, bare / (bare + one read), is the most such an answer can reach against the bare view before
any of its own work is counted. It needs Redis only (the bare view touches no database).
"""

import io
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

ROUNDS = 5
REQUESTS = 2000


def main() -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler

    from core.cache import versions

    app = WSGIHandler()

    def bare() -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/bench/constant",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        body = app(environ, lambda status, headers, exc_info=None: None)
        assert b"".join(body).startswith(b"{"), "the bare view did not answer"
        body.close()

    def bare_and_read() -> None:
        bare()
        assert versions("bench-roundtrip") is not None, "Redis did not answer"

    client = cache._cache.get_client()

    def bare_and_ping() -> None:
        bare()
        client.ping()

    cases = {"bare view": bare, "bare view + one versions read": bare_and_read, "bare view + PING": bare_and_ping}
    best = dict.fromkeys(cases, float("inf"))
    for case in cases.values():
        for _ in range(200):
            case()
    for _ in range(ROUNDS):  # alternating rounds, the best of each: other processes only ever slow a round down
        for name, case in cases.items():
            start = time.perf_counter()
            for _ in range(REQUESTS):
                case()
            best[name] = min(best[name], (time.perf_counter() - start) / REQUESTS * 1e6)
    for name, micros in best.items():
        print(f"{name:32} {micros:7.1f} µs")
    read = best["bare view + one versions read"]
    print(f"one read: {read - best['bare view']:.1f} µs; bare / (bare + one read) = ×{best['bare view'] / read:.2f}")


if __name__ == "__main__":
    main()
