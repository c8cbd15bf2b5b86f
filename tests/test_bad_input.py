"""Bad input never breaks a page: every URL of the URL conf, every form on it and every API route, fed with
out-of-range dates, NUL and other control characters, CR/LF, overflowing numbers and oversized bodies.

A page answers with a message (status below 500); the API answers in JSON, a 400 naming the field; and nothing
that was refused is stored (the database is scanned for the characters and the years afterwards).
"""

import datetime as dt
import re
from contextlib import contextmanager
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory, StaffUserFactory
from consultations.services import booking_create
from consultations.tests.conftest import NOW, at, intake, make_advisor
from core.middleware import BadInputMiddleware

pytestmark = pytest.mark.django_db

CONTROL = ["\x00", "名前\x00", "\x1b[2J", "\x7f"]
LINE_BREAKS = ["株式会社テスト\r\nBcc: x@example.jp"]
DATES = ["9999-12-31", "0001-01-01", "0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59+09:00"]
NUMBERS = ["1000000000000", "9" * 40, "NaN", "-1"]
BAD = CONTROL + LINE_BREAKS + DATES + NUMBERS
# Each field alone (the others keep their normal values), so that a value gets past the other fields' checks.
ALONE = ["\x00", "a\r\nb", "9999-12-31", "1000000000000"]
# Alone in a form field, by the kind of input the page shows (a number box gets numbers, and so on).
ALONE_BY_TYPE = {
    "number": ["1000000000000", "9" * 40],
    "date": ["9999-12-31", "0001-01-01"],
    "datetime-local": ["9999-12-31T23:59", "0001-01-01T00:00"],
    "text": ["\x00", "a\r\nb"],
    "textarea": ["\x00\x1b"],
    "choice": ["\x00"],
}
# What the other roles get on a page the first role swept whole.
SHORT = ["\x00", "0001-01-01T00:00:00+09:00", "9" * 40]
# Parameters that views read from the query string outside their GET forms.
QUERY_NAMES = ["q", "start", "mode", "page", "view", "next", "date_from", "date_to", "year", "region", "activity"]
# Pages that need a query string to show their form.
BASE_QUERY = {
    "book": {"mode": "online", "start": "2026-04-23T11:00:00+09:00"},
    "list_slots": {"window": "hq", "date_from": "2026-04-23", "date_to": "2026-04-30"},
}
# Pages the sweep must reach (a 200 for one of the users), or it would pass by testing only redirects.
MUST_REACH = {
    "api/v1/consultations/slots", "api/v1/seminars", "api/v1/subsidies", "consultations/w/<slug:code>/book/",
    "consultations/bookings/<int:pk>/reschedule/<str:token>/", "selfcheck/sheets/<int:pk>/step1/", "me/company/",
    "subsidies/", "subsidies/plans/", "subsidies/plans/<int:pk>/edit/", "dispatch/cases/<int:pk>/", "sharing/",
    "sharing/d/<str:token>/", "advisor/", "advisor/bookings/<int:pk>/", "seminars/<int:pk>/",
}  # fmt: skip
BIG_BODY = b"x=" + b"a" * (10 * 1024 * 1024)


def url_patterns() -> list[tuple[str, str]]:
    """(route template, name) of every URL outside the admin (its own issue), allauth included.

    A route that an earlier pattern already answers is left out: Django never reaches it. The slots and estimate
    APIs' plain views stand in front of their django-ninja operations under the same route, and hand every request
    they do not answer themselves to the operation, so the operation is still swept through them."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and prefix + str(p.pattern) not in seen:
                seen.add(prefix + str(p.pattern))
                found.append((prefix + str(p.pattern), p.name or ""))

    walk(get_resolver().url_patterns)
    return found


class Forms(HTMLParser):
    """The forms of a page: action, method and their fields with the values the page gave them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "f": {}, "t": {}}
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = "textarea" if tag == "textarea" else a.get("type", "text")
            self.forms[-1]["t"][a["name"]] = kind
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["f"].setdefault(a["name"], [])
                if kind == "radio" and not self.forms[-1]["f"][a["name"]]:
                    self.forms[-1]["f"][a["name"]] = [a.get("value", "on")]
                return
            if kind in ("submit", "button", "file"):
                return
            self.forms[-1]["f"].setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["t"][a["name"]] = "choice"
            self.forms[-1]["f"].setdefault(a["name"], [])
        elif tag == "option" and self._select is not None:
            values = self.forms[-1]["f"][self._select]
            if "selected" in a or not values:
                values[:] = [a.get("value", "")]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def one_of_each_kind(fields) -> list[str]:
    """One field per name pattern: of electricity_kwh_m1 … _m12 the first stands for the twelve."""
    kinds: dict[str, str] = {}
    for field in fields:
        kinds.setdefault(re.sub(r"\d+", "#", field), field)
    return list(kinds.values())


def kinds_of_several(fields) -> list[list[str]]:
    kinds: dict[str, list[str]] = {}
    for field in fields:
        kinds.setdefault(re.sub(r"\d+", "#", field), []).append(field)
    return [names for names in kinds.values() if len(names) > 1]


class Reads:
    names: set[str] | None

    def __init__(self):
        self.names = set()


@contextmanager
def query_names_read():
    """The query parameters that requests made in the block asked for by name; None when a view went through
    them all (iterated, copied into a dict), so that any name may matter to it."""
    read = Reads()
    quiet = False

    def asked(name):
        if read.names is not None and not quiet:
            read.names.add(name)

    def everything():
        if not quiet:
            read.names = None

    class Recording(QueryDict):
        def __getitem__(self, key):
            asked(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            asked(key)
            return super().__contains__(key)

        def get(self, key, default=None):
            asked(key)
            return super().get(key, default)

        def getlist(self, key, default=None):
            asked(key)
            return super().getlist(key, default)

        def __iter__(self):
            everything()
            return super().__iter__()

        def items(self):
            everything()
            return super().items()

        def lists(self):
            everything()
            return super().lists()

        def keys(self):
            everything()
            return super().keys()

        def values(self):
            everything()
            return super().values()

        def dict(self):
            everything()
            return super().dict()

        def _plain(self, cls=QueryDict):
            plain = cls(mutable=True)
            for key, values in dict.items(self):
                plain.setlist(key, list(values))
            return plain

        def urlencode(self, safe=None):  # a query string carried into links reads no value by name
            return self._plain().urlencode(safe)

        def copy(self):  # nor does a copy; what is read from the copy is recorded
            return self._plain(Recording)

    refuse = BadInputMiddleware._refuse

    def refuse_quietly(self, request, **kwargs):  # it checks every parameter alike, whatever its name
        nonlocal quiet
        quiet = True
        try:
            return refuse(self, request, **kwargs)
        finally:
            quiet = False

    with (
        mock.patch("django.core.handlers.wsgi.QueryDict", Recording),
        mock.patch.object(BadInputMiddleware, "_refuse", refuse_quietly),
    ):
        yield read


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world is built once per module and process, in a transaction that every test's own transaction nests in
    (as a savepoint, rolled back after each test); the whole is rolled back when the module is done."""
    from django.db import transaction
    from django.test.utils import override_settings

    media = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("world") / "private")
    outer = transaction.atomic()
    outer._from_testcase = True  # like a TestCase's own: the services' durable blocks may run inside it
    with django_db_blocker.unblock(), media, time_machine.travel(NOW, tick=False):
        outer.__enter__()
        built = build_world()
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_world_once, db, frozen):
    return _world_once


def build_world() -> dict:
    """One of everything through the apps' own services, so that the URLs with a primary key or a token reach a
    real object, and one user of each kind to see them."""
    from accounts.tests.factories import UserFactory, enrol_second_factor
    from advisors.models import AdvisorAccount
    from dispatch import services as dispatch
    from dispatch.models import Expert, Programme, Stage
    from selfcheck.tests.helpers import filled_sheet
    from seminars.models import Material
    from seminars.services import registration_create, token_for
    from seminars.tests.factories import SeminarFactory
    from sharing import services as sharing
    from sharing.models import ShareKind
    from subsidies.services import action_plan_create, follow_create
    from subsidies.tests.factories import MeasureFactory, RoundFactory

    sme = SmeUserFactory()
    staff = InstitutionUserFactory()
    advisor = make_advisor()
    advisor_user = UserFactory(email="advisor@example.jp")
    enrol_second_factor(advisor_user)
    account = AdvisorAccount.objects.create(advisor=advisor, user=advisor_user)
    expert_user = UserFactory(email="expert@example.jp")
    enrol_second_factor(expert_user)
    expert = Expert.objects.create(user=expert_user, name="派遣 太郎", qualifications="エネルギー管理士")
    booking = booking_create(user=sme, start=at(2026, 4, 23, 10), **intake())
    sheet = filled_sheet(sme.company)
    share = sharing.share_grant(
        company=sme.company, kind=ShareKind.INSTITUTION, user=sme, institution=staff.institution, fiscal_year=2026
    )
    customer = sharing.share_grant(
        company=sme.company, kind=ShareKind.CUSTOMER, user=sme, recipient="取引先", fiscal_year=2026, days=30
    )
    seminar = SeminarFactory()
    registration = registration_create(seminar_id=seminar.pk, user=sme)
    material = Material.objects.create(seminar=seminar, title="資料", file="seminars/materials/sweep.pdf")
    measure = MeasureFactory()
    RoundFactory(measure=measure)
    follow = follow_create(user=sme, measure=measure)
    plan = action_plan_create(user=staff, data={"title": "行動計画", "activities": ["information"]})
    case = dispatch.case_apply(user=sme, programme=Programme.DIAGNOSIS, wants="CO2を知りたい", sites="本社工場")
    desk = StaffUserFactory(email="desk@example.jp", is_superuser=True)
    dispatch.case_transition(case=case, user=desk, to=Stage.ACCEPTED)
    dispatch.case_transition(
        case=case, user=desk, to=Stage.EXPERT_ASSIGNED, expert=expert, period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 8, 31),
    )  # fmt: skip
    from advisors.services import invitation_token

    return {
        "users": {"sme": sme, "institution": staff, "advisor": advisor_user, "expert": expert_user},
        # The nearest prefix of the path before the parameter picks the object.
        "pk": {
            "consultations/bookings/": booking.pk,
            "advisor/bookings/": booking.pk,
            "selfcheck/sheets/": sheet.pk,
            "sharing/": share.pk,
            "seminars/registrations/": registration.pk,
            "seminars/materials/": material.pk,
            "seminars/": seminar.pk,
            "subsidies/follows/": follow.pk,
            "subsidies/plans/": plan.pk,
            "subsidies/": measure.pk,
            "dispatch/cases/": case.pk,
        },
        "token": {
            "consultations/": booking.token,
            "seminars/r/": token_for(registration, "cancel"),
            "sharing/d/": sharing.disclosure_token(customer),
            "advisor/welcome/": invitation_token(account),
            "advisor/calendar/": account.calendar_token,
        },
        "slug": {"consultations/": "hq", "dispatch/": "diagnosis_report"},
    }


def concrete(route: str, world) -> str:
    """A path for a route template, each parameter filled from the world (the nearest prefix wins)."""
    path = "/" + route.replace("^", "").replace("$", "")

    def fill(match):
        before = path[: match.start()]
        converter = match.group(1) or "str"
        table = world["pk"] if converter == "int" else world["slug"] if converter == "slug" else world["token"]
        best = max((k for k in table if k in before), key=len, default=None)
        return str(table[best]) if best else "1"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, path)
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", "x", path)


def api_params(client, path: str) -> list[str]:
    spec = client.get("/api/v1/openapi.json").json()
    operations = spec["paths"].get(path, {})
    return [p["name"] for op in operations.values() if isinstance(op, dict) for p in op.get("parameters", [])]


def check_response(response, *, api: bool, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if api and not response.wsgi_request.path.endswith("/docs"):  # Swagger UI is a page
        assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
        if response.status_code in (400, 413):
            body = response.json()
            assert body.get("field"), f"{what}: no field named in {body}"
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", body.get("detail", "")), f"{what}: not Japanese {body}"


_SCANNED_COLUMNS: dict[str, list[tuple[str, str]]] = {}


def scanned_columns() -> dict[str, list[tuple[str, str]]]:
    """The text, date and JSON columns of the project's tables (read once: the schema does not change in a run)."""
    if not _SCANNED_COLUMNS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN "
                "('character varying', 'text', 'date', 'timestamp with time zone', 'jsonb') "
                "ORDER BY table_name, ordinal_position"
            )
            for table, column, kind in cursor.fetchall():
                if not table.startswith(("django_session", "django_admin_log", "account_", "mfa_")):
                    _SCANNED_COLUMNS.setdefault(table, []).append((column, kind))
    return _SCANNED_COLUMNS


def _bad_value(column: str, kind: str) -> str:
    col = f'"{column}"'
    if kind in ("date", "timestamp with time zone"):
        return f"EXTRACT(YEAR FROM {col}) IN (1, 9999)"
    if kind == "jsonb":
        return rf"{col}::text ~ '\\u000[0-8bcef]|\\u001|\\u007f'"
    pattern = "[\\x01-\\x1f\\x7f]" if kind == "character varying" else "[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
    return f"{col} ~ E'{pattern}'"


def scan_database() -> list[str]:
    """Control characters in any text column, line breaks in any single-line column, years 1 and 9999 anywhere:
    one query per table, a count per column."""
    problems = []
    with connection.cursor() as cursor:
        for table, columns in scanned_columns().items():
            counts = ", ".join(f"COUNT(*) FILTER (WHERE {_bad_value(column, kind)})" for column, kind in columns)
            cursor.execute(f'SELECT {counts} FROM "{table}"')
            found = cursor.fetchone()
            problems.extend(f"{table}.{column}" for (column, _kind), n in zip(columns, found, strict=True) if n)
    return problems


ROUTES = url_patterns()


@pytest.mark.parametrize("route,name", ROUTES, ids=[f"{name or route}" for route, name in ROUTES])
def test_bad_input_on_every_url_gets_a_message_never_a_500_and_nothing_is_saved(route, name, world):
    path = concrete(route, world)
    base = BASE_QUERY.get(name, {})
    page = path + ("?" + urlencode(base) if base else "")
    api = path.startswith("/api/")
    swept = False  # the whole sweep once, with the first role that sees the page; the others get the short one
    # An oversized body is refused by the middleware before any view or log-in matters: once per URL.
    response = Client().generic("POST", path, BIG_BODY, content_type="application/x-www-form-urlencoded")
    check_response(response, api=api, what=f"POST {path} 10 MB")
    if api:
        assert response.status_code in (405, 413), f"POST {path} 10 MB: {response.status_code}"
    for role in ("sme", "institution", "advisor", "expert", "anonymous"):
        client = Client()
        if role != "anonymous":
            client.force_login(world["users"][role])
        with query_names_read() as read:
            baseline = client.get(page)
        check_response(baseline, api=api, what=f"{role} GET {page}")
        if baseline.status_code != 200:
            continue
        html = baseline.content.decode(errors="replace") if not api else ""
        forms = page_forms(html)
        names = set(api_params(client, path)) if api else set(QUERY_NAMES)
        form_names = {n for f in forms if f["method"] == "get" for n in f["f"]}
        names |= form_names
        # A page that asks for no parameter gets one value that passes the middleware and one that it refuses,
        # unless the first one makes it ask for some.
        quiet_page = not api and not form_names and read.names == set()
        values = SHORT if swept else BAD
        probe = next(v for v in values if v in DATES)  # passes the middleware
        with query_names_read() as read_too:
            for value in sorted(values, key=lambda v: v != probe):
                if quiet_page and read_too.names == set() and value not in (probe, CONTROL[0]):
                    continue
                query = urlencode({**base, **dict.fromkeys(sorted(names or {"q"}), value)})
                response = client.get(path + "?" + query)
                check_response(response, api=api, what=f"{role} GET {path} all={value!r}")
        if swept:
            continue
        swept = True
        if not api and not baseline["Content-Type"].startswith("text/html"):
            continue  # a PDF, an .ics or a CSV: the parameters were swept above, there are no forms
        # Each parameter alone: those of the API's schema and of the page's GET forms, and those the view asked
        # for by name (all of them if it went through the whole query string).
        if not api and None not in (read.names, read_too.names):
            names = form_names | read.names | read_too.names
        for name_ in sorted(names):
            for value in ALONE:
                response = client.get(path + "?" + urlencode({**base, name_: value}))
                check_response(response, api=api, what=f"{role} GET {path} {name_}={value!r}")
        for form in forms:
            if form["method"] != "post":
                continue
            action = urljoin(page, form["action"]) if form["action"] else page
            if urlsplit(action).path in ("/accounts/logout/", "/i18n/setlang/"):
                continue  # they change the session, not the database; swept as plain paths
            fields = {k: v for k, v in form["f"].items() if k != "csrfmiddlewaretoken"}
            for value in BAD:
                response = client.post(action, {k: value for k in fields})
                check_response(response, api=False, what=f"{role} POST {action} all={value!r}")
            for kind in kinds_of_several(fields):  # e.g. twelve monthly amounts at once: their sum
                for value in ("1000000000000", "9" * 40):
                    response = client.post(action, {**fields, **dict.fromkeys(kind, value)})
                    check_response(response, api=False, what=f"{role} POST {action} {kind[0]}… ={value!r}")
            for field in one_of_each_kind(fields):
                kind = form["t"].get(field, "text")
                kind = {"checkbox": "choice", "radio": "choice", "hidden": "text", "email": "text", "url": "text",
                        "search": "text", "tel": "text", "password": "text"}.get(kind, kind)  # fmt: skip
                for value in ALONE_BY_TYPE.get(kind, ALONE):
                    response = client.post(action, {**fields, field: value})
                    check_response(response, api=False, what=f"{role} POST {action} {field}={value!r}")
    assert swept or route not in MUST_REACH, f"no user reached {path}: the sweep would test nothing there"
    assert scan_database() == []


def test_the_sweep_covers_the_urls_the_issue_names():
    routes = {route for route, _name in ROUTES}
    assert len(routes) == len(ROUTES), "a route is swept twice"
    for route in (
        "api/v1/consultations/slots",
        "api/v1/seminars",
        "api/v1/subsidies",
        "subsidies/",
        "subsidies/plans/",
        "consultations/w/<slug:code>/book/",
        "consultations/bookings/<int:pk>/reschedule/<str:token>/",
        "selfcheck/sheets/<int:pk>/step1/",
        "me/company/",
    ):
        assert route in routes
    assert len(ROUTES) > 60


def test_the_database_scan_finds_what_it_looks_for(world):
    from accounts.models import Company

    assert scan_database() == []
    Company.objects.filter(pk=world["users"]["sme"].company_id).update(name="改行\r\n入り")
    assert scan_database() == ["accounts_company.name"]


def test_the_sweep_learns_which_query_parameters_a_view_reads(db, client):
    with query_names_read() as read:
        client.get("/seminars/")
    assert {"view", "page"} <= read.names
    with query_names_read() as read:
        client.get("/privacy/")
    assert read.names == set()
    with query_names_read() as read:  # the finder copies the whole query string into its filters
        client.get("/subsidies/")
    assert read.names is None
