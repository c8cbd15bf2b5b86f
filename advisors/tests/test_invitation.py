"""SMRJ staff invite an advisor from the admin; the mailed link sets a password once, then a second factor."""

import datetime as dt
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import signing

from accounts.models import User
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from advisors import services
from advisors.models import AdvisorAccount
from consultations.tests.conftest import make_advisor
from core.models import MailOutbox

pytestmark = pytest.mark.django_db
PASSWORD = "midori-kenkyu-2026"


@pytest.fixture
def desk(client):
    from django.contrib.auth.models import Group

    from accounts.roles import CONSULTATION_DESK
    from accounts.services import staff_groups_sync

    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=CONSULTATION_DESK))
    client.force_login(user)
    return user


def _link(outbox_row) -> str:
    url = re.search(r"http://\S+/advisor/welcome/\S+/", outbox_row.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_desk_invites_an_advisor_from_the_admin_and_the_mail_carries_the_link(client, desk):
    advisor = make_advisor(name="招待 花子", email="Hanako@Example.jp")
    response = client.post("/admin/advisors/advisoraccount/add/", {"advisor": advisor.pk})
    assert response.status_code == 302
    account = AdvisorAccount.objects.get()
    assert (account.advisor, account.user.email, account.invited_by) == (advisor, "hanako@example.jp", desk)
    assert not account.user.has_usable_password()
    row = MailOutbox.objects.get(to=["hanako@example.jp"])
    assert "専門家用ワークスペース" in row.subject and "/advisor/welcome/" in row.body


def test_an_advisor_without_an_email_or_with_an_sme_address_is_refused_in_the_form(client, desk):
    no_mail = make_advisor(name="メールなし", email="")
    response = client.post("/admin/advisors/advisoraccount/add/", {"advisor": no_mail.pk})
    assert "メールアドレスを登録してください" in response.content.decode()
    sme = SmeUserFactory()
    clash = make_advisor(name="重複", email=sme.email)
    response = client.post("/admin/advisors/advisoraccount/add/", {"advisor": clash.pk})
    assert "企業・支援機関・職員のアカウントで使われています" in response.content.decode()
    assert not AdvisorAccount.objects.exists()


def test_the_link_sets_a_password_once_verifies_the_address_and_asks_for_a_second_factor(client):
    account = services.advisor_invite(advisor=make_advisor(email="jiro@example.jp"), invited_by=None)
    link = _link(MailOutbox.objects.get())
    page = client.get(link)
    assert page.status_code == 200 and "パスワードを設定する" in page.content.decode()
    response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    user = User.objects.get(pk=account.user_id)
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    account.refresh_from_db()
    assert account.activated_at is not None
    # the workspace itself insists on the authenticator app
    assert client.get("/advisor/")["Location"] == "/accounts/2fa/totp/activate/"
    client.logout()
    reused = client.get(link)
    assert reused.status_code == 410 and "すでに使われています" in reused.content.decode()
    again = client.post(link, {"password1": "another-pass-2026", "password2": "another-pass-2026"})
    assert again.status_code == 410
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_forged_link_gets_a_clear_page_and_changes_nothing(client):
    account = services.advisor_invite(advisor=make_advisor(), invited_by=None)
    link = _link(MailOutbox.objects.get())
    for bad in (link[:-2] + "x/", "/advisor/welcome/nonsense/"):
        response = client.post(bad, {"password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 404 and "正しくありません" in response.content.decode()
    forged = signing.dumps({"a": account.pk, "s": "0" * 32}, salt="not-the-salt")
    assert client.get(f"/advisor/welcome/{forged}/").status_code == 404
    assert not User.objects.get(pk=account.user_id).has_usable_password()


def test_an_expired_link_gets_a_clear_page(client):
    services.advisor_invite(advisor=make_advisor(), invited_by=None)
    link = _link(MailOutbox.objects.get())
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=7, minutes=1)):
        response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410 and "有効期限" in response.content.decode()


def test_a_weak_or_mismatched_password_is_named_next_to_the_field(client):
    account = services.advisor_invite(advisor=make_advisor(), invited_by=None)
    link = _link(MailOutbox.objects.get())
    weak = client.post(link, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 400 and 'id="id_password1_error"' in weak.content.decode()
    mismatch = client.post(link, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert "同じパスワードを2回入力してください" in mismatch.content.decode()
    assert not User.objects.get(pk=account.user_id).has_usable_password()


def test_the_desk_resends_an_invitation_with_a_fresh_link(client, desk):
    account = services.advisor_invite(advisor=make_advisor(), invited_by=None)
    client.post(
        "/admin/advisors/advisoraccount/",
        {"action": "resend_invitation", "_selected_action": [account.pk]},
    )
    assert MailOutbox.objects.count() == 2


def test_an_activated_advisor_is_not_invited_again():
    account = services.advisor_invite(advisor=make_advisor(), invited_by=None)
    services.advisor_activate(token=services.invitation_token(account), password=PASSWORD)
    with pytest.raises(services.ApplicationError):
        services.advisor_invite(advisor=account.advisor, invited_by=None)


def test_an_advisor_signs_in_with_the_second_factor_and_lands_in_the_workspace(client):
    from accounts.tests.factories import enrol_second_factor, totp_code

    account = services.advisor_invite(advisor=make_advisor(), invited_by=None)
    services.advisor_activate(token=services.invitation_token(account), password=PASSWORD)
    enrol_second_factor(account.user)
    response = client.post("/accounts/login/", {"login": account.user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response["Location"] == "/advisor/"
    assert client.get("/advisor/").status_code == 200
    assert not User.objects.get(pk=account.user_id).needs_company_profile
