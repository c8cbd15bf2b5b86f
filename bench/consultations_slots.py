"""Slots API under gunicorn against PostgreSQL, next to a bare Django view returning constant JSON (same run).

Seeds 20 advisors, the 6 windows and 5,000 bookings into a throw-away database `bench_consultations`,
starts gunicorn on a free port and reports median / p95 latency and throughput of both endpoints:
    .venv/bin/python bench/consultations_slots.py
Environment: DATABASE_URL (server to use, default postgres://postgres@127.0.0.1:5432/postgres),
BENCH_REQUESTS (per endpoint, default 1500), BENCH_CONCURRENCY (default 8), BENCH_WORKERS (default 4).
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "bench_consultations"
server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
parsed = urlparse(server)
BENCH_URL = parsed._replace(path="/" + DB_NAME).geturl()
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))

# A settings module and URLconf that add the constant-JSON baseline view without touching the project's URLs.
SHIM = Path(tempfile.mkdtemp(prefix="bench-consultations-"))
(SHIM / "bench_cons_settings.py").write_text(
    "from config.settings.test import *  # noqa\n"
    "DATABASES = {'default': env.db('DATABASE_URL')}\n"
    "ROOT_URLCONF = 'bench_cons_urls'\n"
    "ALLOWED_HOSTS = ['*']\n"
    "LOGGING = {'version': 1, 'disable_existing_loggers': True}\n"
)
(SHIM / "bench_cons_urls.py").write_text(
    "from django.http import JsonResponse\n"
    "from django.urls import path\n"
    "from config.urls import urlpatterns as project\n"
    "def constant(request):\n"
    "    return JsonResponse({'status': 'ok', 'items': [1, 2, 3]})\n"
    "urlpatterns = [path('bench/constant', constant)] + project\n"
)
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench_cons_settings",
    "DATABASE_URL": BENCH_URL,
    "PYTHONPATH": f"{SHIM}:{ROOT}",
}


def recreate_database() -> None:
    import psycopg2

    conn = psycopg2.connect(server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {DB_NAME}")
    conn.close()


SEED = r"""
import datetime as dt, random
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.models import Company
from consultations.models import Advisor, AdvisorAvailability, Booking, ConsultationWindow
from consultations.services import JST, window_slots
from django.utils import timezone
random.seed(7)
windows = list(ConsultationWindow.objects.all())
regional = [w for w in windows if w.code != "hq"]
hq = next(w for w in windows if w.code == "hq")
advisors = []
for i in range(20):
    a = Advisor.objects.create(name=f"ベンチ専門家{i}", email=f"adv{i}@example.jp", expertise="省エネ")
    a.windows.set([hq, regional[i % len(regional)]])
    for wd in (1, 3):
        AdvisorAvailability.objects.create(advisor=a, weekday=wd, start=dt.time(9), end=dt.time(17))
    advisors.append(a)
companies = Company.objects.bulk_create([
    Company(name=f"ベンチ{i}", prefecture="aichi", industry="manufacturing", revenue_band="le_500m", employee_band="le_20")
    for i in range(500)
])
today = timezone.localdate()
start_day = today - dt.timedelta(weeks=10)
rows, day = [], start_day
while len(rows) < 5000:
    if day.weekday() in (1, 3):
        for hour in range(9, 17):
            for a in advisors:
                if len(rows) >= 5000:
                    break
                s = dt.datetime.combine(day, dt.time(hour), tzinfo=JST)
                # Round-robin over 500 companies: the 20 bookings of one hour belong to 20 different companies,
                # as the company exclusion constraint demands.
                rows.append(Booking(
                    company=companies[len(rows) % len(companies)], window=hq, advisor=a, start=s, end=s + dt.timedelta(hours=1),
                    mode="online", topics=["subsidy"], question="bench", meeting_tool="zoom",
                    status=random.choice(["requested", "confirmed", "done", "cancelled"]) if s.date() >= today else "done",
                ))
    day += dt.timedelta(days=1)
Booking.objects.bulk_create(rows, batch_size=1000)
print(f"seeded {Advisor.objects.count()} advisors, {ConsultationWindow.objects.count()} windows, {Booking.objects.count()} bookings (up to {day})")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str) -> tuple[list[float], float, int]:
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_thread = REQUESTS // CONCURRENCY

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = []
        for _ in range(per_thread):
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local.append(time.perf_counter() - t0)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            samples.extend(local)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, time.perf_counter() - t0, errors[0]


def report(name: str, samples: list[float], elapsed: float, errors: int) -> dict:
    ordered = sorted(samples)
    result = {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "rps": len(ordered) / elapsed,
    }
    print(
        f"{name:<28} n={len(ordered):5d} errors={errors}  median {result['median_ms']:7.2f} ms  "
        f"p95 {result['p95_ms']:7.2f} ms  throughput {result['rps']:8.1f} req/s"
    )
    return result


def main() -> None:
    recreate_database()
    subprocess.run([sys.executable, "-c", SEED], env=ENV, cwd=ROOT, check=True)
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS), "--log-level", "warning"],
        env=ENV,
        cwd=ROOT,
    )
    try:
        import datetime as dt

        today = dt.date.today()
        slots = (
            f"/api/v1/consultations/slots?window=hq&date_from={today.isoformat()}"
            f"&date_to={(today + dt.timedelta(days=56)).isoformat()}"
        )
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/bench/constant")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        # Warm-up both endpoints in every worker.
        load(port, "/bench/constant")
        load(port, slots)
        print(f"gunicorn workers={WORKERS} concurrency={CONCURRENCY} requests/endpoint={REQUESTS}")
        base = report("constant JSON view", *load(port, "/bench/constant"))
        api = report("slots API (8 weeks, hq)", *load(port, slots))
        print(
            f"ratio slots/constant: median x{api['median_ms'] / base['median_ms']:.1f}, "
            f"p95 x{api['p95_ms'] / base['p95_ms']:.1f}, throughput x{api['rps'] / base['rps']:.2f}"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
