"""Benchmark of the self-check: report PDF render time (one worker) and the estimate endpoint's latency.

Run from the project root: `.venv/bin/python bench/selfcheck_pdf.py`. It uses its own SQLite database under
/tmp (migrated on the fly), renders the report of a fully filled sheet N times in this process (as the long-lived
Celery worker does), then starts gunicorn (1 sync worker) on a free port and compares
POST /api/v1/selfcheck/estimate with a bare constant-JSON view (GET /api/v1/selfcheck/ping) in the same run.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "/tmp/bench_selfcheck.sqlite3"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DATABASE_URL": f"sqlite:///{DB}",
    "DJANGO_DEBUG": "false",
}
os.environ.update(ENV)

PDF_RUNS = int(os.environ.get("BENCH_PDF_RUNS", "30"))
HTTP_RUNS = int(os.environ.get("BENCH_HTTP_RUNS", "500"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_pdf() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.tests.factories import CompanyFactory
    from selfcheck.models import Sheet
    from selfcheck.services import sheet_pdf_bytes
    from selfcheck.tests.helpers import filled_sheet

    Sheet.objects.all().delete()
    sheet = filled_sheet(CompanyFactory(name="ベンチマーク工業株式会社"))
    sheet_pdf_bytes(sheet)  # warm-up: fonts, templates
    times = []
    size = 0
    for _ in range(PDF_RUNS):
        start = time.perf_counter()
        size = len(sheet_pdf_bytes(sheet))
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"PDF render ({PDF_RUNS} runs, {size / 1024:.0f} KiB): median {median * 1000:.0f} ms, "
        f"p95 {pct(times, 95) * 1000:.0f} ms, {60 / median:.0f} reports/min for one worker"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(request_factory, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        request = request_factory()
        start = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            response.read()
        times.append(time.perf_counter() - start)
    return times


def bench_http() -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/selfcheck/ping").read()
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps(
            {
                "electricity_kwh": 120000,
                "city_gas_nm3": 8000,
                "lpg_kg": 2000,
                "gasoline_l": 3000,
                "diesel_l": 1500,
                "fiscal_year": 2026,
            }
        ).encode()

        def estimate():
            return urllib.request.Request(
                f"{base}/api/v1/selfcheck/estimate", data=body, headers={"Content-Type": "application/json"}
            )

        def ping():
            return urllib.request.Request(f"{base}/api/v1/selfcheck/ping")

        timed(estimate, 50)
        timed(ping, 50)
        est, bare = [], []
        for _ in range(HTTP_RUNS // 50):  # interleave so both see the same machine load
            est += timed(estimate, 50)
            bare += timed(ping, 50)
        m_est, m_bare = statistics.median(est), statistics.median(bare)
        print(
            f"POST /api/v1/selfcheck/estimate ({len(est)} requests): median {m_est * 1000:.2f} ms, "
            f"p95 {pct(est, 95) * 1000:.2f} ms"
        )
        print(
            f"GET  bare constant-JSON view ({len(bare)} requests): median {m_bare * 1000:.2f} ms, "
            f"p95 {pct(bare, 95) * 1000:.2f} ms"
        )
        print(f"estimate / bare = {m_est / m_bare:.2f}x")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    bench_pdf()
    bench_http()
