"""The whole matching flow in Chromium: post → publish → propose with a file → shortlist and 商談 → .ics → statistics.

axe-core and the 390 px check (no sideways scroll) run on every page visited; screenshots go to SHOTS.
"""

import datetime as dt
import time
from pathlib import Path

import pytest
from django.core import mail

from accounts.tests.factories import PASSWORD, SmeUserFactory, totp_code
from core.jst import format_jst, jst_now
from core.models import MailOutbox
from matching.models import Meeting, Need, Proposal, ProposalStatus

from .conftest import make_desk_user
from .factories import PDF_BYTES, BuyerMemberFactory

SHOTS = Path("/tmp/matching-shots")


def new_page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page, base_url, user, *, second_factor=False):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    if second_factor:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("#id_code", totp_code())
        page.locator("main button[type=submit]").first.click()
        page.wait_for_load_state()


def check(page, axe, name: str) -> None:
    """axe, then the phone width: the page must not scroll sideways at 390 px; screenshots of both."""
    axe(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buyer_posts_staff_publish_sme_proposes_buyer_meets_both_get_ics_and_statistics_count_it(
    live_server, live_celery_worker, browser, axe, tmp_path
):
    member = BuyerMemberFactory(buyer__name="みなと住設販売株式会社", buyer__profile="大手住宅用設備機器卸売・小売業")
    desk = make_desk_user()
    sme = SmeUserFactory(company__name="ひかり塗装有限会社")
    url = live_server.url

    # The buyer posts a need.
    buyer = new_page(browser)
    log_in(buyer, url, member.user)
    buyer.goto(url + "/matching/buyer/")
    check(buyer, axe, "01-buyer-home")
    buyer.get_by_role("link", name="ニーズを登録する").click()
    buyer.get_by_label("ニーズの件名").fill("店舗の窓の遮熱対策")
    buyer.get_by_label("テーマ").select_option("energy_saving")
    buyer.get_by_label("概要（公開）").fill("店舗の窓から入る熱を減らし、空調の電力を下げたいと考えています。")
    buyer.get_by_label("求める技術・製品").fill("後付けできる遮熱フィルムや遮熱塗料。")
    buyer.get_by_label("対象地域").select_option("nationwide")
    deadline = (jst_now() + dt.timedelta(days=20)).date()
    buyer.get_by_label("提案の締切日").fill(deadline.isoformat())
    check(buyer, axe, "02-need-form")
    buyer.get_by_role("button", name="保存して審査を依頼する").click()
    assert buyer.get_by_text("中小機構の確認後に公開されます").first.is_visible()
    check(buyer, axe, "03-buyer-need-in-review")
    need = Need.objects.get(title="店舗の窓の遮熱対策")

    # SMRJ staff publish it.
    staff = new_page(browser)
    log_in(staff, url, desk, second_factor=True)
    staff.goto(url + "/matching/staff/review/")
    check(staff, axe, "04-staff-review")
    staff.get_by_role("button", name="「店舗の窓の遮熱対策」を公開する").click()
    assert staff.get_by_text("「店舗の窓の遮熱対策」を公開しました。").is_visible()

    # An SME finds it by a word inside a longer one and proposes with a PDF.
    shop = new_page(browser)
    shop.goto(url + "/matching/")
    check(shop, axe, "05-needs-anonymous")
    log_in(shop, url, sme)
    shop.goto(url + "/matching/")
    shop.get_by_label("キーワード").fill("遮熱")
    shop.get_by_role("button", name="この条件で探す").click()
    shop.get_by_role("link", name="店舗の窓の遮熱対策").click()
    check(shop, axe, "06-need-detail")
    shop.get_by_role("link", name="このニーズに提案する").click()
    shop.get_by_label("提案する製品・技術").fill("窓用の遮熱塗料「ひかりクール」")
    shop.get_by_label("ニーズにどう応えるか").fill("ガラス面の温度上昇を抑え、空調負荷を下げた実績があります。")
    catalogue = tmp_path / "カタログ.pdf"
    catalogue.write_bytes(PDF_BYTES)
    shop.get_by_label("添付ファイル").set_input_files(str(catalogue))
    check(shop, axe, "07-proposal-form")
    shop.get_by_role("button", name="提案を送る").click()
    assert shop.get_by_text("提案を送りました").is_visible()
    check(shop, axe, "08-proposal-sme")
    proposal = Proposal.objects.get(need=need)
    assert proposal.attachments.get().original_name == "カタログ.pdf"

    # The buyer shortlists it and asks for a meeting with two times.
    buyer.goto(url + f"/matching/buyer/needs/{need.pk}/")
    check(buyer, axe, "09-buyer-proposals")
    buyer.get_by_role("link", name="ひかり塗装有限会社").click()
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="カタログ.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF_BYTES
    buyer.get_by_role("button", name="検討候補にする").click()
    assert buyer.get_by_text("検討候補にしました。").is_visible()
    check(buyer, axe, "10-proposal-buyer")
    buyer.get_by_role("link", name="商談を依頼する").click()
    first = (jst_now() + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    second = first + dt.timedelta(days=1, hours=4)
    buyer.get_by_label("候補日時1").fill(first.strftime("%Y-%m-%dT%H:%M"))
    buyer.get_by_label("候補日時2").fill(second.strftime("%Y-%m-%dT%H:%M"))
    buyer.get_by_role("radio", name="オンライン").check()
    buyer.get_by_label("場所またはオンライン会議のURL").fill("https://meet.example.jp/hikari")
    check(buyer, axe, "11-meeting-form")
    buyer.get_by_role("button", name="商談を依頼する").click()
    assert buyer.get_by_text("商談を依頼しました。").is_visible()

    # The SME accepts the second time.
    shop.goto(url + f"/matching/proposals/{proposal.pk}/")
    check(shop, axe, "12-meeting-choice")
    shop.get_by_label(second.strftime("%Y年%m月%d日 %H:%M")).check()
    shop.get_by_role("button", name="この日時で商談を受ける").click()
    assert shop.get_by_text("商談の日時が決まりました").is_visible()
    check(shop, axe, "13-meeting-set")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.MEETING_SET

    # Both sides receive the invitation with the .ics (sent by the Celery worker through the outbox).
    meeting = Meeting.objects.get(proposal=proposal)
    keys = [f"matching.meeting:{meeting.pk}:accepted:sme", f"matching.meeting:{meeting.pk}:accepted:buyer"]
    deadline_at = time.monotonic() + 60
    while MailOutbox.objects.filter(key__in=keys, sent_at__isnull=False).count() < 2 and time.monotonic() < deadline_at:
        time.sleep(0.3)
    invitations = [m for m in mail.outbox if "商談が決まりました" in m.subject]
    assert sorted(m.to[0] for m in invitations) == sorted([sme.email, member.user.email])
    for message in invitations:
        (name, content, mimetype) = message.attachments[0]
        assert name == "meeting.ics" and mimetype == "text/calendar"
        # core.ics writes times in Asia/Tokyo with its VTIMEZONE.
        assert "DTSTART;TZID=Asia/Tokyo:" + format_jst(meeting.starts_at, "%Y%m%dT%H%M%S") in (
            content.decode() if isinstance(content, bytes) else content
        )

    # SMRJ's statistics count the buyer, the need, the proposal, the SME and the negotiation.
    staff.goto(url + "/matching/staff/statistics/")
    check(staff, axe, "14-statistics")
    fiscal_year = need.__class__.objects.get(pk=need.pk).fiscal_year
    row = staff.locator("tbody tr", has=staff.get_by_role("rowheader", name=f"{fiscal_year}年度 ポータル"))
    assert row.locator("td").all_inner_texts() == ["1", "1", "1", "1", "1", "1"]
    for page in (buyer, staff, shop):
        page.context.close()
