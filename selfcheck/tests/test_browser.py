"""A person fills the three steps in Chromium; institution staff then download the PDF (axe on every page)."""

import time
from pathlib import Path

import pytest
from django.test import Client

from selfcheck.models import Sheet

SHOTS = Path("/tmp/selfcheck-shots")


def login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_sme_fills_three_steps_and_institution_downloads_the_pdf(
    page, browser, axe, live_server, live_celery_worker, sme_user, institution_user, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    login(page, live_server, sme_user)
    page.goto(f"{live_server.url}/selfcheck/")
    axe(page)
    page.locator("#id_fiscal_year").select_option("2026")
    page.get_by_role("button", name="この年度のシートを開く").click()

    # typed as people type them: full-width digits and commas (the inputs are text with a numeric keyboard, so the
    # browser sends what was typed and the one normaliser reads it)
    page.get_by_label("電気：1年間の使用量（kWh）").fill("１２０，０００")
    page.get_by_label("LPG（プロパンガス）：1年間の使用量（kg）").fill("2000")
    page.get_by_label("ガソリン：1年間の使用量（L）").fill("3000")
    axe(page)
    shoot(page, "step1")
    page.get_by_role("button", name="保存して次へ").click()

    page.get_by_label("照明の間引き・不要な照明の撤去").select_option("done")
    page.get_by_label("休憩・昼休み中のコンプレッサーや設備の停止").select_option("not_yet")
    page.get_by_label("LED照明への更新").select_option("planned")
    page.get_by_label("取引先からCO2排出量を求められたことがある").check()
    axe(page)
    shoot(page, "step2")
    page.get_by_role("button", name="保存して次へ").click()

    page.get_by_label("目標年度").fill("2030")
    page.get_by_label("削減率（%）").fill("46")
    page.get_by_label("推進責任者").fill("総務部 山田")
    page.get_by_label("従業員数（パートタイマーを含む）").fill("40")
    page.get_by_label("売上高（円）").fill("800,000,000")
    page.get_by_label("総資産（円）").fill("５００ ０００ ０００")
    for question in (
        "sbt_financial_or_oil_gas",
        "sbt_sector_specific_method_required",
        "sbt_parent_under_standard_sbt",
    ):
        page.locator(f'input[name="{question}"][value="false"]').check()
    axe(page)
    shoot(page, "step3")
    page.get_by_role("button", name="保存して結果を見る").click()

    assert "63.6" in page.content()
    assert "入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）" in page.content()
    sheet = Sheet.objects.get(company=sme_user.company)
    assert sheet.electricity_kwh == 120_000 and sheet.sbt_revenue_yen == 800_000_000
    deadline = time.monotonic() + 60
    while Sheet.objects.get(pk=sheet.pk).pdf_status != Sheet.PdfStatus.READY and time.monotonic() < deadline:
        time.sleep(0.3)
    page.reload()
    assert page.locator("#pdf-status").inner_text() == "作成済み"
    page.get_by_label("共有する支援機関").select_option(str(institution_user.institution.pk))
    page.get_by_label("この支援機関にシートの内容を共有することに同意します").check()
    page.get_by_role("button", name="共有する", exact=True).click()
    assert f"{institution_user.institution.name} に共有しました" in page.content()
    axe(page)
    shoot(page, "result")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "result-phone")

    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    staff_page = context.new_page()
    login(staff_page, live_server, institution_user)
    staff_page.goto(f"{live_server.url}/selfcheck/institution/")
    axe(staff_page)
    shoot(staff_page, "institution")
    with staff_page.expect_download() as download_info:
        staff_page.get_by_role("link", name=f"{sme_user.company.name} 2026年度のPDF").click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    (SHOTS / "downloaded.pdf").write_bytes(data)
    context.close()


@pytest.mark.browser
def test_anonymous_visitor_tries_the_calculation_without_an_account(page, axe, live_server):
    page.goto(f"{live_server.url}/selfcheck/")
    axe(page)
    shoot(page, "index-anonymous")
    page.get_by_role("button", name="セルフチェックを始める").click()
    page.get_by_label("都市ガス：1年間の使用量（m³）").fill("8000")
    page.get_by_label("都市ガスの熱量（MJ/m³）").fill("45")
    page.get_by_text("月別に入力する（4月〜翌年3月、任意）").click()
    page.get_by_label("電気 4月（kWh）").fill("10000")
    page.get_by_label("電気 5月（kWh）").fill("12000")
    page.locator("#id_electricity_kwh_annualise").check()
    axe(page)
    page.get_by_role("button", name="保存して次へ").click()
    page.get_by_role("link", name="結果").click()
    content = page.content()
    assert "18.5" in content  # 8,000 m3 x 45 MJ/m3 = 360 GJ = 9 thousand Nm3 (40.0 GJ each) x 2.05 = 18.45
    assert "55.8" in content  # April + May = 22,000 kWh, annualised x 6 = 132,000 kWh x 0.000423
    assert "年換算" in content
    assert "会員登録する" in content
    axe(page)
    shoot(page, "result-anonymous")
