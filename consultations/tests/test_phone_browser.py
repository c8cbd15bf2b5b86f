"""On a phone (390 px), by keyboard: from the home page to a booked consultation in at most five page loads for a
new SME (its mail link opened in another browser), three for a signed-in returning user and four for one who signs
in first; any hour of the next two weeks within 30 Tab presses of the calendar's top; the booking lists fit."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import SmeUserFactory
from consultations.models import Booking
from consultations.services import booking_bounds, booking_create
from consultations.tests.conftest import intake, make_advisor
from core.jst import JST, jst_date
from core.models import MailOutbox

PHONE = {"width": 390, "height": 844}


def signed_in(page, live_server, user) -> None:
    """Log the browser in through a session cookie: a returning user, no page load spent on it."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def tab_to(page, locator, limit: int = 400) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => el === document.activeElement", target):
            return
    raise AssertionError(f"Tab never reached {locator}")


def count_loads(page) -> list[str]:
    """Every page load of this tab (a POST answered by a redirect and its GET count as one, as the person sees)."""
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    return loads


def choose_hour_by_keyboard(page) -> str:
    """Open the first day with a free hour and choose its first hour with the keyboard; returns the hour."""
    day = page.locator("details.slot-day", has=page.locator("input[name=start]")).first
    tab_to(page, day.locator("summary"))
    page.keyboard.press("Enter")
    radio = day.locator("input[name=start]").first
    tab_to(page, radio)
    page.keyboard.press("Space")
    assert radio.is_checked()
    return radio.get_attribute("value")


def describe_by_keyboard(page) -> None:
    tab_to(page, page.get_by_label("補助金"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("ご相談内容"))
    page.keyboard.type("省エネ設備の更新に使える補助金を知りたい")
    tab_to(page, page.get_by_label("Microsoft Teams"))
    page.keyboard.press("Space")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_sme_books_from_the_home_page_in_five_page_loads_with_the_link_opened_in_another_browser(
    live_server, browser, page, axe
):
    make_advisor(name="山田 テスト")
    page.set_viewport_size(PHONE)
    loads = count_loads(page)

    page.goto(live_server.url + "/")
    axe(page)
    tab_to(page, page.get_by_role("link", name="無料のCN相談を予約する"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/w/hq/")
    axe(page)
    hour = choose_hour_by_keyboard(page)
    describe_by_keyboard(page)
    for field, value in (("#id_email", "hanako@example.jp"), ("#id_family_name", "緑川"), ("#id_given_name", "花子")):
        tab_to(page, page.locator(field))
        page.keyboard.type(value)
    tab_to(page, page.get_by_label("会社名・屋号"))
    page.keyboard.type("株式会社みどり精工")
    page.get_by_label("所在地（都道府県）").select_option("aichi")
    page.get_by_label("業種").select_option("manufacturing")
    page.get_by_label("従業員数").select_option("le_20")
    page.get_by_label("売上高").select_option("le_100m")
    axe(page)
    tab_to(page, page.get_by_role("button", name="予約を申し込む（確認メールが届きます）"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/hold/sent/")
    axe(page)

    body = MailOutbox.objects.get(key__endswith=":hold").body
    link = re.search(r"https?://[^/\s]+(/consultations/hold/\d+/[^/\s]+/)", body).group(1)
    # The phone's mail app opens the link in a browser of its own: no cookie of the first one.
    other = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE)
    phone = other.new_page()
    phone.set_default_timeout(15_000)
    loads_there = count_loads(phone)
    try:
        phone.goto(live_server.url + link)
        axe(phone)
        tab_to(phone, phone.get_by_role("button", name="予約を確定する"))
        phone.keyboard.press("Enter")
        phone.wait_for_url("**/consultations/bookings/*/")
        phone.get_by_role("heading", name="ご予約の内容").wait_for()
        axe(phone)
        assert "受付済み" in phone.content()
    finally:
        other.close()

    booking = Booking.objects.get()
    assert booking.status == "requested" and booking.start == dt.datetime.fromisoformat(hour)
    assert (booking.created_by.last_name, booking.company.name) == ("緑川", "株式会社みどり精工")
    total = loads + loads_there
    print(f"\n[phone] new SME, home page to 受付済み: {len(total)} page loads at 390 px: {total}")
    assert len(total) <= 5, total


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_returning_signed_in_user_books_from_the_home_page_in_three_page_loads(live_server, page, axe):
    make_advisor(name="山田 テスト")
    user = SmeUserFactory()
    signed_in(page, live_server, user)
    page.set_viewport_size(PHONE)
    loads = count_loads(page)

    page.goto(live_server.url + "/")
    tab_to(page, page.get_by_role("link", name="無料のCN相談を予約する"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/w/hq/")
    axe(page)
    choose_hour_by_keyboard(page)
    describe_by_keyboard(page)
    tab_to(page, page.get_by_role("button", name="この内容で予約する"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/bookings/*/")
    page.get_by_role("heading", name="ご予約の内容").wait_for()
    axe(page)

    booking = Booking.objects.get()
    assert booking.company == user.company and booking.topics == ["subsidy"]
    print(f"\n[phone] returning user, signed in, home page to 受付済み: {len(loads)} page loads: {loads}")
    assert len(loads) <= 3, loads


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_returning_user_who_signs_in_first_books_from_the_home_page_in_four_page_loads(
    live_server, page, axe, password
):
    make_advisor(name="山田 テスト")
    user = SmeUserFactory()
    page.set_viewport_size(PHONE)
    loads = count_loads(page)

    page.goto(live_server.url + "/")
    tab_to(page, page.get_by_role("link", name="登録済みの方はログインして予約"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/**")
    axe(page)
    tab_to(page, page.get_by_label("メールアドレス"))
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Tab")  # e-mail, password, then the log-in button (the reset link comes after it)
    assert page.evaluate("() => document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/w/hq/")
    choose_hour_by_keyboard(page)
    describe_by_keyboard(page)
    tab_to(page, page.get_by_role("button", name="この内容で予約する"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/bookings/*/")

    assert Booking.objects.get().company == user.company
    print(f"\n[phone] returning user signing in first, home page to 受付済み: {len(loads)} page loads: {loads}")
    assert len(loads) <= 4, loads


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_any_hour_of_the_next_two_weeks_is_at_most_thirty_tab_presses_from_the_top_of_the_calendar(live_server, page):
    make_advisor(name="山田 テスト")
    earliest, _latest = booking_bounds()
    last_day = jst_date(earliest) + dt.timedelta(days=13)
    most = 0
    page.goto(live_server.url + "/consultations/w/hq/")
    days = page.locator("details.slot-day", has=page.locator("input[name=start]"))
    targets = [
        v
        for v in days.locator("input[name=start]").evaluate_all("(els) => els.map((e) => e.value)")
        if dt.date.fromisoformat(v[:10]) <= last_day
    ]
    assert len(targets) >= 16, targets  # two weeks of Tuesdays and Thursdays, 8 hours each
    for value in targets[:: max(1, len(targets) // 12)] + [targets[-1]]:
        page.goto(live_server.url + "/consultations/w/hq/")
        page.evaluate("() => document.querySelector('#slot-picker legend').scrollIntoView()")
        page.evaluate("() => { const h = document.querySelector('#slot-picker h2'); h.tabIndex = -1; h.focus(); }")
        radio = page.locator(f'input[name=start][value="{value}"]')
        summary = page.locator("details.slot-day", has=radio).locator("summary")
        tabs = 0
        while not page.evaluate("(el) => el === document.activeElement", summary.element_handle()):
            page.keyboard.press("Tab")
            tabs += 1
            assert tabs <= 30, value
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        tabs += 1
        for _ in range(12):  # arrows move within the day's hours (not Tab presses)
            if radio.is_checked() or page.evaluate("(el) => el === document.activeElement", radio.element_handle()):
                break
            page.keyboard.press("ArrowRight")
        assert page.evaluate("(el) => el === document.activeElement", radio.element_handle()), value
        most = max(most, tabs)
    print(f"\n[calendar] most Tab presses from the top of the calendar to an hour in the next two weeks: {most}")
    assert most <= 30


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_booking_and_seminar_lists_fit_a_phone_with_their_links_on_screen(live_server, page, axe):
    from seminars.services import registration_create
    from seminars.tests.factories import SeminarFactory

    make_advisor(name="山田 テスト")
    make_advisor(name="佐藤 テスト", email="sato@example.jp")
    user = SmeUserFactory(company__name="株式会社とても長い名前の製作所ホールディングス")
    earliest, _latest = booking_bounds()
    day = jst_date(earliest)
    while day.weekday() != 3:
        day = day.fromordinal(day.toordinal() + 1)
    for hour in (10, 14):
        booking_create(user=user, start=dt.datetime.combine(day, dt.time(hour), tzinfo=JST), **intake())
    registration_create(
        seminar_id=SeminarFactory(title="サプライチェーン全体の脱炭素に向けた中小企業向け実践講座（オンライン）").pk,
        user=user,
    )
    signed_in(page, live_server, user)
    page.set_viewport_size(PHONE)
    for path, link in (("/consultations/bookings/", "キャンセル"), ("/seminars/my/", "キャンセル")):
        page.goto(live_server.url + path)
        axe(page)
        links = (
            page.get_by_role("main").get_by_role("link", name=link).all() or page.get_by_role("button", name=link).all()
        )
        assert links, path
        for item in links:
            box = item.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, box)
