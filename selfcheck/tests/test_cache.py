"""The factor set the estimate API keeps in Redis is retired by every change to factor sets, factors and the
self-check settings, in this process and in every other at their next call."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selfcheck import services
from selfcheck.api import EstimateOut
from selfcheck.models import Factor, FactorSet, SelfcheckSettings

pytestmark = pytest.mark.django_db
BODY = {"electricity_kwh": 100000, "gasoline_l": 1000, "fiscal_year": 2026}


def estimate(client, **extra):
    body = json.dumps({**BODY, **extra})
    return client.post("/api/v1/selfcheck/estimate", body, content_type="application/json")


def first_set() -> FactorSet:
    return FactorSet.objects.get(fiscal_year=2026, version=1)


def test_the_estimate_is_in_the_declared_schema_and_costs_no_query_once_cached(client):
    data = estimate(client).json()
    assert EstimateOut.model_validate(data).model_dump() == data
    with CaptureQueriesContext(connection) as queries:
        assert estimate(client).json() == data
    assert len(queries.captured_queries) == 0


def test_a_new_version_of_the_set_is_used_by_the_next_estimate(client):
    assert estimate(client).json()["scope2_t"] == 42.3
    old = first_set()
    row = old.factors.get(source="electricity_kwh")
    services.factor_set_new_version(
        base=old,
        user=None,
        **{k: getattr(old, k) for k in ("name", "source", "publication", "url", "note")},
        factors={"electricity_kwh": {"t_per_unit": Decimal("0.0005"), "source_text": row.source_text,
                                     "publication": "改訂", "note": ""}},
    )  # fmt: skip
    data = estimate(client).json()
    assert data["scope2_t"] == 50.0 and data["factor_set"]["version"] == 2


def test_editing_a_factor_row_changes_the_next_estimate(client):
    assert estimate(client).json()["scope2_t"] == 42.3
    factor = first_set().factors.get(source="electricity_kwh")
    factor.t_per_unit = Decimal("0.000500")
    factor.save()
    assert estimate(client).json()["scope2_t"] == 50.0


def year_2030_set() -> FactorSet:
    base = first_set()
    new = FactorSet.objects.create(name="2030年度の係数", fiscal_year=2030, source="テスト", url="https://example.jp/")
    for f in base.factors.all():
        Factor.objects.create(factor_set=new, source=f.source, unit=f.unit, t_per_unit=f.t_per_unit, scope=f.scope)
    return new


def test_a_set_for_a_new_fiscal_year_is_used_at_once_and_its_deletion_too(client):
    assert estimate(client, fiscal_year=2030).status_code == 400  # no 2030 set: refused, and nothing cached
    new = year_2030_set()
    assert estimate(client, fiscal_year=2030).json()["factor_set"]["name"] == "2030年度の係数"
    new.delete()
    assert estimate(client, fiscal_year=2030).status_code == 400


def test_renaming_the_set_shows_in_the_next_estimate(client):
    estimate(client)
    factor_set = first_set()
    factor_set.name = "改称した係数セット"
    factor_set.save()
    assert estimate(client).json()["factor_set"]["name"] == "改称した係数セット"


def test_the_yen_per_euro_rate_change_applies_to_the_next_sbt_check(client):
    payload = {"scope1_2_t": 100, "employees": 300, "revenue_yen": 5_000_000_000, "total_assets_yen": 1_000_000_000}

    def check() -> dict:
        response = client.post("/api/v1/selfcheck/sbt-sme", json.dumps(payload), content_type="application/json")
        return response.json()

    assert check()["jpy_per_eur"] == 184.0
    row = SelfcheckSettings.objects.get()
    row.jpy_per_eur = Decimal(150)
    row.save()
    assert check()["jpy_per_eur"] == 150.0


READER = r"""
import json, sys
import django
django.setup()
from selfcheck import selectors
for line in sys.stdin:
    factor_set, factors = selectors.factors_cached(fiscal_year=2026)
    print(json.dumps(str(factors["electricity_kwh"].t_per_unit)), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_another_process_uses_a_changed_factor_at_its_next_call():
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "TEST_DB_NAME": db["NAME"],
        "PYTHONPATH": str(Path(settings.BASE_DIR)),
    }
    # The child names its cache prefix from TEST_DB_NAME (the worker's own database) alone.
    env.pop("PYTEST_XDIST_WORKER", None)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )

    def ask() -> str:
        reader.stdin.write("?\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        assert Decimal(ask()) == Decimal("0.000423")
        factor = first_set().factors.get(source="electricity_kwh")
        factor.t_per_unit = Decimal("0.000450")
        factor.save()
        assert Decimal(ask()) == Decimal("0.000450")
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
