"""Private pages are never stored by a browser or a proxy: `Cache-Control: private, no-store` on every answer to a
signed-in user (every portal URL, its ids filled from the bad-input sweep's world) and on every private download
reached by a secret link; an anonymous visitor's public page keeps what its view set (core.cachecontrol)."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from accounts.tests.factories import StaffUserFactory
from core.cachecontrol import PRIVATE_NO_STORE, PrivateCacheMiddleware, mark_private, mark_public
from tests.test_bad_input import BASE_QUERY, _world_once, concrete, frozen, private_media, url_patterns  # noqa: F401
from tests.test_desk_access import world  # noqa: F401

pytestmark = pytest.mark.django_db

ROUTES = url_patterns()
NAMES = dict(ROUTES)


def _get(client: Client, route: str, world):  # noqa: F811
    return client.get(concrete(route, world), BASE_QUERY.get(NAMES.get(route, ""), {}))


@pytest.mark.parametrize("role", ["sme", "institution", "advisor", "expert", "desk"])
def test_every_url_answers_a_signed_in_user_private_no_store(role, world):  # noqa: F811
    client = Client()
    client.force_login(world["users"][role] if role != "desk" else StaffUserFactory(is_superuser=True))
    wrong, downloads = [], 0
    for route, _name in ROUTES:
        response = _get(client, route, world)
        if response.get("Cache-Control") != PRIVATE_NO_STORE:
            wrong.append(f"{route} {response.status_code} {response.get('Cache-Control')!r}")
        content_type = response.get("Content-Type", "")
        downloads += response.status_code == 200 and content_type.startswith(("text/calendar", "text/csv", "appl"))
    assert wrong == []
    assert downloads > 0  # the walk reached files (.ics, CSV, PDF, JSON), not only pages


def test_private_downloads_by_a_secret_link_are_private_for_anonymous_visitors_too(world):  # noqa: F811
    client = Client()
    reached = 0
    for route, _name in ROUTES:
        if "<str:token>" not in route:
            continue
        response = _get(client, route, world)
        assert response["Cache-Control"] == PRIVATE_NO_STORE, route
        reached += response.status_code == 200
    assert reached >= 4  # the disclosure page and its PDF, an advisor's calendar, a booking's cancellation page


def test_booking_calendar_and_institution_csv_are_private(world):  # noqa: F811
    client = Client()
    client.force_login(world["users"]["sme"])
    ics = client.get(f"/consultations/bookings/{world['pk']['consultations/bookings/']}/consultation.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    assert ics["Cache-Control"] == PRIVATE_NO_STORE
    client.force_login(world["users"]["institution"])
    csvs = [r for r, _n in ROUTES if r.startswith("institutions/") and r.endswith(".csv")]
    assert csvs
    for route in csvs:  # an export is logged for the companies, so it is a POST
        response = client.post(concrete(route, world))
        assert response.status_code == 200 and response["Cache-Control"] == PRIVATE_NO_STORE, route


def test_an_anonymous_public_page_keeps_what_its_view_set(world):  # noqa: F811
    for path in ("/subsidies/", "/privacy/", "/seminars/feed.ics"):
        response = Client().get(path)
        assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", ""), path


def _through_middleware(response, *, signed_in: bool):
    request = RequestFactory().get("/x/")
    if signed_in:
        request.COOKIES["sessionid"] = "x"
        request.user = StaffUserFactory()
    return PrivateCacheMiddleware(lambda r: response)(request)


def test_the_markers_say_public_or_private_whoever_asks():
    public = HttpResponse("same for everyone")
    public["Cache-Control"] = "public, max-age=300"
    assert _through_middleware(mark_public(public), signed_in=True)["Cache-Control"] == "public, max-age=300"
    private = HttpResponse("one person's")
    private["Cache-Control"] = "max-age=300"
    assert _through_middleware(mark_private(private), signed_in=False)["Cache-Control"] == PRIVATE_NO_STORE
    unmarked = HttpResponse("a page")
    unmarked["Cache-Control"] = "public, max-age=300"
    assert _through_middleware(unmarked, signed_in=True)["Cache-Control"] == PRIVATE_NO_STORE
