import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail

from accounts.models import Company, User
from accounts.roles import ALL_GROUPS, CATALOGUE_EDITOR, CONSULTATION_DESK, SEMINAR_DESK
from accounts.tests.factories import enrol_second_factor


def _signup(client, email="new@example.jp", password="midori-seiko-2026"):
    return client.post(
        "/accounts/signup/",
        {"family_name": "緑川", "given_name": "花子", "email": email, "password1": password, "password2": password},
        follow=True,
    )


@pytest.mark.django_db
def test_sign_up_sends_a_verification_mail_and_log_in_waits_for_it(client):
    _signup(client)
    user = User.objects.get(email="new@example.jp")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)

    client.logout()
    response = client.post("/accounts/login/", {"login": "new@example.jp", "password": "midori-seiko-2026"})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session

    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified

    response = client.post("/accounts/login/", {"login": "new@example.jp", "password": "midori-seiko-2026"})
    assert response.status_code == 302 and response["Location"] == "/me/company/"


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, sme_user):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": sme_user.email, "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": sme_user.email, "password": "wrong-password"})
    assert "ログイン失敗が連続しています" in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": sme_user.email, "password": "correct-horse-battery-9"})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_mails_a_link(client, sme_user):
    client.post("/accounts/password/reset/", {"email": sme_user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_new_sme_user_fills_in_the_company_once_and_can_edit_it(client, user):
    client.force_login(user)
    assert client.get("/me/")["Location"] == "/me/company/"
    data = {
        "name": "株式会社テスト製作所",
        "prefecture": "aichi",
        "industry": "manufacturing",
        "employee_band": "le_20",
        "employees": "",
        "revenue_band": "le_500m",
        "capital_yen": "10000000",
    }
    response = client.post("/me/company/", data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.company.name == "株式会社テスト製作所" and user.company.capital_yen == 10_000_000

    response = client.post("/me/company/", {**data, "name": "株式会社テスト製作所 本社", "employees": "35"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert Company.objects.count() == 1
    assert user.company.name == "株式会社テスト製作所 本社"
    # An exact head-count sets the statistics band, so the two never disagree.
    assert user.company.employee_band == "le_50"


@pytest.mark.django_db
def test_bad_company_input_gets_japanese_errors_and_saves_nothing(client, user):
    client.force_login(user)
    response = client.post(
        "/me/company/",
        {
            "name": "",
            "prefecture": "atlantis",
            "industry": "manufacturing",
            "employee_band": "le_5",
            "revenue_band": "le_10m",
            "capital_yen": "-5",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "入力内容を確認してください" in body
    assert "会社名・屋号を入力してください。" in body
    assert 'aria-invalid="true"' in body
    assert Company.objects.count() == 0


@pytest.mark.django_db
def test_institution_staff_have_no_company_form(institution_client):
    assert institution_client.get("/me/company/").status_code == 403


@pytest.mark.django_db
def test_staff_groups_exist_with_their_permissions():
    assert set(Group.objects.filter(name__in=ALL_GROUPS).values_list("name", flat=True)) == set(ALL_GROUPS)
    desk = Group.objects.get(name=CONSULTATION_DESK)
    assert desk.permissions.filter(codename="view_company").exists()
    assert Group.objects.get(name=SEMINAR_DESK).permissions.filter(codename="view_user").exists()
    assert not Group.objects.get(name=CATALOGUE_EDITOR).permissions.filter(codename="change_user").exists()


@pytest.mark.django_db
def test_admin_is_in_japanese_with_useful_columns(client):
    admin = User.objects.create_superuser("boss@example.jp", "admin-pass-2026x")
    enrol_second_factor(admin)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    client.force_login(admin)
    body = client.get("/admin/accounts/company/").content.decode()
    assert "CN支援ポータル 管理サイト" in body
    assert "業種" in body and "所在地（都道府県）" in body
    assert client.get("/admin/accounts/user/?q=boss").status_code == 200


@pytest.mark.django_db
def test_load_demo_is_idempotent():
    from django.core.management import call_command

    call_command("load_demo", "--allow-production")
    call_command("load_demo", "--allow-production")
    assert User.objects.filter(email__in=["admin@example.jp", "sme@example.jp", "shokokai@example.jp"]).count() == 3


@pytest.mark.django_db
def test_load_demo_gives_an_advisor_login_and_an_institution_with_staff_members_and_a_request(capsys):
    from django.core.management import call_command

    from advisors.models import AdvisorAccount
    from institutions.models import ConsultationRequest, MemberInvitation, Membership

    for _ in range(2):
        call_command("load_demo", "--allow-production")
    out = capsys.readouterr().out
    assert (
        "advisor@example.jp / cn-demo-2026" in out and "aoba@example.jp" in out and "shokokai-kankyo@example.jp" in out
    )
    account = AdvisorAccount.objects.get(user__email="advisor@example.jp")
    assert account.user.check_password("cn-demo-2026") and account.advisor.email == "advisor@example.jp"
    staff = User.objects.get(email="shokokai@example.jp")
    assert staff.institution.staff.count() == 2
    members = Membership.objects.filter(institution=staff.institution, left_at__isnull=True)
    assert sorted(m.company.users.get().email for m in members) == ["aoba@example.jp", "sme@example.jp"]
    assert MemberInvitation.objects.filter(institution=staff.institution).count() == 3
    assert ConsultationRequest.objects.get().status == "pending"


@pytest.mark.django_db
def test_the_institution_list_in_the_admin_counts_staff_without_a_query_per_row(client, django_assert_max_num_queries):
    from accounts.tests.factories import InstitutionUserFactory

    admin = User.objects.create_superuser("boss2@example.jp", "admin-pass-2026x")

    enrol_second_factor(admin)
    client.force_login(admin)
    for _ in range(3):
        InstitutionUserFactory()
    with django_assert_max_num_queries(12) as few:
        client.get("/admin/accounts/supportinstitution/")
    for _ in range(10):
        InstitutionUserFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/admin/accounts/supportinstitution/").content.decode()
    assert "職員数" in body
