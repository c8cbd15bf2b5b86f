"""The desk changes bookings only through the services: allowed transitions, one mail per event, no 500s."""

import pytest
import time_machine
from django.contrib.auth.models import Group

from accounts import roles
from accounts.services import company_save_for_user, staff_groups_sync
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from consultations.models import Booking, BookingStatus
from consultations.services import booking_create
from consultations.tests.conftest import at, intake, make_advisor
from core.models import MailOutbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_client(client):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    client.force_login(user)
    return client


@pytest.fixture
def booking(frozen, advisor):
    return booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())


def _mails(booking: Booking) -> list[str]:
    return sorted(
        k.split(":", 2)[2]
        for k in MailOutbox.objects.filter(key__startswith=f"consultations.booking:{booking.pk}:").values_list(
            "key", flat=True
        )
    )


def _action(client, name: str, *bookings: Booking):
    return client.post(
        "/admin/consultations/booking/",
        {"action": name, "_selected_action": [b.pk for b in bookings]},
        follow=True,
    )


def _desk(client, booking: Booking, which: str, **data):
    return client.post(
        f"/admin/consultations/booking/{booking.pk}/desk/",
        {"which": which, **{f"{which}-{k}": v for k, v in data.items()}},
    )


def test_cancelling_in_the_admin_records_the_time_and_mails_once(desk_client, booking):
    _action(desk_client, "mark_cancelled", booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_at == at(2026, 4, 20, 10)
    response = _action(desk_client, "mark_cancelled", booking)
    assert "キャンセル" in response.content.decode()  # the warning names why nothing happened
    assert _mails(booking) == ["cancelled", "cancelled:staff", "created", "created:staff"]
    cancelled = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:cancelled")
    assert cancelled.subject == "【CN相談】ご予約をキャンセルしました"


def test_a_cancelled_booking_cannot_be_set_back_to_requested(desk_client, booking):
    _action(desk_client, "mark_cancelled", booking)
    page = desk_client.get(f"/admin/consultations/booking/{booking.pk}/desk/").content.decode()
    assert "この予約の状態はこれ以上変更できません" in page
    response = _desk(desk_client, booking, "status", status="requested")
    assert response.status_code == 200 and "正しく選択してください" in response.content.decode()
    # The change form no longer carries the status at all.
    change = desk_client.get(f"/admin/consultations/booking/{booking.pk}/change/").content.decode()
    assert 'name="status"' not in change
    desk_client.post(f"/admin/consultations/booking/{booking.pk}/change/", {"status": "requested"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_confirming_with_a_meeting_url_sends_a_confirmation_never_a_change_notice(desk_client, booking):
    response = _desk(desk_client, booking, "status", status="confirmed", meeting_url="https://teams.example.jp/m/42")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.meeting_url == "https://teams.example.jp/m/42"
    assert _mails(booking) == ["confirmed", "confirmed:staff", "created", "created:staff"]
    mail = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:confirmed")
    assert mail.subject == "【CN相談】ご予約が確定しました"
    assert "https://teams.example.jp/m/42" in mail.body and "2026年4月23日（木） 10:00" in mail.body
    assert not MailOutbox.objects.filter(subject__contains="日時を変更").exists()


def test_bulk_confirm_goes_through_the_same_service(desk_client, booking):
    _action(desk_client, "mark_confirmed", booking)
    _action(desk_client, "mark_confirmed", booking)
    assert _mails(booking) == ["confirmed", "confirmed:staff", "created", "created:staff"]


def test_done_and_no_show_wait_for_the_start(desk_client, booking):
    _action(desk_client, "mark_confirmed", booking)
    response = _action(desk_client, "mark_done", booking)
    assert "開始前の予約は実施済み・無断欠席にできません" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    with time_machine.travel(at(2026, 4, 23, 11), tick=False):
        _action(desk_client, "mark_done", booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DONE


def test_moving_a_booking_onto_a_busy_advisor_is_a_form_error_not_a_500(desk_client, booking):
    other = make_advisor(name="専門家B", email="b@example.jp")
    busy = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    assert busy.advisor == other
    response = _desk(
        desk_client, booking, "move", window=booking.window_id, advisor=other.pk, date="2026-04-23", time="10:30"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "専門家Bさんは2026-04-23 10:00から別の相談" in body and "入力内容を確認してください" in body
    booking.refresh_from_db()
    assert booking.advisor != other and booking.start == at(2026, 4, 23, 10)
    assert _mails(booking) == ["created", "created:staff"]


def test_moving_a_booking_in_time_sends_one_change_notice_in_japan_time(desk_client, booking):
    response = _desk(
        desk_client,
        booking,
        "move",
        window=booking.window_id,
        advisor=booking.advisor_id,
        date="2026-04-28",
        time="14:00",
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 28, 14) and booking.end == at(2026, 4, 28, 15) and booking.sequence == 1
    assert _mails(booking) == ["changed:1", "changed:1:staff", "created", "created:staff"]
    assert "2026年4月28日（火） 14:00" in MailOutbox.objects.get(key__endswith=":changed:1").body
    page = desk_client.get(response["Location"]).content.decode()
    assert "2026-04-28 14:00" in page  # the success message and the title, in JST


def test_reassigning_the_advisor_is_an_update_not_a_change_of_time(desk_client, booking):
    other = make_advisor(name="専門家C", email="c@example.jp")
    response = _desk(
        desk_client, booking, "move", window=booking.window_id, advisor=other.pk, date="2026-04-23", time="10:00"
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.advisor == other
    mail = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:updated:1")
    assert mail.subject == "【CN相談】ご予約の内容を変更しました" and "専門家C" in mail.body


def test_setting_the_meeting_url_later_mails_an_update(desk_client, booking):
    _action(desk_client, "mark_confirmed", booking)
    response = _desk(
        desk_client, booking, "meeting", mode="online", meeting_tool="zoom", meeting_url="https://zoom.example.jp/j/1"
    )
    assert response.status_code == 302
    # SEQUENCE 1 was the confirmation (TENTATIVE → CONFIRMED in the calendar file), 2 is the meeting URL.
    mail = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:updated:2")
    assert "https://zoom.example.jp/j/1" in mail.body and "日時は変わりません" in mail.body
    # Saving the same again is no news.
    _desk(
        desk_client, booking, "meeting", mode="online", meeting_tool="zoom", meeting_url="https://zoom.example.jp/j/1"
    )
    assert MailOutbox.objects.filter(key__contains=":updated:").count() == 2  # SME + staff, once


def test_in_person_mode_needs_a_window_that_receives_visitors(desk_client, booking):
    response = _desk(desk_client, booking, "meeting", mode="in_person", meeting_tool="in_person", meeting_url="")
    assert response.status_code == 200 and "この窓口では選べない相談方法です" in response.content.decode()


def test_the_change_form_only_edits_the_desks_own_notes(desk_client, booking):
    other = make_advisor(name="専門家D", email="d@example.jp")
    response = desk_client.post(
        f"/admin/consultations/booking/{booking.pk}/change/",
        {
            "advisor": other.pk,
            "status": "confirmed",
            "meeting_url": "https://evil.example/",
            "start": "2026-05-01 10:00",
            "sitting_in": "",
            "private_record": "省エネ診断を案内した",
        },
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.private_record == "省エネ診断を案内した"
    assert booking.advisor != other and booking.status == BookingStatus.REQUESTED and booking.meeting_url == ""
    assert _mails(booking) == ["created", "created:staff"]


def test_booking_titles_and_lists_show_japan_time(desk_client, booking):
    early = booking_create(user=SmeUserFactory(), start=at(2026, 4, 28, 9), **intake())
    page = desk_client.get(f"/admin/consultations/booking/{early.pk}/change/").content.decode()
    assert "2026-04-28 09:00" in page and "2026-04-28 00:00" not in page
    assert "現状把握・情報収集" in page and "current_state" not in page


def test_statistics_open_on_the_current_fiscal_year(desk_client, booking):
    page = desk_client.get("/admin/consultations/booking/statistics/").content.decode()
    assert '<option value="2026" selected>2026年度（2026年4月〜2027年3月）</option>' in page
    assert "2026年度（2026-04-01〜2027-03-31）の相談：1件" in page


def test_statistics_name_a_reversed_range_as_an_error(desk_client, booking):
    page = desk_client.get(
        "/admin/consultations/booking/statistics/?date_from=2026-05-01&date_to=2026-04-01"
    ).content.decode()
    assert "開始日と終了日が逆です" in page and "相談分野別" not in page


def test_statistics_count_the_company_as_it_was_when_it_booked(desk_client, frozen, advisor):
    user = SmeUserFactory()
    booking_create(user=user, start=at(2026, 4, 23, 10), **intake())
    company = user.company
    company_save_for_user(
        user=user,
        data={
            "name": company.name,
            "prefecture": company.prefecture,
            "industry": "construction",
            "employee_band": "gt_300",
            "employees": None,
            "revenue_band": "gt_3b",
            "capital_yen": None,
        },
    )
    html = desk_client.get(
        "/admin/consultations/booking/statistics/?date_from=2026-04-01&date_to=2026-04-30"
    ).content.decode()
    assert '<td>製造業</td><td style="text-align:right">1</td>' in html
    assert '<td>建設業</td><td style="text-align:right">0</td>' in html
    csv_body = desk_client.get("/admin/consultations/booking/export/").content.decode()
    assert "製造業" in csv_body and "建設業" not in csv_body
