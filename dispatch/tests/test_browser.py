"""A hands-on case from application to final report, across the company, the desk and the expert."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from conftest import check_page
from core.jst import jst_today
from core.models import MailOutbox
from dispatch.models import Case, Deliverable, Stage

from .conftest import DESK_GROUP, make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dispatch"
# A period that began a month ago, so that the visits of the day are in the past and count as done.
TODAY = jst_today()
PERIOD_START = TODAY - dt.timedelta(days=30)
PERIOD_END = TODAY + dt.timedelta(days=200)
VISIT_DAY = TODAY - dt.timedelta(days=7)


def session_for(browser, live_server, user, *, width: int):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": width, "height": 900})
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def check(page, name: str) -> None:
    """axe with no serious or critical violation at the page's width, nothing wider than a 390 px phone (portal
    pages), and a screenshot to look at."""
    check_page(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if "/admin/" not in page.url and page.viewport_size["width"] != 390:
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / f"{name.removesuffix('-1280')}-390.png"), full_page=True)
        page.set_viewport_size(size)


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
    office.goto(f"{live_server.url}/dispatch/cases/{case.pk}/")
    office.locator("#move-interview").get_by_role("button", name="「訪問調査・インタビュー」に進める").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    plan = office.locator("#move-plan_agreed")
    plan.get_by_label("担当専門家").select_option(str(expert.pk))
    plan.get_by_label("支援期間（開始）").fill(PERIOD_START.isoformat())
    plan.get_by_label("支援期間（終了）").fill(PERIOD_END.isoformat())
    plan.get_by_label("計画人日").fill("20")
    plan.get_by_label("支援の目標").fill("2030年度にCO2を50%削減するロードマップ")
    plan.get_by_label("スケジュール").fill("月2〜3日")
    check(office, "04-desk-plan-1280")
    plan.get_by_role("button", name="「支援計画書の合意」に進める").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.stage == Stage.PLAN_AGREED and case.expert == expert

    worker = session_for(browser, live_server, expert.user, width=390)
    worker.goto(live_server.url + "/dispatch/expert/")
    check(worker, "05-expert-home-390")
    worker.get_by_role("link", name=f"#{case.pk} {sme.company.name}").click()
    worker.get_by_role("button", name="「キックオフ」に進める").click()
    worker.get_by_label("訪問日時（日本時間）").fill(f"{VISIT_DAY.isoformat()}T10:00")
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


def test_the_desk_takes_a_diagnosis_from_application_to_closed_on_the_case_page(live_server, browser):
    """Issue 26 (items 9–11): one page for the desk; a report only after a visit that happened; the admin links."""
    sme = SmeUserFactory(email="owner@example.jp")
    desk = StaffUserFactory(email="desk@example.jp")
    desk.groups.add(Group.objects.get(name=DESK_GROUP))
    expert = make_expert()

    company = session_for(browser, live_server, sme, width=390)
    company.goto(live_server.url + "/dispatch/apply/?programme=diagnosis")
    company.get_by_label("相談したいこと・目指すこと").fill("取引先からCO2排出量の報告を求められている")
    company.get_by_label("事業所・工場").fill("愛知県 本社工場")
    company.get_by_role("button", name="申し込む").click()
    company.wait_for_url("**/dispatch/cases/*/")
    case = Case.objects.get()

    office = session_for(browser, live_server, desk, width=1280)
    office.goto(f"{live_server.url}/admin/dispatch/case/")
    check(office, "11-desk-admin-list-1280")
    office.goto(f"{live_server.url}/admin/dispatch/case/{case.pk}/change/")
    check(office, "12-desk-admin-change-1280")
    office.get_by_role("link", name="案件ページで段階を進める・訪問を記録する").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    check(office, "13-desk-case-applied-1280")
    office.locator("#move-accepted").get_by_role("button").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")

    assign = office.locator("#move-expert_assigned")
    assign.get_by_label("担当専門家").select_option(str(expert.pk))
    assign.get_by_label("支援期間（開始）").fill(PERIOD_END.isoformat())
    assign.get_by_label("支援期間（終了）").fill(PERIOD_START.isoformat())  # reversed: refused, kept as typed
    assign.get_by_role("button").click()
    assert office.get_by_role("alert").first.is_visible()
    check(office, "14-desk-assign-refused-1280")
    assign = office.locator("#move-expert_assigned")
    assert assign.get_by_label("支援期間（開始）").input_value() == PERIOD_END.isoformat()
    assign.get_by_label("支援期間（開始）").fill(PERIOD_START.isoformat())
    assign.get_by_label("支援期間（終了）").fill(PERIOD_END.isoformat())
    assign.get_by_role("button").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.stage == Stage.EXPERT_ASSIGNED and case.expert == expert

    # A visit a week ago, registered without a record: not done yet, so no report.
    office.get_by_label("訪問日時（日本時間）").fill(f"{VISIT_DAY.isoformat()}T10:00")
    office.locator("#id_visit-expert_days").fill("1.0")
    office.get_by_role("button", name="訪問を登録する").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    office.get_by_label("診断の所見").fill("コンプレッサの空転が多い")
    office.get_by_label("目標年度").fill("2030")
    office.get_by_label("削減目標（%）").fill("30")
    office.get_by_role("button", name="保存する").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    office.get_by_label("対策").fill("昼休みのコンプレッサ停止")
    office.get_by_role("button", name="対策を追加する").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    office.locator("#move-report_delivered").get_by_role("button").click()
    assert "報告書は訪問の後に提出します" in office.locator("#move-report_delivered").inner_text()
    check(office, "15-desk-report-refused-1280")
    case.refresh_from_db()
    assert case.stage == Stage.VISITS

    visit = case.visits.get()
    log = office.locator(f"#log-{visit.pk}")
    log.get_by_label("実施内容").fill("照明・空調・コンプレッサを確認")
    log.get_by_role("button").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    check(office, "16-desk-visit-done-1280")
    office.locator("#move-report_delivered").get_by_role("button").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    office.locator("#move-closed").get_by_role("button").click()
    office.wait_for_url(f"**/dispatch/cases/{case.pk}/")
    check(office, "17-desk-case-closed-1280")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    history = office.locator("#history + ol").inner_text()
    for label in ("申込み受付", "受理", "専門家決定", "訪問診断中", "診断報告書の提出", "終了"):
        assert label in history, label

    company.goto(f"{live_server.url}/dispatch/cases/{case.pk}/")
    check(company, "18-company-case-closed-390")
    assert "実施済み" in company.locator("#visits + ul").inner_text()
    for p in (company, office):
        p.context.close()
