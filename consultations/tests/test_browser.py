import time

import pytest
from django.core import mail

from consultations.models import Booking, BookingStatus
from consultations.tests.conftest import make_advisor, pick_free_slot


def _wait_for_mail(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mail.outbox if predicate(m)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no such mail; outbox: {[m.subject for m in mail.outbox]}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_sme_books_receives_the_ics_mail_and_cancels(live_server, live_celery_worker, page, axe, sme_user, password):
    make_advisor(name="山田 テスト")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("メールアドレス").fill(sme_user.email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_load_state()

    page.goto(live_server.url + "/consultations/")
    axe(page)
    page.get_by_role("link", name="オンラインで相談").first.click()
    axe(page)
    page.get_by_role("button", name="この内容で予約する").click()
    assert page.get_by_role("alert").is_visible()  # nothing chosen or filled in yet
    axe(page)
    pick_free_slot(page)
    page.get_by_label("補助金").check()
    page.get_by_label("ご相談内容").fill("省エネ設備の更新に使える補助金を知りたい")
    page.get_by_label("Zoom").check()
    axe(page)
    page.get_by_role("button", name="この内容で予約する").click()
    page.wait_for_url("**/consultations/bookings/*/")
    assert page.get_by_role("heading", name="ご予約の内容").is_visible()
    axe(page)

    booking = Booking.objects.get()
    message = _wait_for_mail(lambda m: m.to == [sme_user.email] and "受け付け" in m.subject)
    filename, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar" and filename.endswith(".ics")
    assert "BEGIN:VEVENT" in (content if isinstance(content, str) else content.decode())

    page.goto(live_server.url + "/consultations/bookings/")
    axe(page)
    page.get_by_role("link", name="キャンセル").first.click()
    axe(page)
    page.get_by_role("button", name="キャンセルする").click()
    page.wait_for_url("**/consultations/bookings/")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    _wait_for_mail(lambda m: m.to == [sme_user.email] and "キャンセル" in m.subject)
