import re

import pytest
from django.core import mail

from accounts.models import User


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_signs_up_verifies_logs_in_fills_the_company_and_switches_to_english(live_server, page, axe):
    page.goto(live_server.url + "/")
    axe(page)
    page.get_by_role("link", name="新規登録").click()
    axe(page)
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.locator("#id_family_name").fill("緑川")
    page.locator("#id_given_name").fill("花子")
    page.locator("#id_password1").fill("midori-seiko-2026")
    page.locator("#id_password2").fill("midori-seiko-2026")
    page.get_by_role("button", name="ユーザー登録").click()
    page.wait_for_url("**/confirm-email/")
    axe(page)

    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page.goto(f"{live_server.url}/{path}")
    axe(page)
    page.get_by_role("button", name="確認する").click()

    page.goto(live_server.url + "/accounts/login/")
    axe(page)
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.locator("#id_password").fill("midori-seiko-2026")
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_url("**/me/company/")
    axe(page)

    page.get_by_role("button", name="保存する").click()
    assert page.get_by_role("alert").is_visible()
    axe(page)
    page.get_by_label("会社名・屋号").fill("株式会社はなこ製作所")
    page.get_by_label("所在地（都道府県）").select_option("aichi")
    page.get_by_label("業種").select_option("manufacturing")
    page.locator("#id_employee_band").select_option("le_20")
    page.get_by_label("売上高").select_option("le_100m")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/me/")
    assert page.get_by_text("株式会社はなこ製作所").is_visible()
    axe(page)
    assert User.objects.get(email="hanako@example.jp").company.prefecture == "aichi"

    page.get_by_label("表示言語").select_option("en")
    page.get_by_role("button", name="切替").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="My page").is_visible()
    axe(page)
