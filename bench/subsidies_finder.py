"""Finder and API latency for a small and a large catalogue, against a bare JSON view measured in the same run.

Run: .venv/bin/python bench/subsidies_finder.py  (uses a throw-away SQLite database in /tmp, no server needed).
"""

import os
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DB = "/tmp/bench_subsidies.sqlite3"
if os.path.exists(DB):
    os.remove(DB)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"

import django  # noqa: E402

django.setup()

from datetime import date, timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)

from subsidies.models import ApplicationRound, Measure, Track, TrackCap  # noqa: E402

urls = types.ModuleType("bench_subsidies_urls")
urls.urlpatterns = [
    path("baseline/", lambda request: JsonResponse({"ok": True})),
    path("", include("config.urls")),
]
sys.modules["bench_subsidies_urls"] = urls


def grow(total: int) -> None:
    now = timezone.now()
    for i in range(Measure.objects.count(), total):
        m = Measure.objects.create(
            name=f"ベンチ用補助金{i}",
            kind="subsidy",
            administering_body="ベンチ省",
            step=["know", "measure", "reduce", "supply_chain"][i % 4],
            description="省エネ設備の更新を支援します。",
            source_url="https://example.jp/",
            last_checked=date(2026, 11, 1),
        )
        for t in range(3):
            track = Track.objects.create(measure=m, name=f"枠{t}", rate_numerator=1, rate_denominator=2)
            TrackCap.objects.create(track=track, min_employees=0, max_employees=20, max_amount_yen=10_000_000)
            TrackCap.objects.create(track=track, min_employees=21, max_amount_yen=20_000_000)
        ApplicationRound.objects.create(
            measure=m,
            name="第1回",
            acceptance_start_datetime=now - timedelta(days=i % 30),
            acceptance_end_datetime=now + timedelta(days=1 + i % 60),
        )


def timed(client: Client, url: str, n: int = 60) -> tuple[float, int]:
    for _ in range(5):
        client.get(url)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(samples) * 1000, len(queries.captured_queries)


with override_settings(ROOT_URLCONF="bench_subsidies_urls", ALLOWED_HOSTS=["*"], DEBUG=False):
    client = Client()
    rows = []
    for size in (Measure.objects.count(), 100, 500):
        grow(size)
        base, _ = timed(client, "/baseline/")
        page, page_q = timed(client, "/subsidies/?employees=12&investment=10000000")
        api, api_q = timed(client, "/api/v1/subsidies?employees=12")
        rows.append((Measure.objects.count(), base, page, page_q, api, api_q))

print(
    f"{'measures':>8} {'baseline ms':>11} {'finder ms':>9} {'x base':>7} {'queries':>7} {'API ms':>7} {'x base':>7} {'queries':>7}"
)
for count, base, page, page_q, api, api_q in rows:
    print(
        f"{count:>8} {base:>11.2f} {page:>9.2f} {page / base:>7.1f} {page_q:>7} {api:>7.2f} {api / base:>7.1f} {api_q:>7}"
    )
