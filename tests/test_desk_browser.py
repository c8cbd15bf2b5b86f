"""The desk pages in a real browser at 1280 px: signed in with the second factor, no serious axe violation."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import PASSWORD, SmeUserFactory, SuperUserFactory, totp_code


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_desk_pages_pass_axe_after_signing_in_with_the_authenticator(live_server, page, axe):
    from consultations.services import booking_create
    from consultations.tests.conftest import intake, make_advisor
    from core.jst import JST, jst_now
    from selfcheck.tests.helpers import filled_sheet
    from seminars import services as seminar_services
    from seminars.tests.factories import SeminarFactory

    make_advisor()
    # A bookable Tuesday two weeks ahead, 09:00 JST (the hour that showed as 00:00 when times were UTC).
    day = jst_now().date() + dt.timedelta(days=14)
    day += dt.timedelta(days=(1 - day.weekday()) % 7)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=JST)
    with time_machine.travel(jst_now(), tick=True):
        booking = booking_create(user=SmeUserFactory(), start=start, **intake(topics=["current_state", "subsidy"]))
    seminar = SeminarFactory(title="省エネ診断の使い方", capacity=1)
    for _ in range(2):
        seminar_services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    sheet = filled_sheet(SmeUserFactory().company)
    boss = SuperUserFactory()

    page.goto(live_server.url + "/admin/")
    page.fill("#id_login", boss.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("#id_code", totp_code())
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(live_server.url + "/admin/")
    axe(page)

    pages = [
        "/admin/consultations/booking/",
        f"/admin/consultations/booking/{booking.pk}/change/",
        f"/admin/consultations/booking/{booking.pk}/desk/",
        f"/admin/consultations/booking/{booking.pk}/history/",
        "/admin/consultations/booking/statistics/",
        "/admin/seminars/seminar/",
        f"/admin/seminars/seminar/{seminar.pk}/change/",
        f"/admin/seminars/seminar/{seminar.pk}/capacity/",
        "/admin/seminars/seminar/summary/",
        "/admin/seminars/registration/",
        f"/admin/selfcheck/sheet/{sheet.pk}/change/",
        f"/admin/selfcheck/sheet/{sheet.pk}/amounts/",
        "/admin/audit/",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        assert page.locator("#content").is_visible(), path
        axe(page)

    page.goto(live_server.url + f"/admin/consultations/booking/{booking.pk}/change/")
    when = start.strftime("%Y-%m-%d 09:00")
    assert when in page.title() and when in page.locator(".breadcrumbs").inner_text()
    assert "現状把握・情報収集、補助金" in page.content()

    page.goto(live_server.url + "/admin/consultations/booking/statistics/?date_from=2026-05-01&date_to=2026-04-01")
    assert "開始日と終了日が逆です" in page.locator(".errornote").inner_text()
    axe(page)
