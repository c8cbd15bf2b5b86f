"""Issue 26 item 15: the audit list shows a label for every value (no raw dict, no 「… object (6)」, no
「Deleted 企業 (pk=None)」), every model names itself, and the list does not scroll sideways on a phone."""

import datetime as dt
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from simple_history.models import DeletedObject

from accounts.models import Company
from accounts.tests.factories import CompanyFactory, SmeUserFactory, SuperUserFactory, UserFactory
from conftest import assert_accessible
from consultations.models import Closure
from core.audit import audit_entries, readable_value
from selfcheck import services as selfcheck_services
from selfcheck.models import Sheet
from selfcheck.tests.helpers import filled_sheet

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "admin"
RAW = ("object (", "Deleted ", "pk=None", "{'", "': True")


def project_models():
    base = str(settings.BASE_DIR)
    for model in apps.get_models():
        path = sys.modules[model.__module__].__file__ or ""
        if path.startswith(base) and "/.venv/" not in path and not model.__name__.startswith("Historical"):
            yield model


def test_every_model_of_the_project_names_itself():
    unnamed = [m._meta.label for m in project_models() if m.__str__ is models.Model.__str__]
    assert not unnamed, unnamed


def test_stored_values_read_as_labels():
    assert readable_value(Company, "name", DeletedObject(Company, None)) == "—"
    assert readable_value(Company, "name", DeletedObject(Company, 7)) == "企業（削除済み・#7）"
    shown = readable_value(Sheet, "awareness", {"peer_cases": True, "customer_asked": False})
    assert (
        shown == "他の中小企業の取り組み事例を調べたことがある：はい、取引先からCO2排出量を求められたことがある：いいえ"
    )
    assert readable_value(Sheet, "measures", {"kaeru_led": "planned"}) == "LED照明への更新：予定あり"
    assert readable_value(Sheet, "awareness", {}) == "—"
    assert readable_value(Sheet, "monthly", {"electricity_kwh": {"4": "1200"}}).startswith("電気")


def _changes_worth_reading():
    """A closure, a self-check's answers changed, and a user given a company (the old value: no company)."""
    Closure.objects.create(date=dt.date(2026, 12, 29), reason="年末年始")
    sheet = filled_sheet(CompanyFactory(name="監査テスト工業"), fiscal_year=2026)
    selfcheck_services.sheet_save_step2(
        sheet=sheet, measures={"kaeru_led": "done"}, awareness={"customer_asked": True, "peer_cases": True}
    )
    user = UserFactory(email="later@example.jp")
    user.company = CompanyFactory(name="あとから登録株式会社")
    user.save()
    SmeUserFactory()


@pytest.mark.django_db
def test_the_audit_list_has_no_raw_value():
    _changes_worth_reading()
    text = " ".join(
        f"{e.object_label} {c.field} {c.old} {c.new}"
        for e in audit_entries(limit=200)
        for c in e.changes or [None]
        if c
    ) + " ".join(e.object_label for e in audit_entries(limit=200))
    for raw in RAW:
        assert raw not in text, raw
    assert "2026-12-29 すべての窓口（年末年始）" in text
    assert "他の中小企業の取り組み事例を調べたことがある：はい" in text
    assert "あとから登録株式会社" in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_audit_list_reads_at_1280_and_does_not_scroll_sideways_at_390(live_server, browser):
    _changes_worth_reading()
    root = SuperUserFactory(email="root@example.jp")
    client = Client()
    client.force_login(root)
    for width in (1280, 390):
        context = browser.new_context(
            locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": width, "height": 900}
        )
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/audit/")
        body = page.locator("#audit-log").inner_text()
        for raw in RAW:
            assert raw not in body, raw
        assert_accessible(page)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"/admin/audit/ scrolls sideways by {wide}px at {width}px"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"audit-{width}.png"), full_page=True)
        context.close()
