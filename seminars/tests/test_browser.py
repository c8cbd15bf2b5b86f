import pytest

from accounts.tests.factories import PASSWORD, SmeUserFactory
from core.models import MailOutbox
from seminars import services
from seminars.models import Registration, RegistrationStatus
from seminars.tests.factories import SeminarFactory


def log_in(page, base_url, user):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_user_is_waitlisted_on_a_full_seminar_and_promoted_when_someone_cancels(live_server, browser, axe):
    seminar = SeminarFactory(title="満席の省エネセミナー", capacity=1)
    holder, waiter = SmeUserFactory(), SmeUserFactory()
    services.registration_create(seminar_id=seminar.pk, user=holder)

    waiter_ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = waiter_ctx.new_page()
    page.goto(live_server.url + "/seminars/")
    axe(page)
    page.get_by_label("キーワード").fill("省エネ")
    page.get_by_role("button", name="この条件で探す").click()
    page.get_by_role("link", name="満席の省エネセミナー").click()
    axe(page)
    page.get_by_role("link", name="ログインして申し込む").click()
    page.fill("#id_login", waiter.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**/seminars/{seminar.pk}/")
    page.get_by_role("button", name="キャンセル待ちに登録する").click()
    assert page.get_by_text("キャンセル待ちに登録しています").is_visible()
    assert "secret-room" not in page.content()
    axe(page)

    holder_ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    holder_page = holder_ctx.new_page()
    log_in(holder_page, live_server.url, holder)
    holder_page.goto(live_server.url + "/seminars/my/")
    axe(holder_page)
    holder_page.get_by_role("main").get_by_role("link", name="キャンセル").click()
    holder_page.wait_for_url("**/cancel/?next=my")
    axe(holder_page)  # the confirmation page: nothing is cancelled by the tap on the list
    assert Registration.objects.get(user=holder).status == RegistrationStatus.REGISTERED
    holder_page.get_by_role("button", name="申込をキャンセルする").click()
    holder_page.wait_for_url("**/seminars/my/")
    assert holder_page.get_by_text("キャンセルしました").is_visible()

    page.reload()
    assert page.get_by_text("お申し込み済みです").is_visible()
    assert page.get_by_role("link", name="https://example.jp/live/secret-room").is_visible()
    axe(page)
    promoted = Registration.objects.get(user=waiter)
    assert promoted.status == RegistrationStatus.REGISTERED
    assert MailOutbox.objects.filter(key=f"seminars.registration:{promoted.pk}:promoted").exists()
    waiter_ctx.close()
    holder_ctx.close()
