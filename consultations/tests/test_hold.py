"""A newcomer books from the calendar without an account: the hour is held, and the mail link (any browser)
confirms the address and the booking. Holds count in every one-booking-per-hour guarantee, and give their hour
back once past their time."""

import datetime as dt
import re
import threading
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from consultations.models import Booking, BookingStatus
from consultations.services import (
    TAKEN_MESSAGE,
    booking_create,
    booking_hold_confirm,
    booking_hold_create,
    holds_release_expired,
)
from consultations.tests.conftest import NOW, at, intake, make_advisor
from consultations.tests.test_concurrency import first_free_thursday, race, report, transactional
from core.errors import ApplicationError
from core.jst import JST
from core.mail import outbox_deliver
from core.models import MailOutbox

pytestmark = pytest.mark.django_db

COMPANY = {
    "name": "株式会社みどり精工",
    "prefecture": "aichi",
    "industry": "manufacturing",
    "revenue_band": "le_100m",
    "employee_band": "le_20",
}
FORM = {
    "mode": "online",
    "start": "2026-04-23T10:00:00+09:00",
    "topics": ["current_state"],
    "question": "取引先からCO2排出量を聞かれました",
    "customer_request": "",
    "meeting_tool": "teams",
    "advisor": "",
    "email": "hanako@example.jp",
    "family_name": "緑川",
    "given_name": "花子",
    "company_name": COMPANY["name"],
    **{k: v for k, v in COMPANY.items() if k != "name"},
}


def hold(email="hanako@example.jp", start=None, **overrides):
    data = intake(**overrides)
    return booking_hold_create(
        email=email,
        family_name="緑川",
        given_name="花子",
        company_data=dict(COMPANY),
        start=start or at(2026, 4, 23, 10),
        **data,
    )


def deliver() -> None:
    """The outbox rows as the worker would send them (tests run no worker)."""
    for pk in MailOutbox.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        outbox_deliver(pk=pk)


def link_of(message) -> str:
    return re.search(r"https?://[^/\s]+(/consultations/hold/\d+/[^/\s]+/)", message.body).group(1)


def test_a_hold_keeps_the_hour_from_everybody_else_until_confirmed(frozen, advisor, mailoutbox):
    held = hold()
    assert held.status == BookingStatus.HELD and held.hold_expires_at == NOW + dt.timedelta(minutes=30)
    user = held.created_by
    assert (user.last_name, user.first_name, user.has_usable_password()) == ("緑川", "花子", False)
    assert not EmailAddress.objects.get(user=user).verified
    with pytest.raises(ApplicationError, match=TAKEN_MESSAGE):
        booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    deliver()
    # Only the link mail goes out; the booking mails wait for the confirmation.
    assert [m.to for m in mailoutbox] == [["hanako@example.jp"]]
    assert "ご予約を確定してください" in mailoutbox[0].subject and "緑川 花子 様" in mailoutbox[0].body


def test_the_database_refuses_a_second_row_over_a_held_hour(frozen, advisor):
    held = hold()
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            company=SmeUserFactory().company,
            window=held.window,
            advisor=advisor,
            start=held.start,
            end=held.end,
            mode="online",
            topics=["pr"],
            question="q",
            meeting_tool="teams",
        )


def test_confirming_books_it_verifies_the_address_and_sends_the_booking_mails(frozen, advisor, mailoutbox):
    held = hold()
    booking = booking_hold_confirm(pk=held.pk, token=held.token)
    assert booking.status == BookingStatus.REQUESTED and booking.hold_expires_at is None
    assert EmailAddress.objects.get(user=booking.created_by).verified
    deliver()
    assert any("ご予約を受け付けました" in m.subject and m.to == ["hanako@example.jp"] for m in mailoutbox)
    # A second press (or the same link in another browser) changes nothing and sends nothing.
    sent = len(mailoutbox)
    assert booking_hold_confirm(pk=held.pk, token=held.token).status == BookingStatus.REQUESTED
    deliver()
    assert len(mailoutbox) == sent


def test_a_wrong_token_is_refused_and_changes_nothing(frozen, advisor):
    held = hold()
    with pytest.raises(ApplicationError, match="確認用のリンクが正しくありません"):
        booking_hold_confirm(pk=held.pk, token="x" * 32)
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD


def test_an_expired_hold_gives_its_hour_to_the_next_booking_and_its_link_then_says_so(frozen, advisor):
    held = hold()
    frozen.shift(dt.timedelta(minutes=31))
    other = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    assert other.status == BookingStatus.REQUESTED
    held.refresh_from_db()
    assert held.status == BookingStatus.EXPIRED
    with pytest.raises(ApplicationError, match="ほかの方のご予約で埋まりました"):
        booking_hold_confirm(pk=held.pk, token=held.token)


def test_an_expired_hold_still_books_while_its_hour_is_free(frozen, advisor):
    held = hold()
    frozen.shift(dt.timedelta(minutes=45))
    assert holds_release_expired() == 1
    assert booking_hold_confirm(pk=held.pk, token=held.token).status == BookingStatus.REQUESTED


def test_an_existing_sme_account_holds_for_its_own_company_without_changing_it(frozen, advisor):
    user = SmeUserFactory(last_name="山田", first_name="一郎")
    held = hold(email=user.email.upper())
    assert held.company_id == user.company_id and held.created_by_id == user.pk
    user.refresh_from_db()
    assert user.last_name == "山田" and User.objects.count() == 1


def test_a_staff_address_gets_a_log_in_mail_and_no_hold(frozen, advisor, mailoutbox):
    staff = StaffUserFactory(last_name="", first_name="")
    assert hold(email=staff.email) is None
    assert Booking.objects.count() == 0
    deliver()
    assert "ログインしてから" in mailoutbox[0].subject and mailoutbox[0].to == [staff.email]
    assert mailoutbox[0].body.startswith("ご担当者様")


def test_a_taken_hour_creates_no_account(frozen, advisor):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    with pytest.raises(ApplicationError, match=TAKEN_MESSAGE):
        hold()
    assert not User.objects.filter(email="hanako@example.jp").exists()


def test_the_calendar_form_holds_and_the_link_opened_in_another_browser_books_and_signs_in(frozen, client, advisor):
    response = client.post("/consultations/w/hq/", FORM)
    assert response.status_code == 302 and response["Location"] == "/consultations/hold/sent/"
    sent = client.get(response["Location"]).content.decode()
    assert "hanako@example.jp 宛に" in sent
    deliver()
    link = link_of(mail.outbox[-1])
    other = Client()  # the phone's mail app opens its own browser
    page = other.get(link)
    assert page.status_code == 200 and "予約を確定する" in page.content.decode()
    assert Booking.objects.get().status == BookingStatus.HELD  # a GET never books (mail scanners open links)
    done = other.post(link)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.REQUESTED
    assert done["Location"] == f"/consultations/bookings/{booking.pk}/"
    detail = other.get(done["Location"]).content.decode()
    assert "受付済み" in detail and "パスワードを設定する" in detail


def test_the_calendar_form_with_mistakes_keeps_what_was_typed_and_names_each_field(frozen, client, advisor):
    response = client.post("/consultations/w/hq/", {**FORM, "start": "", "email": "not-an-address", "family_name": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "カレンダーから日と時刻を選んでください" in html
    assert "メールアドレスの形式が正しくありません" in html and "姓を入力してください" in html
    assert "取引先からCO2排出量を聞かれました" in html and 'value="花子"' in html
    assert Booking.objects.count() == 0 and User.objects.count() == 0


def test_a_signed_in_company_books_from_the_calendar_in_one_post(frozen, client, advisor):
    user = SmeUserFactory()
    client.force_login(user)
    fields = {k: v for k, v in FORM.items() if k not in ("email", "family_name", "given_name", "company_name")}
    response = client.post("/consultations/w/hq/", fields)
    booking = Booking.objects.get()
    assert response["Location"] == f"/consultations/bookings/{booking.pk}/"
    assert booking.status == BookingStatus.REQUESTED and booking.created_by == user


@transactional
def test_twenty_newcomers_and_twenty_companies_racing_for_one_hour_give_one_booking_or_hold(capsys):
    make_advisor()
    day = first_free_thursday()
    start = dt.datetime.combine(day, dt.time(10), tzinfo=JST)
    users = [SmeUserFactory() for _ in range(20)]
    calls = [lambda i=i: hold(email=f"newcomer{i}@example.jp", start=start) for i in range(20)]
    calls += [lambda u=u: booking_create(user=u, start=start, **intake()) for u in users]
    started = time.monotonic()
    counts = race(calls)
    report("20 holds and 20 bookings of one hour", counts, started)
    assert counts["ok"] == 1 and counts[TAKEN_MESSAGE] == 39
    occupying = Booking.objects.filter(start=start, status__in=["requested", "held"])
    assert occupying.count() == 1
    # No account was left behind by a newcomer who lost the race.
    assert User.objects.filter(email__startswith="newcomer").count() == occupying.filter(status="held").count()


@transactional
def test_a_confirmation_racing_a_booking_after_the_hold_expired_gives_one_booking():
    make_advisor()
    day = first_free_thursday()
    start = dt.datetime.combine(day, dt.time(10), tzinfo=JST)
    rounds = {"confirm": 0, "booking": 0}
    for _ in range(5):
        held = hold(email=f"late{time.monotonic_ns()}@example.jp", start=start)
        Booking.objects.filter(pk=held.pk).update(hold_expires_at=held.hold_expires_at - dt.timedelta(hours=1))
        user = SmeUserFactory()
        barrier = threading.Barrier(2)
        counts = race(
            [
                lambda h=held: booking_hold_confirm(pk=h.pk, token=h.token),
                lambda u=user: booking_create(user=u, start=start, **intake()),
            ]
        )
        del barrier
        assert counts["ok"] == 1, counts
        winner = Booking.objects.get(start=start, status="requested")
        rounds["confirm" if winner.pk == held.pk else "booking"] += 1
        Booking.objects.filter(start=start).update(status="cancelled")
    print(f"\n[concurrency] expired hold confirm vs booking, 5 rounds -> {rounds}")


def test_a_hold_is_no_consultation_in_the_statistics_or_the_companys_list(frozen, advisor):
    from consultations.openstats import consultation_tables
    from consultations.selectors import booking_statistics, company_bookings

    held = hold()
    assert booking_statistics(date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 30))[0]["total"] == 0
    total = next(t for t in consultation_tables(2026) if t.key == "consultations_total")
    assert total.rows[0][1] == 0
    assert company_bookings(company_id=held.company_id) == ([], [])


def test_a_link_opened_where_someone_else_is_signed_in_books_without_switching_accounts(frozen, client, advisor):
    held = hold()
    colleague = SmeUserFactory()
    client.force_login(colleague)
    link = f"/consultations/hold/{held.pk}/{held.token}/"
    response = client.post(link)
    assert response["Location"] == link
    held.refresh_from_db()
    assert held.status == BookingStatus.REQUESTED
    assert int(client.session["_auth_user_id"]) == colleague.pk
    assert "ご予約を受け付けました" in client.get(link).content.decode()


def test_a_hold_confirmed_past_the_companys_cap_of_upcoming_consultations_is_refused(frozen, advisor, settings):
    """The cap on upcoming consultations holds on the newcomer's path too: it is checked when the hold is confirmed."""
    settings.CONSULTATIONS_MAX_FUTURE_BOOKINGS = 1
    user = SmeUserFactory()
    held = hold(email=user.email, start=at(2026, 4, 23, 10))
    booking_create(user=user, start=at(2026, 4, 23, 14), **intake())
    with pytest.raises(ApplicationError, match="1件までです"):
        booking_hold_confirm(pk=held.pk, token=held.token)
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD
