"""`make bench`: every performance goal of the portal in one run, as one table of ratios.

The reference is a bare Django view returning constant JSON (bench/urls.py), served by the same gunicorn, through
the same middleware, measured in the same run right next to each endpoint. Load comes from wrk (C, so the load
generator does not eat the CPU the server needs); latency figures are wrk's percentiles.

    .venv/bin/python -m bench.run                      # the sizes of issue 15
    .venv/bin/python -m bench.run --scale 10           # ten times the data
    .venv/bin/python -m bench.run --bookings 50000 --measures 20000 --duration 10

It recreates the PostgreSQL database `bench_cnportal` (BENCH_DB_NAME), uses the shared Redis under the key prefix
`bench-bench_cnportal` (removed at start) and leaves the tests' databases alone. DATABASE_URL and REDIS_URL
point it at other servers. No test asserts a time; this is where times are looked at.
"""

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
sys.path.insert(0, str(ROOT))
LUA = Path(__file__).with_name("report.lua")
ESTIMATE_BODY = json.dumps(
    {
        "electricity_kwh": 120000,
        "city_gas_nm3": 8000,
        "lpg_kg": 2000,
        "gasoline_l": 3000,
        "diesel_l": 1500,
        "fiscal_year": 2026,
    }
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="multiply every data size by this factor")
    parser.add_argument("--advisors", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--measures", type=int, default=5000, help="catalogue size of the large finder run")
    parser.add_argument("--seminars", type=int, default=100, help="upcoming seminars")
    parser.add_argument("--pdf-renders", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections for throughput")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run (each figure: best of 3)")
    parser.add_argument("--parts", default="", help=f"comma-separated subset of {','.join(PARTS)} (default: all)")
    args = parser.parse_args()
    for name in ("advisors", "bookings", "measures", "seminars"):
        setattr(args, name, getattr(args, name) * args.scale)
    return args


# --- database and cache ------------------------------------------------------------------------------------------


def _admin_connection():
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    conn.autocommit = True
    return conn


def recreate_database(name: str, *, template: str = "") -> None:
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    conn.close()


def drop_database(name: str) -> None:
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def forget_cache() -> None:
    """Remove this benchmark's keys only (the Redis server is shared)."""
    import redis
    from django.conf import settings

    cache = settings.CACHES["default"]
    client = redis.Redis.from_url(cache["LOCATION"])
    for prefix in (cache["KEY_PREFIX"], f"bench-{small_db_name()}"):
        for key in client.scan_iter(f"{prefix}:*", count=1000):
            client.delete(key)


def small_db_name() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["NAME"] + "_small"


# --- server and load ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers: int, *, db_name: str = "") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if db_name:
            self.env["BENCH_DB_NAME"] = db_name
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(workers), "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.base}/bench/constant", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def check(self, path: str, body: str = "", etag: str = "") -> str:
        """Fail loudly unless the endpoint answers 200, or 304 to `etag` (a benchmark of error pages would be
        worthless); its ETag."""
        request = urllib.request.Request(self.base + path, data=body.encode() or None)
        if body:
            request.add_header("Content-Type", "application/json")
        if etag:
            request.add_header("If-None-Match", etag)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200 and not etag, (path, response.status)
                return response.headers.get("ETag", "")
        except urllib.error.HTTPError as answer:  # urllib raises on 304
            assert answer.code == 304 and etag, (path, answer.code)
            return etag

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def wrk(server: Server, path: str, *, connections: int, duration: int, body: str = "", etag: str = "") -> dict:
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA)]
        + [server.base + path],
        capture_output=True,
        text=True,
        env={**os.environ, "WRK_BODY": body, "WRK_ETAG": etag},
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    data = json.loads(line[4:])
    if data["errors"] or data["non2xx"]:
        raise RuntimeError(f"{path}: {data['errors']} socket errors, {data['non2xx']} non-2xx answers")
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "requests": data["requests"],
    }


BARE = "/bench/constant"
ROUNDS = 3


def best(runs: list[dict]) -> dict:
    """The least disturbed of several runs: other processes on a shared machine only ever slow a run down."""
    return {
        "rps": max(r["rps"] for r in runs),
        "p50_ms": min(r["p50_ms"] for r in runs),
        "p95_ms": min(r["p95_ms"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
    }


def paired(
    server: Server, path: str, *, connections: int, duration: int, body: str = "", conditional: bool = False
) -> tuple[dict, dict]:
    """The endpoint and the bare view in alternating rounds (after a warm-up of both), so that both see the same
    machine load; each figure is the best of its rounds. `conditional`: each round sends the ETag of a GET made
    just before it as If-None-Match (answered 304; the slots' ETag changes at most once a minute)."""
    etag = server.check(path, body)
    if conditional:
        server.check(path, etag=etag)
    wrk(server, BARE, connections=connections, duration=1)
    wrk(server, path, connections=connections, duration=2, body=body, etag=etag if conditional else "")
    bare, measured = [], []
    for _ in range(ROUNDS):
        bare.append(wrk(server, BARE, connections=connections, duration=duration))
        etag = server.check(path, body) if conditional else ""
        measured.append(wrk(server, path, connections=connections, duration=duration, body=body, etag=etag))
    return best(measured), best(bare)


def query_count(server: Server, path: str) -> int:
    """Queries of one request (after a first one), counted in a process on the server's database."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.queries", path], cwd=ROOT, env=server.env, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    return int(out.strip().splitlines()[-1])


# --- PDF ---------------------------------------------------------------------------------------------------------


def pdf_figures(sheet_pk: int, renders: int) -> dict:
    """Render the report `renders` times in one fresh long-lived process (as the Celery worker does)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.pdf", str(sheet_pk), str(renders)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- table -------------------------------------------------------------------------------------------------------


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, bool]] = []

    def add(self, what: str, measured: str, reference: str, ratio: float | None, goal: str, ok: bool) -> None:
        self.rows.append((what, measured, reference, "" if ratio is None else f"×{ratio:.2f}", goal, ok))

    def print(self, header: str) -> None:
        titles = ("endpoint / figure", "measured", "reference (same run)", "ratio", "goal", "")
        rows = [titles] + [(*r[:5], "ok" if r[5] else "MISSED") for r in self.rows]
        widths = [max(_width(row[i]) for row in rows) for i in range(6)]
        print(header)
        for n, row in enumerate(rows):
            print("| " + " | ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)) + " |")
            if n == 0:
                print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        missed = sum(1 for r in self.rows if not r[5])
        print(f"{len(self.rows) - missed} of {len(self.rows)} goals met" + (f", {missed} missed" if missed else ""))


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def rps(x: dict) -> str:
    return f"{x['rps']:.0f} req/s"


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


PARTS = ("slots", "pages", "estimate", "finder", "pdf")


def part_slots(table: Table, server: Server, args) -> None:
    c, d = args.connections, args.duration
    today = dt.date.today()
    path = (
        f"/api/v1/consultations/slots?window=hq&date_from={today.isoformat()}"
        f"&date_to={(today + dt.timedelta(days=56)).isoformat()}"
    )
    slots, bare = paired(server, path, connections=c, duration=d)
    table.add("bare constant-JSON view", f"{rps(bare)}, p95 {bare['p95_ms']:.1f} ms", "", None, "reference", True)
    ratio = slots["rps"] / bare["rps"]
    table.add(f"slots API throughput ({c} conn., 8 weeks)", rps(slots), rps(bare), ratio, "≥ ×0.5", ratio >= 0.5)
    ratio = slots["p95_ms"] / bare["p95_ms"]
    table.add("slots API p95", f"{slots['p95_ms']:.1f} ms", f"{bare['p95_ms']:.1f} ms", ratio, "≤ ×3", ratio <= 3)
    not_modified, bare = paired(server, path, connections=c, duration=d, conditional=True)
    ratio = not_modified["rps"] / bare["rps"]
    table.add("slots API conditional GET, 304", rps(not_modified), rps(bare), ratio, "≥ ×0.8", ratio >= 0.8)


def part_pages(table: Table, server: Server, args) -> None:
    for name, path, goal in (
        ("consultation calendar page (hq)", "/consultations/w/hq/", 0.4),
        ("home page (anonymous)", "/", 0.5),
        ("seminar list (anonymous)", "/seminars/", 0.5),
    ):
        page, bare = paired(server, path, connections=args.connections, duration=args.duration)
        ratio = page["rps"] / bare["rps"]
        table.add(f"{name} throughput", rps(page), rps(bare), ratio, f"≥ ×{goal}", ratio >= goal)


def part_estimate(table: Table, server: Server, args) -> None:
    path = "/api/v1/selfcheck/estimate"
    est, bare = paired(server, path, connections=1, duration=args.duration, body=ESTIMATE_BODY)
    ratio = est["p50_ms"] / bare["p50_ms"]
    table.add("self-check estimate API median (1 conn.)", f"{est['p50_ms']:.2f} ms", f"{bare['p50_ms']:.2f} ms",
              ratio, "≤ ×2", ratio <= 2)  # fmt: skip


def part_finder(table: Table, server: Server, args, small_server: Server, small_measures: int) -> None:
    """The same finder requests on the grown catalogue and on a copy of the database made before it grew, served
    side by side and measured in alternating rounds."""
    d = args.duration
    finder = (
        ("subsidy finder page", "/subsidies/?employees=12&investment=10000000"),
        ("subsidies API", "/api/v1/subsidies?employees=12"),
    )
    for label, path in finder:
        for each in (server, small_server):
            each.check(path)
            wrk(each, path, connections=1, duration=2)
        small, large = [], []
        for _ in range(ROUNDS):
            small.append(wrk(small_server, path, connections=1, duration=d))
            large.append(wrk(server, path, connections=1, duration=d))
        small_ms, large_ms = best(small)["p50_ms"], best(large)["p50_ms"]
        ratio = large_ms / small_ms
        table.add(f"{label} median, {args.measures:,} measures (1 conn.)", f"{large_ms:.2f} ms",
                  f"{small_ms:.2f} ms at {small_measures}", ratio, "≤ ×2", ratio <= 2)  # fmt: skip
        queries, small_queries = query_count(server, path), query_count(small_server, path)
        table.add(f"{label} queries, {args.measures:,} measures", str(queries), f"{small_queries} at {small_measures}",
                  None, "constant", queries == small_queries)  # fmt: skip
    path = finder[1][1]
    found, bare = paired(server, path, connections=args.connections, duration=d)
    ratio = found["rps"] / bare["rps"]
    table.add(f"subsidies API throughput, {args.measures:,} measures", rps(found), rps(bare), ratio, "≥ ×0.2",
              ratio >= 0.2)  # fmt: skip


def part_pdf(table: Table, sheet_pk: int, args) -> None:
    log(f"rendering the report PDF {args.pdf_renders} times in one process")
    pdf = pdf_figures(sheet_pk, args.pdf_renders)
    n = args.pdf_renders
    table.add(f"PDF report median ({n} renders)", f"{pdf['median_ms']:.0f} ms",
              f"CPU {pdf['cpu_median_ms']:.0f} ms", None, "≤ 500 ms", pdf["median_ms"] <= 500)  # fmt: skip
    table.add("PDF report p95", f"{pdf['p95_ms']:.0f} ms", "", None, "≤ 1000 ms", pdf["p95_ms"] <= 1000)
    table.add("PDF report size", f"{pdf['size_kib']:.0f} KiB", "", None, "≤ 150 KiB", pdf["size_kib"] <= 150)
    table.add(f"worker RSS after {n} renders", f"{pdf['rss_mb']:.0f} MB", "", None, "≤ 300 MB", pdf["rss_mb"] <= 300)


def main() -> None:
    args = parse_args()
    parts = set(args.parts.split(",")) if args.parts else set(PARTS)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (scripts/sysdeps.sh installs it)")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench import seed
    from subsidies.models import Measure

    name = settings.DATABASES["default"]["NAME"]
    log(f"recreating database {name}")
    recreate_database(name)
    forget_cache()
    call_command("migrate", verbosity=0)
    log("seeded " + seed.consultations(advisors=args.advisors, bookings=args.bookings))
    log("seeded " + seed.seminars(count=args.seminars))
    seed.analyze("consultations_booking", "accounts_company", "seminars_seminar")
    sheet_pk = seed.report_sheet() if "pdf" in parts else 0
    small_measures = Measure.objects.count()
    if "finder" in parts:
        connection.close()
        recreate_database(small_db_name(), template=name)
        log(f"copied the {small_measures}-measure catalogue to {small_db_name()}")
        log("seeded " + seed.measures(total=args.measures))

    table = Table()
    server = Server(args.workers)
    small_server = Server(args.workers, db_name=small_db_name()) if "finder" in parts else None
    try:
        log(f"gunicorn {args.workers} workers on :{server.port}; wrk {args.connections} connections, "
            f"{args.duration} s per run, best of {ROUNDS}")  # fmt: skip
        for part in ("slots", "pages", "estimate"):
            if part in parts:
                globals()[f"part_{part}"](table, server, args)
        if small_server:
            part_finder(table, server, args, small_server, small_measures)
    finally:
        server.stop()
        if small_server:
            small_server.stop()
            drop_database(small_db_name())
    if "pdf" in parts:
        part_pdf(table, sheet_pk, args)
    forget_cache()
    table.print(
        f"make bench, {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} on {machine()}; "
        f"PostgreSQL + Redis, gunicorn {args.workers} sync workers; {args.advisors} advisors, 6 windows, "
        f"{args.bookings:,} bookings, {args.seminars} upcoming seminars, {args.measures:,} measures"
    )


if __name__ == "__main__":
    main()
