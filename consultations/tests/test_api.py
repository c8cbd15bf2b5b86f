import datetime as dt

import pytest

from accounts.tests.factories import SmeUserFactory
from consultations.services import booking_create
from consultations.tests.conftest import at, intake, make_advisor

pytestmark = pytest.mark.django_db


def test_windows_endpoint_lists_the_six_windows(client):
    data = client.get("/api/v1/consultations/windows").json()
    assert [w["code"] for w in data] == ["hq", "tohoku", "chubu", "kinki", "chugoku", "kyushu"]
    assert data[0]["modes"] == ["online"] and "in_person" in data[1]["modes"]


def test_slots_endpoint_returns_iso_times_in_jst_and_free_flags(frozen, client, advisor):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    data = client.get("/api/v1/consultations/slots?window=hq&date_from=2026-04-23&date_to=2026-04-23").json()
    assert data[0] == {"start": "2026-04-23T09:00:00+09:00", "end": "2026-04-23T10:00:00+09:00", "free": True}
    assert data[1]["free"] is False
    assert len(data) == 8


@pytest.mark.parametrize(
    "query,field",
    [
        ("window=hq&date_from=2026-05-01&date_to=2026-04-01", "date_from"),
        ("window=hq&date_from=2026-04-01&date_to=2026-07-15", "date_to"),
        ("window=mars&date_from=2026-04-01&date_to=2026-04-02", "window"),
        ("window=hq&date_from=yesterday&date_to=2026-04-02", "date_from"),
        ("date_from=2026-04-01&date_to=2026-04-02", "window"),
    ],
)
def test_bad_slot_queries_are_400_naming_the_field(frozen, client, query, field):
    response = client.get(f"/api/v1/consultations/slots?{query}")
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_ninety_two_days_is_allowed(frozen, client):
    assert (
        client.get("/api/v1/consultations/slots?window=hq&date_from=2026-04-01&date_to=2026-07-01").status_code == 200
    )


@pytest.mark.parametrize("n_advisors", [1, 15])
def test_slots_endpoint_runs_a_constant_number_of_queries(frozen, client, n_advisors, django_assert_max_num_queries):
    for i in range(n_advisors):
        a = make_advisor(name=f"A{i}", email=f"a{i}@example.jp")
        booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 9 + i % 8), advisor_id=a.pk, **intake())
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/consultations/slots?window=hq&date_from=2026-04-20&date_to=2026-07-20")
    assert response.status_code == 200


def test_openapi_describes_the_slots_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/consultations/slots" in spec["paths"]


def test_slots_endpoint_never_offers_a_signed_in_company_an_hour_it_already_holds(frozen, client, sme_user):
    make_advisor(name="A", email="a@example.jp")
    make_advisor(name="B", email="b@example.jp")
    booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    url = "/api/v1/consultations/slots?window=hq&date_from=2026-04-23&date_to=2026-04-23"
    assert client.get(url).json()[1] == {
        "start": "2026-04-23T10:00:00+09:00",
        "end": "2026-04-23T11:00:00+09:00",
        "free": True,  # advisor B is free for anybody else
    }
    client.force_login(sme_user)
    assert client.get(url).json()[1]["free"] is False


@pytest.mark.parametrize(
    "query,field",
    [
        ("window=hq&date_from=9999-12-31&date_to=9999-12-31", "date_from"),
        ("window=hq&date_from=0001-01-01&date_to=0001-01-01", "date_from"),
        ("window=hq&date_from=2026-04-20&date_to=9999-12-31", "date_to"),
        ("window=h%00q&date_from=2026-04-20&date_to=2026-04-21", "window"),
        ("window=hq&date_from=2026-04-20%00&date_to=2026-04-21", "date_from"),
    ],
)
def test_out_of_range_dates_and_control_characters_are_a_json_400_naming_the_field(frozen, client, query, field):
    response = client.get(f"/api/v1/consultations/slots?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["field"] == field
    assert field in body["detail"] or "制御文字" in body["detail"] or "日付" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/selfcheck/estimate", "/api/v1/consultations/slots"])
def test_an_oversized_api_body_is_a_json_413_naming_the_body(client, settings, path):
    body = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    response = client.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["field"] == "body" and "大きすぎます" in response.json()["detail"]


def test_api_errors_django_would_answer_in_html_are_json(client):
    unknown = client.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "指定されたURLは見つかりません。"
    wrong_method = client.get("/api/v1/selfcheck/estimate")
    assert wrong_method.status_code == 405 and wrong_method["Content-Type"].startswith("application/json")


def test_openapi_declares_json_400_and_404_for_every_operation(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["components"]["schemas"]["Error"]["required"] == ["detail", "field"]
    operations = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/")
        for method, op in ops.items()
    ]
    assert len(operations) >= 7
    for path, method, op in operations:
        for code in ("400", "404"):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, code)
    assert "413" in spec["paths"]["/api/v1/selfcheck/estimate"]["post"]["responses"]


def test_the_slots_endpoint_is_one_django_ninja_operation(client):
    from django.urls import resolve

    for path in ("/api/v1/consultations/slots", "/api/v1/selfcheck/estimate"):
        assert resolve(path).func.__module__ == "ninja.operation", path


SLOTS_URL = "/api/v1/consultations/slots?window=hq&date_from=2026-04-20&date_to=2026-05-20"


def test_an_unchanged_slots_answer_is_a_304_and_a_booking_changes_its_etag(frozen, client, advisor):
    first = client.get(SLOTS_URL)
    assert first.status_code == 200 and first["Cache-Control"] == "max-age=0"
    etag = first["ETag"]
    again = client.get(SLOTS_URL, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    changed = client.get(SLOTS_URL, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json() != first.json()


def test_the_slots_etag_changes_when_a_slot_passes_the_notice_period(client, advisor):
    import time_machine

    with time_machine.travel(at(2026, 4, 20, 9, 30) + dt.timedelta(seconds=1), tick=False):
        etag = client.get(SLOTS_URL)["ETag"]
        assert client.get(SLOTS_URL, headers={"if-none-match": etag}).status_code == 304
    with time_machine.travel(at(2026, 4, 20, 9) + dt.timedelta(minutes=30, seconds=59), tick=False):  # the same minute
        assert client.get(SLOTS_URL, headers={"if-none-match": etag}).status_code == 304
    with time_machine.travel(at(2026, 4, 20, 10, 0) + dt.timedelta(seconds=1), tick=False):
        later = client.get(SLOTS_URL, headers={"if-none-match": etag})
    assert later.status_code == 200
    assert "2026-04-21T10:00:00+09:00" not in later.content.decode()


def test_a_signed_in_company_gets_no_etag_and_never_a_304(frozen, client, advisor, sme_user):
    etag = client.get(SLOTS_URL)["ETag"]
    client.force_login(sme_user)
    response = client.get(SLOTS_URL, headers={"if-none-match": etag})
    assert response.status_code == 200 and not response.has_header("ETag")


def test_an_error_answer_carries_no_etag(client):
    response = client.get("/api/v1/consultations/slots?window=nowhere&date_from=2026-04-20&date_to=2026-04-21")
    assert response.status_code == 400 and not response.has_header("ETag")


def test_slots_answers_validate_against_the_declared_schema(frozen, client, advisor, sme_user):
    from pydantic import TypeAdapter

    from consultations.api import SlotOut

    url = "/api/v1/consultations/slots?window=hq&date_from=2026-04-20&date_to=2026-05-20"
    anonymous = client.get(url).json()
    client.force_login(sme_user)
    signed_in = client.get(url).json()
    adapter = TypeAdapter(list[SlotOut])
    assert anonymous and adapter.validate_python(anonymous) and adapter.validate_python(signed_in)
    params = {p["name"] for p in client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/consultations/slots"]
              ["get"]["parameters"]}  # fmt: skip
    assert params == {"window", "date_from", "date_to"}
