"""The factor set the estimate API keeps per process is retired by every change to factor sets, factors and the
self-check settings, in this process at once and in the others within FACTORS_MAX_AGE."""

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selfcheck import selectors
from selfcheck.api import EstimateOut
from selfcheck.models import Factor, FactorSet, SelfcheckSettings

pytestmark = pytest.mark.django_db
BODY = {"electricity_kwh": 100000, "gasoline_l": 1000}


def estimate(client, **extra) -> dict:
    response = client.post("/api/v1/selfcheck/estimate", json.dumps({**BODY, **extra}), content_type="application/json")
    assert response.status_code == 200
    return response.json()


def test_the_estimate_is_in_the_declared_schema_and_costs_no_query_once_cached(client):
    data = estimate(client)
    assert EstimateOut.model_validate(data).model_dump() == data
    with CaptureQueriesContext(connection) as queries:
        assert estimate(client) == data
    assert len(queries.captured_queries) == 0


def test_editing_a_factor_changes_the_next_estimate(client):
    assert estimate(client)["scope2_t"] == 42.3
    factor = Factor.objects.get(factor_set__is_default=True, source="electricity_kwh")
    factor.t_per_unit = Decimal("0.000500")
    factor.save()
    assert estimate(client)["scope2_t"] == 50.0


def year_2030_set() -> FactorSet:
    new = FactorSet.objects.create(name="2030年度の係数", fiscal_year=2030, source="テスト", url="https://example.jp/")
    Factor.objects.create(factor_set=new, source="electricity_kwh", unit="kWh", t_per_unit=Decimal("0.0004"), scope=2)
    Factor.objects.create(factor_set=new, source="gasoline_l", unit="kL", t_per_unit=Decimal("2.29"), scope=1)
    return new


def test_a_new_set_for_a_fiscal_year_and_a_new_default_are_used_at_once(client):
    assert estimate(client, fiscal_year=2030)["factor_set"]["fiscal_year"] == 2026  # no 2030 set: the default
    new = year_2030_set()
    data = estimate(client, fiscal_year=2030)
    assert data["factor_set"]["name"] == "2030年度の係数" and data["scope2_t"] == 40.0
    FactorSet.objects.filter(is_default=True).update(is_default=False)  # update() sends no signal …
    new.is_default = True
    new.save()  # … the save does
    assert estimate(client)["factor_set"]["name"] == "2030年度の係数"


def test_deleting_a_set_falls_back_to_the_default_at_once(client):
    new = year_2030_set()
    assert estimate(client, fiscal_year=2030)["factor_set"]["fiscal_year"] == 2030
    new.delete()
    assert estimate(client, fiscal_year=2030)["factor_set"]["fiscal_year"] == 2026


def test_renaming_the_set_shows_in_the_next_estimate(client):
    estimate(client)
    FactorSet.objects.filter(is_default=True).update(name="改称した係数セット")
    FactorSet.objects.get(is_default=True).save()
    assert estimate(client)["factor_set"]["name"] == "改称した係数セット"


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
    factor_set, factors = selectors.factors_cached()
    print(json.dumps(str(factors["electricity_kwh"].t_per_unit)), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_another_process_uses_a_changed_factor_within_the_max_age():
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "TEST_DB_NAME": db["NAME"],
        "PYTHONPATH": str(Path(settings.BASE_DIR)),
    }
    reader = subprocess.Popen(
        [sys.executable, "-c", READER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )

    def ask() -> str:
        reader.stdin.write("?\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        assert Decimal(ask()) == Decimal("0.000423")
        factor = Factor.objects.get(factor_set__is_default=True, source="electricity_kwh")
        factor.t_per_unit = Decimal("0.000450")
        factor.save()
        time.sleep(selectors.FACTORS_MAX_AGE + 0.05)
        assert Decimal(ask()) == Decimal("0.000450")
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
