"""Check-in at the door: the mail's QR code opens a page on the desk's phone; one tap records attendance, once."""

import io
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from PIL import Image

from accounts import roles
from accounts.services import staff_groups_sync
from accounts.tests.factories import PASSWORD, SmeUserFactory, StaffUserFactory, totp_code
from core.errors import ApplicationError
from core.models import MailOutbox
from seminars import selectors, services
from seminars.models import Registration, RegistrationStatus, SeminarFormat
from seminars.tests.factories import SeminarFactory


def _desk(**kwargs):
    staff_groups_sync()
    user = StaffUserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=roles.SEMINAR_DESK))
    return user


@pytest.fixture
def venue_seminar(db):
    """An on-site seminar starting in two hours (the door opens three hours before the start)."""
    start = timezone.now() + timedelta(hours=2)
    return SeminarFactory(
        format=SeminarFormat.ONSITE, venue="虎ノ門本部 会議室", starts_at=start, capacity=5, registration_close_hours=0
    )


@pytest.fixture
def registration(venue_seminar):
    return services.registration_create(seminar_id=venue_seminar.pk, user=SmeUserFactory())


def _scan_path(registration) -> str:
    """The path of the QR code's address (the mail carries it absolute, under SITE_URL)."""
    return "/" + services.checkin_url(registration).split("://", 1)[1].split("/", 1)[1]


@pytest.mark.django_db
def test_the_confirmation_mail_and_its_ics_carry_the_code_and_a_qr_of_the_signed_checkin_url(registration):
    mail = MailOutbox.objects.get(key=f"seminars.registration:{registration.pk}:confirmation")
    code = services.checkin_code(registration)
    assert f"受付番号：{code}" in mail.body
    attachments = {a["filename"]: a for a in mail.attachments}
    assert set(attachments) == {"seminar.ics", "checkin-qr.png"}
    png = services.checkin_qr_png(registration)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    event = next(c for c in Calendar.from_ical(services.registration_ics(registration)).walk("VEVENT"))
    assert code in str(event["description"])
    assert event["attach"].params["FMTTYPE"] == "image/png"
    online = services.registration_create(seminar_id=SeminarFactory().pk, user=SmeUserFactory())
    online_mail = MailOutbox.objects.get(key=f"seminars.registration:{online.pk}:confirmation")
    assert "受付番号" not in online_mail.body  # no door for an online seminar
    assert [a["filename"] for a in online_mail.attachments] == ["seminar.ics"]


@pytest.mark.django_db
def test_checking_in_records_attendance_once_and_a_second_scan_says_when(registration):
    desk = _desk()
    first = services.registration_check_in(registration_id=registration.pk, user=desk)
    assert not first.already and first.registration.attended is True
    second = services.registration_check_in(registration_id=registration.pk, user=desk)
    assert second.already and second.registration.checked_in_at == first.registration.checked_in_at
    history = Registration.history.filter(id=registration.pk).order_by("history_date")
    assert history.last().checked_in_by_id == desk.pk


@pytest.mark.django_db
def test_check_in_opens_three_hours_before_the_start_and_closes_three_hours_after_the_end(venue_seminar):
    registration = services.registration_create(seminar_id=venue_seminar.pk, user=SmeUserFactory())
    desk = _desk()
    too_early = venue_seminar.starts_at - timedelta(hours=3, minutes=1)
    with pytest.raises(ApplicationError, match="3時間前から"):
        services.registration_check_in(registration_id=registration.pk, user=desk, now=too_early)
    too_late = venue_seminar.ends_at + timedelta(hours=3, minutes=1)
    with pytest.raises(ApplicationError, match="受付は終了"):
        services.registration_check_in(registration_id=registration.pk, user=desk, now=too_late)
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


@pytest.mark.django_db
def test_a_waitlisted_or_cancelled_registration_is_not_checked_in_and_a_checked_in_one_cannot_be_cancelled():
    seminar = SeminarFactory(
        format=SeminarFormat.ONSITE,
        starts_at=timezone.now() + timedelta(hours=1),
        capacity=1,
        registration_close_hours=0,
    )
    seated = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    waiting = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    desk = _desk()
    with pytest.raises(ApplicationError, match="キャンセル待ち"):
        services.registration_check_in(registration_id=waiting.pk, user=desk)
    services.registration_check_in(registration_id=seated.pk, user=desk)
    with pytest.raises(ApplicationError, match="受付を済ませた"):
        services.registration_cancel(registration=seated)
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.WAITLISTED
    # the desk corrects a mistaken check-in: attendance unknown again, the check-in goes with it
    with time_machine.travel(seminar.starts_at + timedelta(minutes=5)):
        services.registration_set_attendance(registration=seated, attended=None)
    seated.refresh_from_db()
    assert seated.checked_in_at is None and seated.attended is None


@pytest.mark.django_db
def test_a_forged_token_a_wrong_code_and_another_seminars_code_are_refused(client, registration, venue_seminar):
    other = services.registration_create(
        seminar_id=SeminarFactory(format=SeminarFormat.ONSITE, title="別会場の説明会").pk, user=SmeUserFactory()
    )
    client.force_login(_desk())
    forged = reverse("seminars:checkin_scan", args=[venue_seminar.pk, "eyJyIjoxfQ:forged:signature"])
    assert client.get(forged).status_code == 400
    assert client.post(forged).status_code == 400
    # a genuine QR code of another seminar, put under this seminar's address
    token = services.token_for(other, "checkin")
    response = client.get(reverse("seminars:checkin_scan", args=[venue_seminar.pk, token]))
    assert response.status_code == 400 and "別のセミナー（別会場の説明会）の申込です" in response.content.decode()
    desk_url = reverse("seminars:checkin_desk", args=[venue_seminar.pk])
    for code, message in [
        (services.checkin_code(other), "別のセミナー"),
        (f"{registration.pk}-ZZZZ", "受付番号が見つかりません"),
        ("", "このフィールドは必須です"),
        ("'; DROP TABLE x", "受付番号が見つかりません"),
    ]:
        response = client.get(desk_url, {"code": code})
        assert response.status_code == 400 and message in response.content.decode(), code
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_short_code_is_found_as_typed_with_full_width_digits_and_a_long_dash(client, registration, venue_seminar):
    client.force_login(_desk())
    code = services.checkin_code(registration)
    typed = code.translate(str.maketrans("0123456789-", "０１２３４５６７８９ー")).lower()
    response = client.get(reverse("seminars:checkin_desk", args=[venue_seminar.pk]), {"code": typed})
    assert response.status_code == 302 and response.url == services.checkin_url(registration)


@pytest.mark.django_db
def test_only_the_seminar_desk_with_its_second_factor_opens_the_door_pages(client, registration, venue_seminar):
    urls = [
        reverse("seminars:checkin_desk", args=[venue_seminar.pk]),
        _scan_path(registration),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(registration.user)
    assert [client.get(url).status_code for url in urls] == [403, 403]
    assert client.post(urls[1]).status_code == 403
    other_desk = StaffUserFactory()
    other_desk.groups.add(Group.objects.get(name=roles.CATALOGUE_EDITOR))
    client.force_login(other_desk)
    assert [client.get(url).status_code for url in urls] == [403, 403]
    client.force_login(_desk(second_factor=False))
    response = client.get(urls[1])
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


@pytest.mark.django_db
def test_opening_the_scan_page_writes_nothing_and_the_monthly_summary_counts_checked_in_people(
    client, registration, venue_seminar
):
    desk = _desk()
    client.force_login(desk)
    url = _scan_path(registration)
    before = Registration.history.count()
    assert client.get(url).status_code == 200
    assert Registration.history.count() == before and Registration.objects.get(pk=registration.pk).attended is None
    for _ in range(2):  # two more confirmed seats, nobody checks them in
        services.registration_create(seminar_id=venue_seminar.pk, user=SmeUserFactory())
    month = timezone.localtime(venue_seminar.starts_at).strftime("%Y-%m")
    summary = reverse("admin:seminars_seminar_summary")
    assert f"<tr><td>{month}</td><td>1</td><td>3名</td>" in client.get(summary).content.decode()
    assert client.post(url).status_code == 302
    assert selectors.checkin_counts(seminar=venue_seminar) == {"registered": 3, "checked_in": 1}
    assert f"<tr><td>{month}</td><td>1</td><td>1名</td>" in client.get(summary).content.decode()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_scans_of_one_code_record_one_check_in(registration):
    desk = _desk()
    results, errors = [], []

    def scan():
        try:
            results.append(services.registration_check_in(registration_id=registration.pk, user=desk).already)
        except Exception as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(results) == [False] + [True] * 9


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_desk_checks_a_person_in_on_a_phone_from_the_scanned_url(live_server, browser, axe):
    seminar = SeminarFactory(
        format=SeminarFormat.ONSITE,
        title="省エネ実務セミナー（会場）",
        starts_at=timezone.now() + timedelta(hours=1),
        registration_close_hours=0,
    )
    person = SmeUserFactory(first_name="花子", last_name="緑川")
    registration = services.registration_create(seminar_id=seminar.pk, user=person)
    desk = _desk()
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    scanned = live_server.url + _scan_path(registration)
    page.goto(scanned)  # the phone's camera opens the URL; signed out, it asks to sign in first
    page.fill("#id_login", desk.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("#id_code", totp_code())
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(scanned)
    assert page.locator(".checkin-name").inner_text() == person.get_full_name()
    axe(page)
    page.get_by_role("button", name="受付する").click()
    assert page.get_by_text("受付しました").is_visible()
    axe(page)
    page.goto(scanned)  # a second scan
    assert page.get_by_text("受付済みです").is_visible()
    assert page.get_by_role("button", name="受付する").count() == 0
    assert Registration.objects.get(pk=registration.pk).attended is True
    page.goto(live_server.url + reverse("seminars:checkin_desk", args=[seminar.pk]))
    assert page.get_by_text("受付済み 1名 ／ 参加確定 1名").is_visible()
    page.get_by_label("受付番号").fill("1-AAAA")
    page.get_by_role("button", name="探す").click()
    assert page.locator(".error-summary").is_visible()
    axe(page)
    context.close()


@pytest.mark.django_db
def test_the_door_pages_read_in_english_after_the_language_switch(client, registration, venue_seminar):
    client.force_login(_desk())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    desk = client.get(reverse("seminars:checkin_desk", args=[venue_seminar.pk])).content.decode()
    assert "Venue check-in" in desk and "Checked in: 0 / Confirmed: 1" in desk and "Search by check-in code" in desk
    refused = client.get(reverse("seminars:checkin_desk", args=[venue_seminar.pk]), {"code": f"{registration.pk}-ZZZZ"})
    assert "Check-in code not found. Enter the code given in the e-mail (e.g. 123-ABCD)." in refused.content.decode()
    scan = client.get(_scan_path(registration)).content.decode()
    assert "Registration status" in scan and ">Check in</button>" in scan
    done = client.post(_scan_path(registration), follow=True).content.decode()
    assert "Checked in (" in done and "受付" not in done
