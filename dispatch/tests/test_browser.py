"""A hands-on case from application to final report, across the company, the desk and the expert."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from conftest import assert_accessible
from core.models import MailOutbox
from dispatch.models import Case, Deliverable, Stage

from .conftest import DESK_GROUP, make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dispatch"


def session_for(browser, live_server, user, *, width: int):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": width, "height": 900})
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def check(page, name: str) -> None:
    """axe with no serious or critical violation, nothing wider than the screen, and a screenshot to look at."""
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_handson_case_goes_from_application_to_final_report(live_server, browser, live_celery_worker):
    sme = SmeUserFactory(email="owner@example.jp")
    desk = StaffUserFactory(email="desk@example.jp")
    desk.groups.add(Group.objects.get(name=DESK_GROUP))
    expert = make_expert()

    company = session_for(browser, live_server, sme, width=390)
    company.goto(live_server.url + "/dispatch/")
    check(company, "01-programmes-390")
    company.get_by_role("link", name="ハンズオン支援を申し込む").click()
    company.get_by_label("相談したいこと・目指すこと").fill("2030年度にCO2を半減する計画をつくりたい")
    company.get_by_label("事業所・工場").fill("福岡県 本社工場")
    company.get_by_label("主な設備").fill("ボイラ、冷凍機")
    check(company, "02-apply-390")
    company.get_by_role("button", name="申し込む").click()
    company.wait_for_url("**/dispatch/cases/*/")
    check(company, "03-case-applied-390")
    case = Case.objects.get()
    assert case.stage == Stage.APPLIED

    office = session_for(browser, live_server, desk, width=1280)
    office.goto(f"{live_server.url}/admin/dispatch/case/{case.pk}/transition/")
    office.get_by_label("次の段階").select_option("interview")
    office.get_by_role("button", name="進める").click()
    office.wait_for_url(f"**/admin/dispatch/case/{case.pk}/change/")
    office.goto(f"{live_server.url}/admin/dispatch/case/{case.pk}/transition/")
    office.get_by_label("次の段階").select_option("plan_agreed")
    office.get_by_label("担当専門家").select_option(str(expert.pk))
    office.get_by_label("支援期間（開始）").fill("2027-01-01")
    office.get_by_label("支援期間（終了）").fill("2027-10-31")
    office.get_by_label("計画人日").fill("20")
    office.get_by_label("支援の目標").fill("2030年度にCO2を50%削減するロードマップ")
    office.get_by_label("スケジュール").fill("月2〜3日")
    check(office, "04-desk-transition-1280")
    office.get_by_role("button", name="進める").click()
    office.wait_for_url(f"**/admin/dispatch/case/{case.pk}/change/")
    case.refresh_from_db()
    assert case.stage == Stage.PLAN_AGREED and case.expert == expert

    worker = session_for(browser, live_server, expert.user, width=390)
    worker.goto(live_server.url + "/dispatch/expert/")
    check(worker, "05-expert-home-390")
    worker.get_by_role("link", name=f"#{case.pk} {sme.company.name}").click()
    worker.get_by_role("button", name="「キックオフ」に進める").click()
    worker.get_by_label("訪問日時（日本時間）").fill("2027-01-12T10:00")
    worker.get_by_label("人日").fill("1.0")
    worker.get_by_label("実施内容").fill("電力・LPGの請求書5年分を確認")
    worker.get_by_role("button", name="訪問を登録する").click()
    worker.get_by_label("基準年のCO2排出量（t-CO2）").fill("120.5")
    worker.get_by_label("支援後のCO2排出量（t-CO2）").fill("98.0")
    worker.get_by_label("ロードマップ").fill("2026年 LED化／2028年 ボイラ更新／2030年 -50%")
    worker.get_by_role("button", name="保存する").click()
    check(worker, "06-expert-case-390")
    worker.get_by_role("button", name="「最終報告」に進める").click()
    case.refresh_from_db()
    assert case.stage == Stage.FINAL_REPORT

    final = Deliverable.objects.get(case=case, kind=Deliverable.Kind.FINAL_REPORT)
    for _ in range(60):
        final.refresh_from_db()
        if final.status == Deliverable.Status.READY:
            break
        company.wait_for_timeout(500)
    assert final.status == Deliverable.Status.READY
    company.goto(f"{live_server.url}/dispatch/cases/{case.pk}/")
    check(company, "07-case-final-390")
    with company.expect_download() as download:
        company.get_by_role("link", name="最終報告書（PDF）").click()
    assert download.value.suggested_filename == f"final_report-{case.pk}.pdf"

    keys = list(
        MailOutbox.objects.filter(key__startswith=f"dispatch:case:{case.pk}:stage:").values_list("key", flat=True)
    )
    stages = [k.rsplit(":", 1)[1] for k in keys]
    assert sorted(stages) == sorted(["applied", "interview", "plan_agreed", "kickoff", "support", "final_report"])
    assert len(stages) == len(set(stages))
    for p in (company, office, worker):
        p.context.close()
