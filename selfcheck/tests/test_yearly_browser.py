"""A second year's sheet from the April mail, in Chromium: the mail's link opened in a fresh browser, sign-in, the
sheet created on the page's button, laid out like last year's and empty (axe and 390 px on every page)."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine

from core.jst import JST
from core.models import MailOutbox
from selfcheck import services
from selfcheck.models import FactorSet, Sheet

from .helpers import factor_set_for_test_year

SHOTS = Path("/tmp/selfcheck-shots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_years_sheet_is_created_from_the_april_mail(browser, live_server, sme_user, password, axe, settings):
    settings.SITE_URL = live_server.url
    if not FactorSet.objects.filter(fiscal_year=2025).exists():
        factor_set_for_test_year(2025)
    last = services.sheet_create(fiscal_year=2025, company=sme_user.company)
    services.sheet_save_step1(
        sheet=last,
        data={
            "electricity_kwh_monthly": {m: 10_000 for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)},
            "gasoline_l": 3_000,
        },
    )
    with time_machine.travel(dt.datetime(2027, 4, 1, 0, 30, tzinfo=JST), tick=False):
        assert services.sheets_invite_new_year() == 1
    mail = MailOutbox.objects.get(key__startswith="selfcheck.new-year:")
    link = re.search(r"https?://\S+/selfcheck/next-year/\d+/", mail.body).group(0)
    assert link == f"{live_server.url}/selfcheck/next-year/2026/"

    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(link)
        page.wait_for_url("**/accounts/login/**")
        page.get_by_label("メールアドレス").fill(sme_user.email)
        page.locator("#id_password").fill(password)
        page.get_by_role("button", name="ログイン").last.click()
        page.wait_for_url("**/selfcheck/next-year/2026/")
        axe(page)
        assert not Sheet.objects.filter(company=sme_user.company, fiscal_year=2026).exists()  # a GET creates nothing
        carried = page.get_by_role("table", name="2025年度から引き継ぐ入力欄")
        assert "12か月（4月〜翌年3月）" in carried.inner_text() and "ガソリン" in carried.inner_text()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "next-year.png"), full_page=True)
        page.get_by_role("button", name="2026年度のシートを作成する").click()

        page.wait_for_url("**/step1/")
        axe(page)
        sheet = Sheet.objects.get(company=sme_user.company, fiscal_year=2026)
        assert sheet.carried["entries"] == ["electricity_kwh", "gasoline_l"]
        assert "2026年度のシートを作成しました" in page.content()
        notice = page.locator("#carried").inner_text()
        assert "電気（kWh）：12か月（4月〜翌年3月）" in notice and "ガソリン（L）：年間の値" in notice
        # structure: the carried entries come first and the months are open; values: every field is empty
        names = page.locator("form.form input[type=text], form.form input[type=number]").evaluate_all(
            "els => els.map(e => e.name)"
        )
        assert names[:2] == ["electricity_kwh", "gasoline_l"]
        assert page.locator("details.panel").get_attribute("open") is not None
        assert page.get_by_label("電気：1年間の使用量（kWh）").input_value() == ""
        assert page.get_by_label("ガソリン：1年間の使用量（L）").input_value() == ""
        values = page.locator("#months-electricity_kwh input[type=text], #months-electricity_kwh input[type=number]")
        assert values.count() == 12 and all(v == "" for v in values.evaluate_all("els => els.map(e => e.value)"))
        page.screenshot(path=str(SHOTS / "next-year-step1.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "next-year-step1-phone.png"), full_page=True)
        assert sheet.total_t is None and all(v is None for v in sheet.amounts().values())
    finally:
        context.close()


def login(page, live_server, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_trend_and_target_path_pass_axe_and_fit_a_phone_and_institutions_see_who_started(
    browser, live_server, sme_user, institution_user, axe
):
    from decimal import Decimal

    from selfcheck.models import SelfcheckSettings
    from sharing import services as sharing_services
    from sharing.models import ShareKind

    for year in (2023, 2024, 2025):
        if not FactorSet.objects.filter(fiscal_year=year).exists():
            factor_set_for_test_year(year)
    for year, kwh in ((2023, 100_000), (2025, 90_000), (2026, 85_000)):
        sheet = services.sheet_create(fiscal_year=year, company=sme_user.company)
        services.sheet_save_step1(sheet=sheet, data={"electricity_kwh": kwh})
    flags = dict.fromkeys(
        ["sbt_financial_or_oil_gas", "sbt_sector_specific_method_required", "sbt_parent_under_standard_sbt"], False
    )
    services.sheet_save_step3(sheet=sheet, data={**flags, "sbt_flag_sector": False, "base_year": 2023})
    row = SelfcheckSettings.objects.first() or SelfcheckSettings.objects.create()
    row.sbt_sme_reduction_pct, row.sbt_sme_reduction_source = Decimal(42), "テスト用の出典"
    row.save()
    sharing_services.share_grant(
        company=sme_user.company,
        kind=ShareKind.INSTITUTION,
        institution=institution_user.institution,
        user=sme_user,
        fiscal_year=2025,
    )

    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        login(page, live_server, sme_user)
        page.goto(f"{live_server.url}/selfcheck/sheets/{sheet.pk}/result/")
        assert page.get_by_role("table", name="年度別のCO2排出量と基準年度からの変化").is_visible()
        assert page.get_by_role("table", name="削減の道筋と実績").is_visible()
        assert page.get_by_role("img", name=re.compile("^中小企業版SBTの削減の道筋")).is_visible()
        axe(page)
        SHOTS.mkdir(exist_ok=True)
        page.locator("#trend-title").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "result-yearly.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "result-yearly-phone.png"), full_page=True)

        staff = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
        staff_page = staff.new_page()
        login(staff_page, live_server, institution_user)
        staff_page.goto(f"{live_server.url}/sharing/received/")
        status = staff_page.locator("#status-title").locator("xpath=..").inner_text()
        assert sme_user.company.name in status and "着手済み" in status  # its 2025 sheet exists (Dec 2026)
        axe(staff_page)
        staff.close()
    finally:
        context.close()
