"""On a phone (390 px), by keyboard: a returning user books from the home page in at most six page loads, and
the booking lists fit the screen."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import SmeUserFactory
from consultations.models import Booking
from consultations.services import booking_bounds, booking_create
from consultations.tests.conftest import intake, make_advisor
from core.jst import JST, jst_date

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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_returning_user_books_from_the_home_page_in_six_page_loads_by_keyboard_on_a_phone(live_server, page, axe):
    make_advisor(name="山田 テスト")
    user = SmeUserFactory()
    signed_in(page, live_server, user)
    page.set_viewport_size(PHONE)
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))

    page.goto(live_server.url + "/")
    axe(page)
    tab_to(page, page.get_by_role("link", name="無料のCN相談を予約する"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/")
    axe(page)
    tab_to(page, page.get_by_role("link", name="オンラインで相談").first)
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/w/hq/**")
    axe(page)
    tab_to(page, page.locator("a.slot-free").first)
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/**")
    axe(page)
    tab_to(page, page.get_by_label("補助金"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("ご相談内容"))
    page.keyboard.type("省エネ設備の更新に使える補助金を知りたい")
    tab_to(page, page.get_by_label("Microsoft Teams"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="入力内容を確認する"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="予約内容の確認").wait_for()
    axe(page)
    tab_to(page, page.get_by_role("button", name="この内容で予約する"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/consultations/bookings/*/")
    page.get_by_role("heading", name="ご予約の内容").wait_for()
    axe(page)

    booking = Booking.objects.get()
    assert booking.company == user.company and booking.topics == ["subsidy"]
    print(f"\n[phone] home page to confirmation: {len(loads)} page loads at 390 px, keyboard only: {loads}")
    assert len(loads) <= 6, loads


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
    import datetime as dt

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
