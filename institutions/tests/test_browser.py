"""A support institution's working day in Chromium, axe and the 390 px check on every page it opens (issue 26):
a refused CSV (600 rows, EUC-JP) said at the top with focus, a good one sent, the member list searched and paged,
a consultation requested and booked with the institution sitting in, and a second one at the same hour refused."""

import datetime as dt
import re
from pathlib import Path

import pytest

from accounts.tests.factories import PASSWORD, CompanyFactory, SmeUserFactory
from consultations.models import Booking, ConsultationWindow
from consultations.services import booking_bounds, window_slots
from consultations.tests.conftest import make_advisor
from core.jst import jst_date, to_jst
from institutions import services
from institutions.models import ConsultationRequest, MemberInvitation, Membership

from .test_working_day import euc_jp_600_rows

SHOTS = Path("/tmp/i26-institution-shots")


def _open(page, axe, name: str) -> None:
    """axe and the 390 px check (the `axe` fixture), and screenshots to look at: the whole page at 1280 px, the
    first screen at 390 px."""
    page.wait_for_load_state()
    axe(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"))  # the first screen a phone shows
    page.set_viewport_size(size)


def _sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_institutions_day_invite_by_csv_request_and_sit_in(live_server, browser, axe, institution_user, settings):
    settings.PRIVATE_MEDIA_ROOT = Path("/tmp/i26-private")
    make_advisor(name="専門家A", email="a@example.jp")
    make_advisor(name="専門家B", email="b@example.jp")
    institution = institution_user.institution
    for i in range(60):
        Membership.objects.create(institution=institution, company=CompanyFactory(name=f"会員{i:02d}工業"))
    first, second = SmeUserFactory(email="first@example.jp"), SmeUserFactory(email="second@example.jp")
    for user in (first, second):
        Membership.objects.create(institution=institution, company=user.company)
    window = ConsultationWindow.objects.get(code="hq")
    earliest = jst_date(booking_bounds()[0])
    slot = to_jst(
        next(
            s
            for s in window_slots(window=window, date_from=earliest, date_to=earliest + dt.timedelta(days=28))
            if s.free
        ).start
    )

    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    ip = context.new_page()
    _sign_in(ip, live_server, institution_user.email)
    ip.goto(live_server.url + "/institutions/")
    _open(ip, axe, "01-dashboard")

    # 1. a refused file: 600 rows in EUC-JP; the error is at the top, in view, with focus
    ip.get_by_label("会員名簿のCSVファイル").set_input_files(
        files=[{"name": "members.csv", "mimeType": "text/csv", "buffer": euc_jp_600_rows()}]
    )
    ip.get_by_role("button", name="読み込んで確認する").click()
    ip.wait_for_load_state()
    summary = ip.locator(".error-summary")
    assert summary.is_visible() and "文字コードを読み取れません" in summary.inner_text()
    assert ip.evaluate("document.activeElement.classList.contains('error-summary')")
    assert summary.bounding_box()["y"] < 900  # in the first screen, not 2,000 px down
    _open(ip, axe, "02-csv-refused")
    ip.locator(".error-summary a").click()  # the link leads to the field
    assert ip.evaluate("document.activeElement.id") == "id_file"

    # 2. a good file (Shift_JIS, as Excel saves it): preview, then send
    good = "会社名,メールアドレス,担当者名\r\nあおば製作所,aoba@example.jp,青葉\r\nさくら食品,sakura@example.jp,\r\n"
    ip.get_by_label("会員名簿のCSVファイル").set_input_files(
        files=[{"name": "members.csv", "mimeType": "text/csv", "buffer": good.encode("cp932")}]
    )
    ip.get_by_role("button", name="読み込んで確認する").click()
    _open(ip, axe, "03-csv-preview")
    ip.get_by_role("button", name="2件に招待メールを送る").click()
    _open(ip, axe, "04-invited")
    assert set(MemberInvitation.objects.values_list("email", flat=True)) == {"aoba@example.jp", "sakura@example.jp"}

    # 3. the member list: 62 members, searched and paged
    ip.goto(live_server.url + "/institutions/#members")
    assert "会員企業 62社" in ip.content() and "1 / 2 ページ" in ip.content()
    ip.get_by_role("link", name="次へ").click()
    _open(ip, axe, "05-members-page-2")
    assert "2 / 2 ページ" in ip.content()
    ip.get_by_label("企業名で探す").fill("会員0")
    ip.get_by_label("並び順").select_option("joined")
    ip.get_by_role("button", name="表示する").click()
    _open(ip, axe, "06-members-search")
    assert "62社のうち 10社が見つかりました" in ip.content()

    # 4. a consultation requested from the first member, with the institution sitting in
    ip.goto(live_server.url + "/institutions/")
    ip.get_by_role("link", name="会員企業に相談を依頼する").click()
    _open(ip, axe, "07-request-new")
    ip.get_by_label("会員企業").select_option(label=first.company.name)
    ip.get_by_label("日付").fill(slot.date().isoformat())
    ip.get_by_label("開始時刻（日本時間・1時間）").select_option(f"{slot:%H:%M}")
    ip.get_by_label("企業へのメッセージ").fill("当所も同席して、補助金を一緒に確認します。")
    ip.get_by_role("button", name="依頼してメールで知らせる").click()
    ip.wait_for_url("**/institutions/#requests")
    _open(ip, axe, "08-request-sent")

    co = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    cp = co.new_page()
    _sign_in(cp, live_server, first.email)
    item = ConsultationRequest.objects.get(company=first.company)
    cp.goto(live_server.url + f"/institutions/requests/{item.pk}/")
    _open(cp, axe, "09-company-request")
    assert cp.get_by_label("ご相談内容").input_value() == ""
    assert "当所も同席して、補助金を一緒に確認します。" in cp.content()
    cp.get_by_label("補助金", exact=True).check()
    cp.get_by_label("ご相談内容").fill("省エネ設備の更新に使える補助金を知りたい")
    cp.get_by_label("Zoom").check()
    cp.get_by_role("button", name="この内容で予約する").click()
    cp.wait_for_load_state()
    assert "/consultations/bookings/" in cp.url, cp.locator("main").inner_text()[:1500]
    _open(cp, axe, "10-company-booked")
    sat_in = Booking.objects.get(sitting_in=institution)
    assert sat_in.start == slot and sat_in.company == first.company

    # 5. the second member, asked for the same hour: the institution cannot sit in twice at once
    again = services.consultation_request_create(
        institution=institution, company=second.company, message="同じ時間ですが", user=institution_user, start=slot
    )
    sp = co.new_page()
    co.clear_cookies()
    _sign_in(sp, live_server, second.email)
    sp.goto(live_server.url + f"/institutions/requests/{again.pk}/")
    sp.get_by_label("補助金", exact=True).check()
    sp.get_by_label("ご相談内容").fill("LPガスの使用量を減らしたい")
    sp.get_by_label("Zoom").check()
    sp.get_by_role("button", name="この内容で予約する").click()
    sp.wait_for_load_state()
    _open(sp, axe, "11-second-refused")
    assert "同席は1時間に1件までです" in sp.content()
    assert Booking.objects.filter(sitting_in=institution).count() == 1

    # 6. the institution sees the consultation it sits in on
    ip.goto(live_server.url + f"/institutions/bookings/{sat_in.pk}/")
    _open(ip, axe, "12-sat-in-booking")
    assert "省エネ設備の更新に使える補助金を知りたい" in ip.content()
    assert re.search(first.company.name, ip.content())
    for ctx in (context, co):
        ctx.close()
