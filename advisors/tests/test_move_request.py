"""An advisor asks to move a booking; the desk approves through the booking service (lock, clash, day off, the
institution's hour, the company's mail) or declines; nothing moves without the desk."""

import datetime as dt
import time
from importlib import import_module

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from advisors import services
from advisors.models import MoveRequest
from consultations.models import AdvisorDayOff, Booking
from consultations.services import booking_create
from consultations.tests.conftest import intake
from consultations.tests.test_concurrency import at_jst, first_free_thursday, race, report
from core.errors import ApplicationError
from core.models import MailOutbox
from tests.formpost import as_post, rendered_forms

from .conftest import advisor_account, at, book


@pytest.fixture
def desk_client(client, db):
    from django.apps import apps

    import_module("advisors.migrations.0002_move_request").grant_desk(apps, None)
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    client.force_login(user)
    client.desk_user = user
    return client


@pytest.fixture
def booking(account, frozen):
    return book(user=SmeUserFactory(email="sme@example.jp"), advisor=account.advisor, start=at(2026, 4, 23, 10))


def _ask(client, booking, **extra):
    data = {"move-date": "2026-04-28", "move-time": "14:00", "move-reason": "研修の講師が入ったため"}
    data.update(extra)
    return client.post(f"/advisor/bookings/{booking.pk}/move/", data)


@pytest.mark.django_db
def test_the_advisor_asks_the_desk_hears_and_approving_moves_the_booking_and_tells_the_company(
    client, account, booking, desk_client
):
    from django.test import Client

    advisor = Client()
    advisor.force_login(account.user)
    response = _ask(advisor, booking)
    assert response.status_code == 302 and response["Location"].endswith("#move")
    item = MoveRequest.objects.get()
    assert item.status == "pending" and item.start == at(2026, 4, 28, 14) and item.requested_by == account.user
    desk_mail = MailOutbox.objects.get(key=f"advisors.move_request:{item.pk}")
    assert "2026年04月28日 14:00" in desk_mail.body and "研修の講師が入ったため" in desk_mail.body
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 23, 10)  # nothing moves before the desk decides
    assert "窓口の確認待ち" in advisor.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert "窓口に依頼する" not in advisor.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    again = _ask(advisor, booking, **{"move-time": "15:00"})  # one open request per booking, even sent twice
    assert again.status_code == 400 and "確認待ちの依頼がすでにあります" in again.content.decode()

    sequence = booking.sequence
    page = desk_client.get("/admin/advisors/moverequest/").content.decode()
    assert booking.company.name in page
    desk_client.post("/admin/advisors/moverequest/", {"action": "approve", "_selected_action": [item.pk]})
    booking.refresh_from_db()
    item.refresh_from_db()
    assert booking.start == at(2026, 4, 28, 14) and booking.end == at(2026, 4, 28, 15)
    assert booking.sequence == sequence + 1
    assert item.status == "approved" and item.decided_by == desk_client.desk_user and item.decided_at
    assert booking.history.latest().history_user == desk_client.desk_user  # the audit row names the desk
    assert item.history.count() == 2
    assert MailOutbox.objects.filter(to__contains=["sme@example.jp"], key__contains="changed").exists()
    assert "承認（予約を移動）" in advisor.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    told = MailOutbox.objects.get(key=f"advisors.move_decided:{item.pk}")
    assert (
        told.to == [account.user.email] and "承認（予約を移動）" in told.subject and "2026年04月28日 14:00" in told.body
    )


@pytest.mark.django_db
def test_requests_the_desk_could_not_approve_are_refused_next_to_the_field(advisor_client, account, booking):
    other = book(user=SmeUserFactory(), advisor=account.advisor, start=at(2026, 4, 28, 14))
    AdvisorDayOff.objects.create(advisor=account.advisor, date=dt.date(2026, 4, 30))
    for extra, message in (
        ({}, f"別の相談（予約番号{other.pk}）が入っています"),
        ({"move-date": "2026-04-30"}, "休みに登録されています"),
        ({"move-date": "2026-04-01"}, "これからの日時を選んでください"),
        ({"move-date": "2026-04-23", "move-time": "10:00"}, "いまの日時と同じです"),
        ({"move-reason": ""}, "理由を入力してください"),
        ({"move-date": "not a date"}, "日付を正しく入力してください"),
    ):
        response = _ask(advisor_client, booking, **extra)
        assert response.status_code == 400 and message in response.content.decode(), message
    assert not MoveRequest.objects.exists()
    stranger = advisor_account(name="別", email="x@example.jp")
    theirs = book(user=SmeUserFactory(), advisor=stranger.advisor, start=at(2026, 4, 23, 11))
    assert _ask(advisor_client, theirs).status_code == 404


@pytest.mark.django_db
def test_an_hour_taken_since_the_request_is_refused_at_approval_and_declining_leaves_the_booking(
    account, booking, desk_client
):
    item = services.move_request_create(
        account=account, booking=booking, start=at(2026, 4, 28, 14), reason="出張", now=at(2026, 4, 20, 10)
    )
    book(user=SmeUserFactory(), advisor=account.advisor, start=at(2026, 4, 28, 14))
    response = desk_client.post(
        "/admin/advisors/moverequest/", {"action": "approve", "_selected_action": [item.pk]}, follow=True
    )
    assert "別の相談" in response.content.decode()
    item.refresh_from_db()
    booking.refresh_from_db()
    assert item.status == "pending" and booking.start == at(2026, 4, 23, 10)
    desk_client.post(
        "/admin/advisors/moverequest/",
        {"action": "decline", "_selected_action": [item.pk], "step": "note", "note": "企業の都合がつきません"},
    )
    item.refresh_from_db()
    assert item.status == "declined" and item.decided_by == desk_client.desk_user
    told = MailOutbox.objects.get(key=f"advisors.move_decided:{item.pk}")
    assert "見送り" in told.subject and "予約の日時は変わりません。" in told.body
    with pytest.raises(ApplicationError, match="すでに判断されています"):
        services.move_request_approve(request_id=item.pk, user=desk_client.desk_user)


@pytest.mark.django_db
def test_the_desk_declines_only_with_a_reason_and_the_advisor_reads_it_on_the_booking_page_and_in_the_mail(
    account, booking, desk_client
):
    from django.test import Client

    item = services.move_request_create(
        account=account, booking=booking, start=at(2026, 4, 28, 14), reason="出張", now=at(2026, 4, 20, 10)
    )
    changelist = "/admin/advisors/moverequest/"
    page = desk_client.post(changelist, {"action": "decline", "_selected_action": [item.pk]})
    assert page.status_code == 200 and "出張" in page.content.decode()  # the desk sees what the advisor wrote
    (form,) = [f for f in rendered_forms(page.content.decode()) if ("action", "decline") in f["data"]]
    assert form["action"] == ""  # posted back to the list, as a browser would

    untouched = desk_client.post(changelist, as_post(form["data"]))
    assert untouched.status_code == 400
    assert "見送る理由を入力してください。専門家に伝わります。" in untouched.content.decode()
    blank = desk_client.post(changelist, as_post(form["data"], {"note": " \u3000 "}))
    assert blank.status_code == 400
    item.refresh_from_db()
    assert item.status == "pending" and not MailOutbox.objects.filter(key__startswith="advisors.move_decided").exists()

    note = "企業がその日は都合がつかないとのことです。\n5月の木曜日で改めて依頼してください。"
    response = desk_client.post(changelist, as_post(form["data"], {"note": note}))
    assert response.status_code == 302
    item.refresh_from_db()
    booking.refresh_from_db()
    assert item.status == "declined" and item.desk_note == note and booking.start == at(2026, 4, 23, 10)
    audit = item.history.latest()  # the audit row names the desk and the reason
    assert audit.history_user == desk_client.desk_user and audit.desk_note == note and audit.status == "declined"
    told = MailOutbox.objects.get(key=f"advisors.move_decided:{item.pk}")
    assert told.to == [account.user.email] and f"窓口から：{note}" in told.body
    advisor = Client()
    advisor.force_login(account.user)
    workspace = advisor.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert (
        "企業がその日は都合がつかないとのことです。" in workspace
        and "5月の木曜日で改めて依頼してください。" in workspace
    )
    assert (
        "企業がその日は都合がつかないとのことです。"
        in desk_client.get(f"{changelist}{item.pk}/change/").content.decode()
    )


@pytest.mark.django_db
def test_the_decline_service_refuses_an_empty_reason(account, booking):
    item = services.move_request_create(
        account=account, booking=booking, start=at(2026, 4, 28, 14), reason="出張", now=at(2026, 4, 20, 10)
    )
    with pytest.raises(ApplicationError, match="見送る理由を入力してください") as refused:
        services.move_request_decline(request_id=item.pk, user=StaffUserFactory(), note=" \u3000\n")
    assert refused.value.field == "note"
    item.refresh_from_db()
    assert item.status == "pending" and item.decided_at is None


@pytest.mark.django_db
def test_advisors_and_companies_cannot_open_the_desks_list(advisor_client):
    assert advisor_client.get("/admin/advisors/moverequest/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_approval_racing_ten_companies_booking_the_same_hour_leaves_the_advisor_booked_once():
    account = advisor_account(email="race@example.jp")
    day = first_free_thursday()
    sme = SmeUserFactory()
    booking = booking_create(user=sme, start=at_jst(day, 10), advisor_id=account.advisor_id, **intake())
    target = at_jst(day, 15)
    item = services.move_request_create(account=account, booking=booking, start=target, reason="会議")
    desk = StaffUserFactory()
    others = [SmeUserFactory() for _ in range(10)]
    started = time.monotonic()
    counts = race(
        [lambda: services.move_request_approve(request_id=item.pk, user=desk)]
        + [lambda u=u: booking_create(user=u, start=target, advisor_id=account.advisor_id, **intake()) for u in others]
    )
    report("1 move approval + 10 bookings of the advisor's hour", counts, started)
    assert counts["ok"] == 1, counts
    held = Booking.objects.filter(advisor=account.advisor, start=target, status__in=["requested", "confirmed"])
    assert held.count() == 1
    item.refresh_from_db()
    moved = held.get().pk == booking.pk
    assert (item.status == "approved") == moved
