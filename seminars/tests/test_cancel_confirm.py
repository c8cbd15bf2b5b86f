"""Cancelling a seminar seat goes through a page that says what is cancelled; the person gets a mail with a
METHOD:CANCEL .ics (same UID as the REQUEST they were sent, a higher SEQUENCE), and the seat goes to the waitlist."""

import base64

import pytest
from django.conf import settings
from icalendar import Calendar

from accounts.tests.factories import SmeUserFactory
from core.models import MailOutbox
from seminars import services
from seminars.models import Registration, RegistrationStatus
from seminars.tests.factories import SeminarFactory

pytestmark = pytest.mark.django_db


def ics_of(key: str) -> tuple[Calendar, dict]:
    row = MailOutbox.objects.get(key=key)
    attachment = next(a for a in row.attachments if a["mimetype"] == "text/calendar")
    calendar = Calendar.from_ical(base64.b64decode(attachment["content"]))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_a_tap_on_cancel_shows_a_confirmation_page_and_changes_nothing(client):
    user = SmeUserFactory()
    registration = services.registration_create(seminar_id=SeminarFactory().pk, user=user)
    client.force_login(user)
    page = client.get(f"/seminars/registrations/{registration.pk}/cancel/?next=my")
    assert page.status_code == 200 and "申込をキャンセルする" in page.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert (
        f'href="/seminars/registrations/{registration.pk}/cancel/?next=my"'
        in client.get("/seminars/my/").content.decode()
    )


def test_confirming_cancels_mails_a_cancel_ics_and_promotes_the_waitlist(client):
    seminar = SeminarFactory(capacity=1)
    user = SmeUserFactory(last_name="緑川", first_name="花子")
    registration = services.registration_create(seminar_id=seminar.pk, user=user)
    waiting = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    client.force_login(user)
    response = client.post(f"/seminars/registrations/{registration.pk}/cancel/", {"next": "my"})
    assert response["Location"] == "/seminars/my/"
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED and waiting.status == RegistrationStatus.REGISTERED

    request_cal, request = ics_of(f"seminars.registration:{registration.pk}:confirmation")
    cancel_cal, cancel = ics_of(f"seminars.registration:{registration.pk}:cancelled")
    assert str(request_cal["METHOD"]) == "REQUEST" and str(cancel_cal["METHOD"]) == "CANCEL"
    assert str(cancel["UID"]) == str(request["UID"]) and int(cancel["SEQUENCE"]) > int(request["SEQUENCE"])
    assert str(cancel["STATUS"]) == "CANCELLED"
    for event in (request, cancel):
        assert str(event["ORGANIZER"]) == f"mailto:{settings.DESK_EMAIL}"
        assert str(event["ATTENDEE"]) == f"mailto:{user.email}"
        assert event["ATTENDEE"].params["CN"] == "緑川 花子"
    mail = MailOutbox.objects.get(key=f"seminars.registration:{registration.pk}:cancelled")
    assert mail.body.startswith("緑川 花子 様") and "キャンセルしました" in mail.subject
    assert seminar.streaming_url == "" or seminar.streaming_url not in mail.body


def test_cancelling_twice_says_so_and_sends_one_mail(client):
    user = SmeUserFactory()
    registration = services.registration_create(seminar_id=SeminarFactory().pk, user=user)
    client.force_login(user)
    client.post(f"/seminars/registrations/{registration.pk}/cancel/")
    again = client.post(f"/seminars/registrations/{registration.pk}/cancel/")
    assert again.status_code == 400 and "すでにキャンセルされています" in again.content.decode()
    assert MailOutbox.objects.filter(key__endswith=":cancelled").count() == 1


def test_another_persons_registration_is_not_found(client):
    registration = services.registration_create(seminar_id=SeminarFactory().pk, user=SmeUserFactory())
    client.force_login(SmeUserFactory())
    assert client.get(f"/seminars/registrations/{registration.pk}/cancel/").status_code == 404
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.REGISTERED
