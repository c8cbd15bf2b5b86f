"""Render one sheet's report PDF N times in this process, as the long-lived Celery worker does; print JSON with the
median and p95 render time (wall clock, and the median CPU time of this process), the file size and this process's resident memory afterwards.

    .venv/bin/python -m bench.pdf SHEET_PK N      (run by bench/run.py)
"""

import json
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    import django

    django.setup()
    from selfcheck import selectors
    from selfcheck.services import sheet_pdf_bytes

    pk, renders = int(sys.argv[1]), int(sys.argv[2])
    sheet = selectors.sheet_get(pk=pk)
    sheet_pdf_bytes(sheet)  # the first render loads fonts and templates, as a worker's first task does
    times, cpu, size = [], [], 0
    for _ in range(renders):
        start, start_cpu = time.perf_counter(), time.process_time()
        size = len(sheet_pdf_bytes(sheet))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    ordered = sorted(times)
    print(
        json.dumps(
            {
                "median_ms": statistics.median(ordered) * 1000,
                "p95_ms": ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000,
                "cpu_median_ms": statistics.median(cpu) * 1000,
                "size_kib": size / 1024,
                "rss_mb": rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
