"""Issue 26 item 14: every admin change form with inlines (and the filter widget) passes axe at desktop width:
the 削除 checkboxes of tabular inlines are named, the filter widget's search icon is no plain span with a label."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client

from accounts.tests.factories import CompanyFactory, SmeUserFactory, SuperUserFactory, SupportInstitutionFactory
from conftest import assert_accessible
from consultations.models import ConsultationWindow, OpeningRule
from consultations.tests.factories import AdvisorAvailabilityFactory, AdvisorFactory
from matching.tests.factories import BuyerMemberFactory, ProposalFactory
from seminars.tests.factories import SeminarFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "admin"


def admins_with_inlines():
    return sorted(
        (m for m, a in admin.site._registry.items() if a.inlines or a.filter_horizontal or a.filter_vertical),
        key=lambda m: m._meta.label,
    )


def test_every_change_form_with_inlines_passes_axe(live_server, browser):
    superuser = SuperUserFactory(email="root@example.jp")
    advisor = AdvisorFactory()
    AdvisorAvailabilityFactory(advisor=advisor)
    SeminarFactory()
    CompanyFactory()
    SupportInstitutionFactory()
    SmeUserFactory()
    BuyerMemberFactory()
    ProposalFactory()
    client = Client()
    client.force_login(superuser)
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    opened = []
    for model in admins_with_inlines():
        base = f"{live_server.url}/admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj = model._default_manager.order_by("pk").first()
        urls = [f"{base}{obj.pk}/change/"] if obj is not None else []
        if admin.site._registry[model].has_add_permission(type("R", (), {"user": superuser})()):
            urls.append(f"{base}add/")
        for url in urls:
            page.goto(url)
            page.wait_for_load_state("load")
            assert page.locator("#content").count() == 1, url
            boxes = page.locator("td.delete input[type=checkbox]")
            for i in range(boxes.count()):
                assert boxes.nth(i).get_attribute("aria-label"), f"{url}: 削除 checkbox {i} without a name"
            assert_accessible(page)
            page.screenshot(path=str(SHOTS / f"{model._meta.label_lower}-{url.rstrip('/').rsplit('/', 1)[1]}.png"))
            opened.append(url)
    print(f"{len(opened)} admin forms checked with axe")
    assert any("/consultations/consultationwindow/" in u for u in opened)
    assert any("/consultations/advisor/" in u and "change" in u for u in opened)
    assert any("/seminars/seminar/" in u and "change" in u for u in opened)
    context.close()


def test_a_row_added_with_the_add_link_has_a_remove_button_named_after_its_row(live_server, browser):
    superuser = SuperUserFactory(email="root@example.jp")
    window, _ = ConsultationWindow.objects.update_or_create(code="hq", defaults={"name": "本部（オンライン）"})
    window.rules.all().delete()
    OpeningRule.objects.create(window=window, weekday=1, start=dt.time(9), end=dt.time(17))
    client = Client()
    client.force_login(superuser)
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/admin/consultations/consultationwindow/{window.pk}/change/")
    page.wait_for_load_state("load")
    rules = page.locator("#rules-group")
    assert rules.locator("td.delete input[type=checkbox]").get_attribute("aria-label").endswith("を削除")

    rules.locator("a.addlink").click()  # 「…の追加」: the saved rule is row 1, the new one row 2
    added = rules.locator("tr.dynamic-rules").last.locator("a.inline-deletelink")
    assert added.get_attribute("aria-label") == "2行目を削除"
    assert rules.get_by_role("button", name="2行目を削除", exact=True).count() == 1
    assert page.get_by_role("button", name="削除", exact=True).count() == 0  # no generic name left on the page

    rules.locator("a.addlink").click()
    assert rules.get_by_role("button", name="3行目を削除", exact=True).count() == 1
    rules.get_by_role("button", name="2行目を削除", exact=True).click()  # the row after it is renumbered
    assert rules.locator("a.inline-deletelink").count() == 1
    assert rules.locator("a.inline-deletelink").get_attribute("aria-label") == "2行目を削除"
    assert_accessible(page)
    context.close()
