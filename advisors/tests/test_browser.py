"""An advisor's working day in Chromium, axe and the 390 px check on every page it opens (issue 26): sign in with
the authenticator, weekly hours saved unchanged and changed, a record, a recommendation, a meeting URL, a move
request, the calendar feed. And staff enrol their authenticator right after signing in, on to the admin."""

import datetime as dt
import re
from pathlib import Path

import pytest
from icalendar import Calendar

from accounts.tests.factories import PASSWORD, SmeUserFactory, StaffUserFactory, SupportInstitutionFactory, totp_code
from advisors.models import MoveRequest, Recommendation
from consultations.models import AdvisorAvailability, Booking
from core.jst import JST, jst_date

from .conftest import advisor_account, book

SHOTS = Path("/tmp/i26-advisor-shots")


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


def _hour(days: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(jst_date(dt.datetime.now(JST)) + dt.timedelta(days=days), dt.time(hour), tzinfo=JST)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_advisors_day_from_sign_in_to_the_calendar_feed(live_server, page, axe, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    account = advisor_account(name="脱炭素 花子", email="hanako@example.jp")
    account.user.set_password(PASSWORD)
    account.user.save()
    institution = SupportInstitutionFactory(name="みどり商工会")
    held = book(user=SmeUserFactory(), advisor=account.advisor, start=_hour(-2, 10))
    coming = book(user=SmeUserFactory(), advisor=account.advisor, start=_hour(3, 14), sitting_in=institution)

    # 1. sign in: password, then the authenticator's code
    page.goto(live_server.url + "/accounts/login/")
    _open(page, axe, "01-login")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_url("**/2fa/authenticate/")
    _open(page, axe, "02-authenticate")
    page.locator("input[name=code]").fill(totp_code())
    page.locator('form[action$="/2fa/authenticate/"] button[type=submit]').first.click()
    page.wait_for_url("**/advisor/")
    _open(page, axe, "03-workspace")
    assert coming.company.name in page.content() and held.company.name not in page.content()
    page.get_by_role("link", name=re.compile("記録が必要な相談（1）")).click()
    _open(page, axe, "04-needs-record")
    assert held.company.name in page.content()

    # 2. weekly hours: saved as rendered, then with one row changed and an extra row filled
    page.get_by_role("link", name="対応できる曜日・時間帯と休み").click()
    _open(page, axe, "05-availability")
    before = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    page.get_by_role("button", name="時間帯を保存する").click()
    _open(page, axe, "06-availability-saved")
    assert "対応できる曜日・時間帯を保存しました。" in page.content()
    assert (
        list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
        == before
    )
    page.locator("#id_av-0-end").fill("12:00")
    page.locator("#id_av-1-end").fill("12:00")
    page.locator("#id_av-2-weekday").select_option(label="木曜日")
    page.locator("#id_av-2-start").fill("13:00")
    page.locator("#id_av-2-end").fill("15:00")
    page.get_by_role("button", name="時間帯を保存する").click()
    _open(page, axe, "07-availability-changed")
    assert "対応できる曜日・時間帯を保存しました。" in page.content()
    rows = set(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    assert rows == {(1, dt.time(9), dt.time(12)), (3, dt.time(9), dt.time(12)), (3, dt.time(13), dt.time(15))}

    # 3. the consultation held two days ago: record and recommend
    page.goto(live_server.url + "/advisor/?view=needs_record")
    page.get_by_role("link", name=re.compile(re.escape(held.company.name))).click()
    _open(page, axe, "08-held-booking")
    page.get_by_label("相談記録（中小機構の職員と専門家のみ）").fill("Scope 2の算定を説明。設備更新の意向あり。")
    page.get_by_label("次のステップ（企業にも表示）").fill("電力会社の排出係数を確認する")
    page.get_by_role("button", name="記録を保存する").click()
    _open(page, axe, "09-recorded")
    held.refresh_from_db()
    assert held.private_record.startswith("Scope 2の算定")
    page.get_by_label("専門家派遣").check()
    page.get_by_label("ひとこと").fill("工場の省エネ診断をおすすめします")
    page.get_by_role("button", name="おすすめを追加する").click()
    _open(page, axe, "10-recommended")
    assert Recommendation.objects.filter(booking=held, kind="expert_dispatch").exists()

    # 4. the consultation in three days: the meeting URL, then a move request for the desk
    page.goto(live_server.url + f"/advisor/bookings/{coming.pk}/")
    _open(page, axe, "11-coming-booking")
    assert "みどり商工会" in page.content()
    page.get_by_role("textbox", name=re.compile("会議URL")).fill("https://zoom.example/j/2611")
    page.get_by_role("button", name="会議URLを保存する").click()
    _open(page, axe, "12-meeting-url")
    coming.refresh_from_db()
    assert coming.meeting_url == "https://zoom.example/j/2611"
    assert coming.history.latest().history_user == account.user
    target = _hour(4, 15)
    page.get_by_label("希望する日").fill(target.date().isoformat())
    page.get_by_label("開始時刻（日本時間）").fill("15:00")
    page.get_by_label("理由（窓口に伝わります）").fill("講演が入ったため")
    page.get_by_role("button", name="窓口に依頼する").click()
    _open(page, axe, "13-move-requested")
    assert MoveRequest.objects.get(booking=coming).start == target
    assert "窓口の確認待ち" in page.content() and "窓口に依頼する" not in page.content()  # one open request
    assert Booking.objects.get(pk=coming.pk).start == coming.start  # the desk decides

    # 5. the private feed, as a calendar app fetches it (no session)
    page.goto(live_server.url + "/advisor/")
    feed_url = page.locator("code.copy-link").inner_text().strip()
    response = page.context.request.get(live_server.url + "/" + feed_url.split("/", 3)[3], fail_on_status_code=True)
    events = {str(e["UID"]): e for e in Calendar.from_ical(response.body()).walk("VEVENT")}
    event = events[f"consultation-{coming.pk}@cn-portal"]
    assert str(event["LOCATION"]) == "https://zoom.example/j/2611"
    assert "同席する支援機関：みどり商工会" in str(event["DESCRIPTION"])
    assert coming.question not in response.text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_enrol_right_after_signing_in_and_the_recovery_codes_lead_to_the_admin(live_server, page, axe):
    staff = StaffUserFactory(second_factor=False)
    page.goto(live_server.url + "/admin/")
    page.get_by_label("メールアドレス").fill(staff.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_url("**/2fa/totp/activate/")  # the QR code, no second password prompt
    _open(page, axe, "20-activate")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator('form[action$="/2fa/totp/activate/"] button[type=submit]').click()
    page.wait_for_url("**/2fa/recovery-codes/")
    _open(page, axe, "21-recovery-codes")
    page.get_by_role("link", name="管理サイトへ進む").click()
    page.wait_for_url(re.compile(r".*/admin/$"))
    _open(page, axe, "22-admin")
