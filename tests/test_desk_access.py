"""The one desk rule (core.desk) on every portal page: a desk group's permission opens that desk's pages only with an
authenticator app, for staff and for experts alike.

Each person signs in through the real log-in form (CSRF token included; the authenticator code on allauth's second
step when one is enrolled) and opens every URL of the URL conf outside the admin, its ids filled from the bad-input
sweep's world. Without an authenticator, a desk member or an expert opens no page that a plain SME (a company of
its own, none of the world's data) cannot open, and is sent to set one up where the desk's pages are; with one,
each opens exactly its own desk's pages.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.roles import ACCOUNT_ADMIN, CATALOGUE_EDITOR, CONSULTATION_DESK, SELFCHECK_DESK, SEMINAR_DESK
from accounts.services import staff_groups_sync
from accounts.tests.factories import PASSWORD, SmeUserFactory, StaffUserFactory, totp_code
from matching.roles import MATCHING_DESK
from tests.test_bad_input import BASE_QUERY, _world_once, concrete, frozen, private_media, url_patterns  # noqa: F401

pytestmark = pytest.mark.django_db

DISPATCH_DESK = "専門家派遣デスク"  # dispatch's data migration
EXPERT = "expert"
GROUPS = [
    CONSULTATION_DESK,
    SEMINAR_DESK,
    SELFCHECK_DESK,
    CATALOGUE_EDITOR,
    ACCOUNT_ADMIN,
    MATCHING_DESK,
    DISPATCH_DESK,
]

# The portal pages (beyond a plain SME's) each desk opens with its authenticator; the admin is
# tests/test_staff_privileges.py's matrix.
OWN_PAGES: dict[str, set[str]] = {
    CONSULTATION_DESK: set(),
    SEMINAR_DESK: {"seminars/<int:pk>/checkin/"},
    SELFCHECK_DESK: set(),
    ACCOUNT_ADMIN: set(),
    CATALOGUE_EDITOR: {"subsidies/stale/", "subsidies/plans/<int:pk>/edit/"},
    MATCHING_DESK: {
        "matching/staff/review/",
        "matching/staff/statistics/",
        "matching/staff/statistics.csv",
        "matching/needs/<int:pk>/",
    },
    DISPATCH_DESK: {"dispatch/cases/<int:pk>/"},
    EXPERT: {"dispatch/cases/<int:pk>/", "dispatch/expert/"},
}
# Where the rule sends one without an authenticator (the pages that would be theirs with one).
ENROL = "/accounts/2fa/totp/activate/"

ROUTES = [route for route, _name in url_patterns() if not route.startswith("api/")] + ["api/v1/openapi.json"]
NAMES = dict(url_patterns())


@pytest.fixture
def world(_world_once, db, frozen):  # noqa: F811 - the sweep's world, with a matching need under review
    from matching.models import NeedStatus
    from matching.tests.factories import NeedFactory

    need = NeedFactory(status=NeedStatus.IN_REVIEW)
    return {**_world_once, "pk": {**_world_once["pk"], "matching/": need.pk}}


def _desk_member(group: str, *, second_factor: bool):
    staff_groups_sync()  # a transactional test elsewhere may have flushed the groups
    user = StaffUserFactory(second_factor=second_factor)
    desk, _ = Group.objects.get_or_create(name=group)
    if group == MATCHING_DESK:
        from matching.tests.conftest import DESK_PERMS

        desk.permissions.add(*Permission.objects.filter(content_type__app_label="matching", codename__in=DESK_PERMS))
    if group == DISPATCH_DESK:
        desk.permissions.add(Permission.objects.get(codename="run_dispatch_desk"))
    user.groups.add(desk)
    return user


def sign_in(user, *, second_factor: bool) -> Client:
    """Through allauth's log-in form, with its CSRF token; the authenticator's code on the second step."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    if second_factor:
        assert response["Location"] == "/accounts/2fa/authenticate/"
        page = client.get("/accounts/2fa/authenticate/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(), "csrfmiddlewaretoken": token})
        assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    return client


def walk(client: Client, world) -> dict[str, tuple[int, str]]:
    """Every route's status (and where a redirect leads) for this client."""
    seen = {}
    for route in ROUTES:
        path = concrete(route, world)
        query = BASE_QUERY.get(NAMES.get(route, ""), {})
        response = client.get(path, query)
        assert response.status_code < 500, f"{route}: {response.status_code}"
        seen[route] = (response.status_code, response.get("Location", ""))
    return seen


def opened(seen: dict) -> set[str]:
    return {route for route, (status, _where) in seen.items() if status == 200}


def _person(role: str, world, *, second_factor: bool):
    if role == EXPERT:
        expert = world["users"]["expert"]
        if not second_factor:
            Authenticator.objects.filter(user=expert).delete()
        return expert
    return _desk_member(role, second_factor=second_factor)


_BASELINE: dict[bool, set[str]] = {}


def plain_sme_opens(world, *, second_factor: bool) -> set[str]:
    """What an SME with a company of its own opens (with an authenticator: allauth's pages for managing it too);
    walked once per module, as the world is built once."""
    if second_factor not in _BASELINE:
        sme = SmeUserFactory(second_factor=second_factor)
        _BASELINE[second_factor] = opened(walk(sign_in(sme, second_factor=second_factor), world))
    return _BASELINE[second_factor]


@pytest.mark.parametrize("role", [*GROUPS, EXPERT])
def test_without_an_authenticator_a_desk_member_or_expert_opens_nothing_a_plain_sme_cannot(role, world):
    sme_opens = plain_sme_opens(world, second_factor=False)
    seen = walk(sign_in(_person(role, world, second_factor=False), second_factor=False), world)
    assert opened(seen) - sme_opens == set()
    for route in OWN_PAGES[role]:
        if not route.endswith((".csv", "needs/<int:pk>/")):
            assert seen[route] == (302, ENROL), f"{role} {route}: not sent to enrol"


@pytest.mark.parametrize("role", [*GROUPS, EXPERT])
def test_with_an_authenticator_each_desk_opens_exactly_its_own_pages(role, world):
    sme_opens = plain_sme_opens(world, second_factor=True)
    seen = walk(sign_in(_person(role, world, second_factor=True), second_factor=True), world)
    assert opened(seen) - sme_opens == OWN_PAGES[role]


def test_the_walk_reaches_the_desk_pages_it_names():
    for routes in OWN_PAGES.values():
        assert routes <= set(ROUTES)


def test_smes_and_buyers_are_offered_an_authenticator_and_desk_staff_told_they_need_one(client):
    sme = SmeUserFactory()
    client.force_login(sme)
    page = client.get("/me/").content.decode()
    assert 'href="/accounts/2fa/"' in page and "任意・おすすめ" in page and "設定が必要です" not in page
    client.force_login(_desk_member(CATALOGUE_EDITOR, second_factor=False))
    page = client.get("/me/").content.decode()
    assert f'href="{ENROL}"' in page and "二段階認証の設定が必要です" in page
