"""The whole chain in Chromium on a phone-sized screen, with axe and the no-sideways-scroll check on every page:
an institution invites a company by CSV → the company signs up through the link, joins, does the self-check and
books a consultation sharing it with the advisor → the advisor signs in (password + authenticator code), reads it
and writes the record → the company sees the recommended next actions → the institution's dashboard shows the
member's progress."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from accounts.tests.factories import enrol_second_factor, totp_code
from advisors.tests.conftest import advisor_account
from consultations.models import Booking
from consultations.services import window_slots
from consultations.tests.conftest import pick_free_slot
from core.jst import current_fiscal_year, jst_date, to_jst
from core.models import MailOutbox
from institutions.models import Membership
from sharing.models import ShareAccess

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/push-chain-shots")


def check(page, axe, name: str) -> None:
    """axe-core (no serious or critical violation) and no sideways scrolling at 390 px."""
    page.wait_for_load_state()
    axe(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390 px"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def sign_in_cookie(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_invite_by_csv_to_advisor_record_to_dashboard(live_server, browser, axe, institution_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    account = advisor_account(name="脱炭素 太郎", email="taro@example.jp", second_factor=False)
    account.user.set_password("advisor-pass-2026")
    account.user.save()
    enrol_second_factor(account.user)

    # 1. the institution invites by CSV (Shift_JIS, as Excel saves it)
    inst = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE)
    sign_in_cookie(inst, live_server, institution_user)
    ip = inst.new_page()
    ip.goto(live_server.url + "/institutions/")
    check(ip, axe, "01-institution-dashboard")
    csv_bytes = "会社名,メールアドレス,担当者名\r\n株式会社みどり精工,midori@example.jp,緑川\r\n".encode("cp932")
    ip.get_by_label("会員名簿のCSVファイル").set_input_files(
        files=[{"name": "members.csv", "mimeType": "text/csv", "buffer": csv_bytes}]
    )
    ip.get_by_role("button", name="読み込んで確認する").click()
    check(ip, axe, "02-csv-preview")
    assert "株式会社みどり精工" in ip.content()
    ip.get_by_role("button", name="1件に招待メールを送る").click()
    check(ip, axe, "03-invitation-sent")
    link = path_of(
        re.search(r"http://\S+/institutions/join/\S+/", MailOutbox.objects.get(to=["midori@example.jp"]).body).group(0)
    )

    # 2. the company follows the link, signs up, verifies, describes itself and joins
    co = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE)
    cp = co.new_page()
    cp.goto(live_server.url + link)
    check(cp, axe, "04-join-anonymous")
    cp.get_by_role("link", name="新規登録して参加する").click()
    check(cp, axe, "05-signup")
    assert cp.get_by_label("メールアドレス").input_value() == "midori@example.jp"  # from the invitation
    cp.locator("#id_family_name").fill("緑川")
    cp.locator("#id_given_name").fill("花子")
    cp.locator("#id_password1").fill("midori-seiko-2026")
    cp.locator("#id_password2").fill("midori-seiko-2026")
    cp.get_by_role("button", name="ユーザー登録").click()
    cp.wait_for_url("**/confirm-email/")
    check(cp, axe, "06-verify-sent")
    confirm = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    cp.goto(live_server.url + path_of(confirm))
    check(cp, axe, "07-confirm")
    cp.get_by_role("button", name="確認する").click()
    cp.goto(live_server.url + "/accounts/login/")
    check(cp, axe, "08-login")
    cp.get_by_label("メールアドレス").fill("midori@example.jp")
    cp.locator("#id_password").fill("midori-seiko-2026")
    cp.get_by_role("button", name="ログイン").last.click()
    cp.wait_for_url("**/me/company/")
    check(cp, axe, "09-company-form")
    assert cp.get_by_label("会社名・屋号").input_value() == "株式会社みどり精工"  # from the invitation
    cp.get_by_label("所在地（都道府県）").select_option("aichi")
    cp.get_by_label("業種").select_option("manufacturing")
    cp.locator("#id_employee_band").select_option("le_20")
    cp.get_by_label("売上高").select_option("le_100m")
    cp.get_by_role("button", name="保存する").click()
    cp.wait_for_url("**/me/")
    check(cp, axe, "10-my-page-with-invitation")
    cp.get_by_role("link", name="招待を確認して参加する").click()
    check(cp, axe, "11-join")
    cp.get_by_role("button", name=re.compile("の会員になる")).click()
    cp.wait_for_url("**/institutions/memberships/")
    check(cp, axe, "12-memberships")
    assert Membership.objects.get().company.name == "株式会社みどり精工"

    # 3. the self-check of this fiscal year
    cp.goto(live_server.url + "/selfcheck/")
    check(cp, axe, "13-selfcheck")
    # the form preselects the last complete 年度; this company enters this 年度 (the dashboard's 「測る（今年度）」)
    cp.locator("#id_fiscal_year").select_option(str(current_fiscal_year()))
    cp.get_by_role("button", name="この年度のシートを開く").click()
    cp.get_by_label("電気：1年間の使用量（kWh）").fill("120000")
    cp.get_by_label("ガソリン：1年間の使用量（L）").fill("3000")
    check(cp, axe, "14-step1")
    cp.get_by_role("button", name="保存して次へ").click()
    check(cp, axe, "15-step2")
    cp.get_by_role("button", name="保存して次へ").click()
    cp.get_by_label("目標年度").fill("2030")
    cp.get_by_label("削減率（%）").fill("46")
    cp.get_by_label("従業員数（パートタイマーを含む）").fill("18")
    cp.get_by_label("売上高（円）").fill("300000000")
    cp.get_by_label("総資産（円）").fill("200000000")
    check(cp, axe, "16-step3")
    cp.get_by_role("button", name="保存して結果を見る").click()
    check(cp, axe, "17-result")

    # 4. a consultation, sharing the self-check with the advisor
    cp.goto(live_server.url + "/consultations/")
    check(cp, axe, "18-consultations")
    cp.get_by_role("link", name="オンラインで相談").first.click()
    check(cp, axe, "19-calendar")
    pick_free_slot(cp)
    check(cp, axe, "20-intake")
    cp.get_by_label("サプライチェーン対応").check()
    cp.get_by_label("ご相談内容").fill("取引先からScope 1・2の報告を求められています")
    cp.get_by_label("Zoom").check()
    cp.get_by_label("セルフチェックの結果を担当専門家に共有する").check()
    cp.get_by_role("button", name="この内容で予約する").click()
    cp.wait_for_url("**/consultations/bookings/*/")
    check(cp, axe, "22-booked")

    # 5. the advisor signs in with password and authenticator code, reads and writes
    ad = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE)
    ap = ad.new_page()
    ap.goto(live_server.url + "/accounts/login/")
    ap.get_by_label("メールアドレス").fill("taro@example.jp")
    ap.locator("#id_password").fill("advisor-pass-2026")
    ap.get_by_role("button", name="ログイン").last.click()
    ap.wait_for_url("**/2fa/authenticate/")
    check(ap, axe, "23-advisor-2fa")
    ap.locator("input[name=code]").fill(totp_code())
    ap.locator('form[action$="/2fa/authenticate/"] button[type=submit]').first.click()
    ap.wait_for_url("**/advisor/")
    check(ap, axe, "24-advisor-home")
    ap.get_by_role("link", name=re.compile("株式会社みどり精工")).first.click()
    check(ap, axe, "25-advisor-booking")
    content = ap.content()
    assert "取引先からScope 1・2の報告を求められています" in content
    assert (
        "企業がこの相談のために共有しています" in content and not ShareAccess.objects.filter(user=account.user).exists()
    )
    ap.get_by_role("button", name="共有された結果を見る").click()
    ap.wait_for_url("**/advisor/bookings/*/#selfcheck")
    check(ap, axe, "25-advisor-selfcheck")
    assert "2026年度" in ap.content()
    assert ShareAccess.objects.filter(user=account.user).exists()
    ap.get_by_label("相談記録（中小機構の職員と専門家のみ）").fill("Scope 2の算定方法を説明。設備更新の意向あり。")
    ap.get_by_label("次のステップ（企業にも表示）").fill("電力会社の排出係数を確認し、マーケット基準も算定する")
    ap.get_by_role("button", name="記録を保存する").click()
    check(ap, axe, "26-record-saved")
    ap.get_by_label("専門家派遣").check()
    ap.get_by_label("ひとこと").fill("工場の省エネ診断をおすすめします")
    ap.get_by_role("button", name="おすすめを追加する").click()
    check(ap, axe, "27-recommended")

    # 6. the company sees the next actions
    cp.goto(live_server.url + "/me/")
    check(cp, axe, "28-my-page-recommendations")
    assert "専門家からのおすすめ" in cp.content() and "工場の省エネ診断をおすすめします" in cp.content()
    booking = Booking.objects.get()
    cp.goto(f"{live_server.url}/consultations/bookings/{booking.pk}/")
    check(cp, axe, "30-booking-detail")
    assert "電力会社の排出係数を確認し、マーケット基準も算定する" in cp.content()
    assert "設備更新の意向あり" not in cp.content()

    # 7. the institution's dashboard shows the member's progress
    ip.goto(live_server.url + "/institutions/")
    check(ip, axe, "31-dashboard-progress")
    row = ip.locator("tr", has_text="株式会社みどり精工")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[1:5] == ["未", "済", "済", "済"]  # (joined on,) not consulted yet; measured, planned, SBT checked
    assert "参加済み" in ip.content()

    # 8. the institution books a consultation for itself through the same calendar and intake
    ip.goto(live_server.url + "/consultations/w/hq/?mode=online")
    check(ip, axe, "32-institution-calendar")
    pick_free_slot(ip)
    check(ip, axe, "33-institution-intake")
    assert "支援機関自身の相談として" in ip.content()
    ip.get_by_label("現状把握・情報収集").check()
    ip.get_by_label("ご相談内容").fill("会員企業向けのCN勉強会の組み立て方を相談したい")
    ip.get_by_label("Microsoft Teams").check()
    ip.get_by_role("button", name="この内容で予約する").click()
    ip.wait_for_url("**/consultations/bookings/*/")
    check(ip, axe, "35-institution-booked")
    own = Booking.objects.get(company__for_institution=institution_user.institution)

    # 9. it asks its member for a consultation at a free slot, sitting in
    proposed = to_jst(
        next(
            s
            for s in window_slots(
                window=own.window, date_from=jst_date(own.start), date_to=jst_date(own.start) + dt.timedelta(days=28)
            )
            if s.free
        ).start
    )
    ip.goto(live_server.url + "/institutions/")
    ip.get_by_role("link", name="会員企業に相談を依頼する").click()
    check(ip, axe, "36-request-new")
    ip.get_by_label("会員企業").select_option(label="株式会社みどり精工")
    ip.get_by_label("日付").fill(proposed.date().isoformat())
    ip.get_by_label("開始時刻（日本時間・1時間）").select_option(f"{proposed:%H:%M}")
    ip.get_by_label("補助金", exact=True).check()
    ip.get_by_label("企業へのメッセージ").fill("省エネ設備の補助金を一緒に相談しましょう。当所も同席します。")
    ip.get_by_role("button", name="依頼してメールで知らせる").click()
    ip.wait_for_url("**/institutions/#requests")
    check(ip, axe, "37-request-sent")
    assert "企業の確認待ち" in ip.content()

    # 10. the company sees the request on its page and books it; the institution is recorded as sitting in
    cp.goto(live_server.url + "/me/")
    check(cp, axe, "38-my-page-request")
    cp.get_by_role("link", name=re.compile("からの依頼を確認する")).click()
    check(cp, axe, "39-request-detail")
    assert cp.get_by_label("ご相談内容").input_value() == ""  # the institution's message is not the company's question
    cp.get_by_label("ご相談内容").fill("省エネ設備の更新に使える補助金を知りたい")
    cp.get_by_label("Zoom").check()
    cp.get_by_role("button", name="この内容で予約する").click()
    cp.wait_for_url("**/consultations/bookings/*/")
    check(cp, axe, "40-request-booked")
    sat_in = Booking.objects.get(sitting_in=institution_user.institution)
    assert sat_in.start == proposed and sat_in.company.name == "株式会社みどり精工"
    cp.goto(live_server.url + "/consultations/bookings/")
    check(cp, axe, "41-company-bookings")

    # 11. the institution sees both on its booking list, and the sat-in one read-only
    ip.goto(live_server.url + "/consultations/bookings/")
    check(ip, axe, "42-institution-bookings")
    ip.get_by_role("link", name=re.compile(f"{proposed.month}月{proposed.day}日")).last.click()
    check(ip, axe, "43-sat-in-booking")
    assert "省エネ設備の更新に使える補助金を知りたい" in ip.content() and "キャンセルする" not in ip.content()
    for context in (inst, co, ad):
        context.close()
