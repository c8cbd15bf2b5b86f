"""Least privilege on the staff side: each desk group sees exactly its own admin pages; only superusers manage staff."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import (
    ACCOUNT_ADMIN,
    ALL_GROUPS,
    CATALOGUE_EDITOR,
    CONSULTATION_DESK,
    SELFCHECK_DESK,
    SEMINAR_DESK,
)
from accounts.services import staff_groups_sync
from accounts.tests.factories import (
    PASSWORD,
    InstitutionUserFactory,
    SmeUserFactory,
    StaffUserFactory,
    SuperUserFactory,
)

pytestmark = pytest.mark.django_db

CD, SD, SC, CE, AA = CONSULTATION_DESK, SEMINAR_DESK, SELFCHECK_DESK, CATALOGUE_EDITOR, ACCOUNT_ADMIN
SUPERUSER = "superuser"

# Every admin page of the portal, and the groups that may open it (a superuser opens all of them).
MATRIX: dict[str, set[str]] = {
    "/admin/accounts/company/": {CD, SD, SC, AA},
    "/admin/accounts/supportinstitution/": {CD, SD, SC, CE, AA},
    "/admin/accounts/supportinstitution/add/": {AA},
    "/admin/accounts/user/": {CD, SD, AA},
    "/admin/auth/group/": set(),
    "/admin/sites/site/": set(),
    "/admin/core/mailoutbox/": {CD, SD},
    "/admin/core/mailresend/": {CD, SD},
    "/admin/account/emailaddress/": set(),
    "/admin/mfa/authenticator/": set(),
    "/admin/consultations/booking/": {CD},
    "/admin/consultations/booking/statistics/": {CD},
    "/admin/consultations/booking/export/": {CD},
    "/admin/consultations/advisor/": {CD},
    "/admin/consultations/advisor/add/": {CD},
    "/admin/consultations/consultationwindow/": {CD},
    "/admin/consultations/closure/": {CD},
    "/admin/institutions/membership/": {AA},
    "/admin/institutions/memberinvitation/": {AA},
    "/admin/institutions/consultationrequest/": {AA},
    "/admin/advisors/advisoraccount/": {CD},
    "/admin/advisors/advisoraccount/add/": {CD},
    "/admin/advisors/followup/": {CD},
    "/admin/advisors/recommendation/": {CD},
    "/admin/seminars/seminar/": {SD},
    "/admin/seminars/seminar/add/": {SD},
    "/admin/seminars/seminar/summary/": {SD},
    "/admin/seminars/registration/": {SD},
    "/admin/selfcheck/factorset/": {SC},
    "/admin/selfcheck/selfchecksettings/": {SC},
    "/admin/selfcheck/sheet/": {SC},
    "/admin/sharing/share/": {SC},
    "/admin/sharing/shareaccess/": {SC},
    "/admin/subsidies/measure/": {CE},
    "/admin/subsidies/measure/add/": {CE},
    "/admin/subsidies/track/": {CE},
    "/admin/subsidies/applicationround/": {CE},
    "/admin/subsidies/actionplan/": {CE},
    "/admin/subsidies/follow/": {CE},
}
# Pages nobody opens, superusers included: bookings and registrations are created by the services only.
NOBODY = ["/admin/consultations/booking/add/", "/admin/seminars/registration/add/"]


def _member(group: str) -> User:
    staff_groups_sync()  # a transactional test elsewhere may have flushed the groups
    if group == SUPERUSER:
        return SuperUserFactory()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.parametrize("group", [*ALL_GROUPS, SUPERUSER])
def test_each_group_opens_exactly_its_own_admin_pages(client, group):
    client.force_login(_member(group))
    index = client.get("/admin/").content.decode()
    opened, refused = [], []
    for url, groups in MATRIX.items():
        allowed = group == SUPERUSER or group in groups
        status = client.get(url).status_code
        (opened if status == 200 else refused).append(url)
        assert status == (200 if allowed else 403), f"{group} {url}: {status}"
        if not url.endswith(("/add/", "/statistics/", "/export/", "/summary/")):
            assert (f'href="{url}"' in index) == allowed, f"{group}: the home page link to {url}"
    for url in NOBODY:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("group", [*ALL_GROUPS, SUPERUSER])
def test_only_the_seminar_desk_downloads_the_attendee_list(client, group):
    from seminars.tests.factories import SeminarFactory

    seminar = SeminarFactory()
    client.force_login(_member(group))
    response = client.post(
        "/admin/seminars/seminar/", {"action": "export_attendees_csv", "_selected_action": [seminar.pk]}
    )
    if group in (SD, SUPERUSER):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    else:
        assert response.status_code == 403


def test_migrate_leaves_each_group_with_exactly_its_listed_permissions():
    from accounts.roles import GROUP_PERMISSIONS

    group = Group.objects.get(name=ACCOUNT_ADMIN)
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="view_mailoutbox"))
    staff_groups_sync()
    for name, perms in GROUP_PERMISSIONS.items():
        granted = {
            f"{app}.{code}"
            for app, code in Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
        }
        assert granted == set(perms), name


# --- the account group: SME and institution users only ----------------------------------------------------------


@pytest.fixture
def account_admin_client(client):
    member = _member(AA)
    client.force_login(member)
    client.member = member
    return client


def _user_form(user: User, **extra) -> dict:
    data = {
        "email": user.email,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "company": user.company_id or "",
        "institution": user.institution_id or "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "10:00:00",
    }
    data.update(extra)
    return data


def test_account_group_cannot_make_itself_superuser(account_admin_client):
    me = account_admin_client.member
    response = account_admin_client.post(
        f"/admin/accounts/user/{me.pk}/change/", _user_form(me, is_superuser="on", is_staff="on")
    )
    assert response.status_code in (302, 404) and "change" not in response.get("Location", "")
    me.refresh_from_db()
    assert not me.is_superuser


def test_account_group_cannot_raise_an_sme_user_to_staff_or_superuser(account_admin_client):
    sme = SmeUserFactory(last_name="緑川")
    desk = Group.objects.get(name=CONSULTATION_DESK)
    page = account_admin_client.get(f"/admin/accounts/user/{sme.pk}/change/").content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page, field
    response = account_admin_client.post(
        f"/admin/accounts/user/{sme.pk}/change/",
        _user_form(sme, last_name="緑山", is_superuser="on", is_staff="on", groups=[desk.pk]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    sme.refresh_from_db()
    assert sme.last_name == "緑山"
    assert not sme.is_staff and not sme.is_superuser and not sme.groups.exists()


def test_account_group_cannot_see_or_reset_a_staff_members_password(account_admin_client):
    boss = SuperUserFactory()
    colleague = StaffUserFactory()
    institution_user = InstitutionUserFactory()
    listing = account_admin_client.get("/admin/accounts/user/").content.decode()
    assert f"/admin/accounts/user/{institution_user.pk}/change/" in listing
    for staff in (boss, colleague, account_admin_client.member):
        assert f"/admin/accounts/user/{staff.pk}/change/" not in listing
        assert account_admin_client.get(f"/admin/accounts/user/{staff.pk}/change/").status_code in (302, 404)
        response = account_admin_client.post(
            f"/admin/accounts/user/{staff.pk}/password/",
            {"password1": "taken-over-2026x", "password2": "taken-over-2026x"},
        )
        assert response.status_code == 404
        staff.refresh_from_db()
        assert staff.check_password(PASSWORD)


def test_superuser_sees_the_privilege_fields(client):
    client.force_login(_member(SUPERUSER))
    staff = StaffUserFactory()
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' in page, field


# --- action plans --------------------------------------------------------------------------------------------


def test_action_plan_is_edited_by_its_institution_and_by_catalogue_editors_only():
    from subsidies.models import ActionPlan
    from subsidies.services import action_plan_can_edit

    member = InstitutionUserFactory()
    plan = ActionPlan.objects.create(
        institution_name=member.institution.name, institution=member.institution, kind="chamber", prefecture="aichi"
    )
    assert action_plan_can_edit(user=member, plan=plan)
    assert not action_plan_can_edit(user=InstitutionUserFactory(), plan=plan)
    assert not action_plan_can_edit(user=_member(SD), plan=plan)
    assert not action_plan_can_edit(user=_member(AA), plan=plan)
    assert action_plan_can_edit(user=_member(CE), plan=plan)
    assert action_plan_can_edit(user=_member(SUPERUSER), plan=plan)


def test_staff_without_the_catalogue_permission_gets_no_plan_form(client):
    from subsidies.models import ActionPlan

    plan = ActionPlan.objects.create(institution_name="テスト商工会", kind="chamber", prefecture="aichi")
    client.force_login(_member(SD))
    from django.urls import reverse

    url = reverse("subsidies:plan_edit", args=[plan.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"title": "書き換え"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.title == ""


# --- staff accounts' history: superusers only ---------------------------------------------------------------------


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_only_superusers_read_the_history_of_a_staff_or_superuser_account(client, group):
    boss = SuperUserFactory(last_name="上司")
    colleague = StaffUserFactory()
    former = StaffUserFactory()
    former.is_staff = False  # once staff: its history still holds the staff-era rows
    former.save()
    sme = SmeUserFactory()
    client.force_login(_member(group))
    for account in (boss, colleague, former):
        for url in (
            f"/admin/accounts/user/{account.pk}/history/",
            f"/admin/accounts/user/{account.pk}/history/{account.history.latest().history_id}/",
        ):
            response = client.get(url)
            assert response.status_code in (403, 404), f"{group} {url}: {response.status_code}"
            assert boss.email not in response.content.decode()
    sees_users = group in MATRIX["/admin/accounts/user/"]
    assert client.get(f"/admin/accounts/user/{sme.pk}/history/").status_code == (200 if sees_users else 403)
    client.force_login(_member(SUPERUSER))
    for account in (boss, colleague, former):
        assert client.get(f"/admin/accounts/user/{account.pk}/history/").status_code == 200


# --- the account group: SME accounts, never a password ------------------------------------------------------------


def test_account_group_cannot_reach_advisors_experts_or_buyers(account_admin_client):
    from accounts.tests.factories import UserFactory, enrol_second_factor
    from advisors.models import AdvisorAccount
    from consultations.tests.conftest import make_advisor
    from dispatch.models import Expert
    from matching.tests.factories import BuyerMemberFactory

    advisor = UserFactory()
    enrol_second_factor(advisor)
    AdvisorAccount.objects.create(advisor=make_advisor(), user=advisor)
    expert = UserFactory()
    Expert.objects.create(user=expert, name="派遣 花子")
    buyer = BuyerMemberFactory().user
    sme = SmeUserFactory()
    listing = account_admin_client.get("/admin/accounts/user/").content.decode()
    assert f"/admin/accounts/user/{sme.pk}/change/" in listing
    for user in (advisor, expert, buyer):
        assert f"/admin/accounts/user/{user.pk}/change/" not in listing
        for page in ("change", "password", "history"):
            response = account_admin_client.get(f"/admin/accounts/user/{user.pk}/{page}/")
            assert response.status_code == 404 or response["Location"] == "/admin/", page  # "not found" either way
        response = account_admin_client.post(
            f"/admin/accounts/user/{user.pk}/password/",
            {"password1": "taken-over-2026x", "password2": "taken-over-2026x"},
        )
        assert response.status_code == 404
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


def test_account_group_never_sets_a_password_but_sends_the_reset_mail(account_admin_client, mailoutbox):
    sme = SmeUserFactory()
    page = account_admin_client.get(f"/admin/accounts/user/{sme.pk}/change/").content.decode()
    assert "/password/" not in page and 'name="email"' not in page
    response = account_admin_client.post(
        f"/admin/accounts/user/{sme.pk}/password/", {"password1": "taken-over-2026x", "password2": "taken-over-2026x"}
    )
    assert response.status_code == 404
    # nor by changing the address first: the e-mail field is read-only to the group
    account_admin_client.post(f"/admin/accounts/user/{sme.pk}/change/", _user_form(sme, email="attacker@example.jp"))
    sme.refresh_from_db()
    assert sme.check_password(PASSWORD) and sme.email != "attacker@example.jp"
    response = account_admin_client.post(
        "/admin/accounts/user/", {"action": "send_password_reset", "_selected_action": [sme.pk]}
    )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[sme.email]] and "/accounts/password/reset/key/" in mailoutbox[0].body
    sme.refresh_from_db()
    assert sme.check_password(PASSWORD)
