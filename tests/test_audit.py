"""The audit trail: every desk change stored with who, when and before → after, on the object and for superusers."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import ACCOUNT_ADMIN, CONSULTATION_DESK, SEMINAR_DESK
from accounts.services import staff_groups_sync
from accounts.tests.factories import SmeUserFactory, StaffUserFactory, SuperUserFactory
from consultations.services import booking_create
from consultations.tests.conftest import NOW, at, intake, make_advisor
from seminars import services as seminar_services
from seminars.tests.factories import SeminarFactory

pytestmark = pytest.mark.django_db


def _member(group: str):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def frozen():
    import time_machine

    # Time moves on (each history row gets its own instant), starting at the consultations tests' Monday.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def confirmed_by_desk(client, frozen):
    make_advisor()
    booking = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    desk = _member(CONSULTATION_DESK)
    client.force_login(desk)
    response = client.post(
        f"/admin/consultations/booking/{booking.pk}/desk/",
        {"which": "status", "status-status": "confirmed", "status-meeting_url": "https://teams.example.jp/m/7"},
    )
    assert response.status_code == 302
    return booking, desk


def test_a_desk_change_is_stored_with_who_when_and_before_after(confirmed_by_desk):
    booking, desk = confirmed_by_desk
    record = booking.history.order_by("-history_id").first()
    assert record.history_user == desk and record.history_type == "~"
    delta = record.diff_against(record.prev_record)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["status"] == ("requested", "confirmed")
    assert changed["meeting_url"] == ("", "https://teams.example.jp/m/7")
    assert not hasattr(record, "token")  # the booking's secret link token is never copied


def test_the_bookings_admin_page_shows_its_history_in_japanese_and_jst(client, confirmed_by_desk):
    booking, desk = confirmed_by_desk
    page = client.get(f"/admin/consultations/booking/{booking.pk}/history/").content.decode()
    assert desk.email in page
    assert "<strong>状態</strong>：受付済み → 確定" in page
    assert "2026-04-20 10:00:00" in page  # the moment of the change, in Japan time (01:00 UTC)
    assert "revert" not in page.lower()


def test_superusers_filter_every_change_by_model_person_and_period(client, confirmed_by_desk):
    booking, desk = confirmed_by_desk
    client.force_login(SuperUserFactory())
    page = client.get("/admin/audit/", {"model": "consultations.Booking", "user": desk.pk}).content.decode()
    assert "状態</strong>：受付済み → 確定" in page and desk.email in page
    assert f"/admin/consultations/booking/{booking.pk}/change/" in page
    other = StaffUserFactory()
    page = client.get("/admin/audit/", {"model": "consultations.Booking", "user": other.pk}).content.decode()
    assert "該当する変更はありません" in page
    page = client.get("/admin/audit/", {"date_from": "2026-04-21"}).content.decode()
    assert "受付済み → 確定" not in page
    page = client.get("/admin/audit/", {"date_from": "2026-04-21", "date_to": "2026-04-01"}).content.decode()
    assert "開始日と終了日が逆です" in page


def test_only_superusers_open_the_audit_list(client, confirmed_by_desk):
    _booking, desk = confirmed_by_desk
    assert client.get("/admin/audit/").status_code == 403
    client.force_login(_member(ACCOUNT_ADMIN))
    assert client.get("/admin/audit/").status_code == 403


def test_capacity_change_and_the_promotions_it_causes_are_audited(client):
    seminar = SeminarFactory(capacity=1)
    first, waiting = SmeUserFactory(), SmeUserFactory()
    seminar_services.registration_create(seminar_id=seminar.pk, user=first)
    queued = seminar_services.registration_create(seminar_id=seminar.pk, user=waiting)
    desk = _member(SEMINAR_DESK)
    client.force_login(desk)
    client.post(f"/admin/seminars/seminar/{seminar.pk}/capacity/", {"capacity": "2"})
    client.force_login(SuperUserFactory())
    page = client.get("/admin/audit/", {"user": desk.pk}).content.decode()
    assert "<strong>定員</strong>：1 → 2" in page
    assert "<strong>状態</strong>：キャンセル待ち → 申込済み" in page
    assert queued.history.count() == 2


def test_account_changes_are_audited_without_password_hashes(client):
    sme = SmeUserFactory(last_name="緑川")
    member = _member(ACCOUNT_ADMIN)
    client.force_login(member)
    client.post(
        f"/admin/accounts/user/{sme.pk}/change/",
        {
            "email": sme.email,
            "last_name": "緑山",
            "first_name": "",
            "company": sme.company_id,
            "institution": "",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "10:00:00",
        },
    )
    record = sme.history.latest("history_date")
    assert record.history_user == member
    assert not hasattr(record, "password")
    client.force_login(SuperUserFactory())
    page = client.get("/admin/audit/", {"model": "accounts.User"}).content.decode()
    assert "緑川 → 緑山" in page


def test_closing_an_account_leaves_no_copy_of_its_data_in_the_audit_trail(frozen):
    from accounts.services import account_close
    from consultations.models import Booking
    from core.audit import audited_models

    make_advisor()
    sme = SmeUserFactory(last_name="緑川")
    booking_create(user=sme, start=at(2026, 4, 23, 10), **intake(question="取引先からCO2排出量を聞かれた"))
    sme.last_name = "緑山"
    sme.save()
    email, company, name = sme.email, sme.company, sme.company.name
    assert sme.history.count() >= 2 and Booking.history.filter(company_id=company.pk).exists()
    account_close(user=sme)
    for model in audited_models():
        for record in model.history.all():
            text = " ".join(str(getattr(record, f.attname)) for f in record._meta.concrete_fields)
            assert email not in text and name not in text, model
            assert "緑川" not in text and "取引先からCO2" not in text, model


def test_the_audit_list_pages_back_through_older_changes_keeping_its_filters(client):
    import re

    seminars = SeminarFactory.create_batch(57)
    client.force_login(SuperUserFactory())
    shown = []
    url, pages = "/admin/audit/?model=seminars.Seminar", 0
    while url:
        page = client.get(url if url.startswith("/") else "/admin/audit/" + url).content.decode()
        ids = re.findall(r"/admin/seminars/seminar/(\d+)/change/", page)
        shown.append([int(i) for i in ids])
        pages += 1
        older = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = older.group(1).replace("&amp;", "&") if older else ""
        assert "model=seminars.Seminar" in (url or "model=seminars.Seminar")  # the filter goes along
    assert pages == 2
    assert [len(ids) for ids in shown] == [50, 7]
    assert shown[0] == sorted(shown[0], reverse=True)  # newest first: each created after the one before
    assert sorted(shown[0] + shown[1]) == sorted(s.pk for s in seminars)  # every change once, none twice
    second = client.get("/admin/audit/", {"model": "seminars.Seminar", "page": "2"}).content.decode()
    assert 'rel="prev"' in second and "2ページ目" in second


@pytest.mark.parametrize(
    "page,message",
    [
        ("0", "ページの指定が正しくありません"),
        ("abc", "ページの指定が正しくありません"),
        ("101", "新しい順に100ページまでです。それより古い変更は期間で絞り込んでください"),
        ("9" * 40, "新しい順に100ページまでです"),
    ],
)
def test_a_page_out_of_range_is_refused_with_a_message(client, page, message):
    SeminarFactory()
    client.force_login(SuperUserFactory())
    response = client.get("/admin/audit/", {"page": page})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "/admin/seminars/seminar/" not in body.split('id="audit-log"')[1]
