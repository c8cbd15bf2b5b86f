"""Print how many database queries one GET of PATH runs (after a first GET), on BENCH_DB_NAME (run by bench/run.py).

BENCH_DB_NAME=bench_cnportal .venv/bin/python -m bench.queries "/subsidies/?employees=12"
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(sys.argv[1])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(sys.argv[1])
    assert response.status_code == 200, response.status_code
    print(len(queries.captured_queries))


if __name__ == "__main__":
    main()
