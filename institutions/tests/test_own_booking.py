"""Institution staff book a consultation for the institution itself, under every rule a company's booking keeps."""

import pytest

from accounts.models import Company
from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from advisors.tests.conftest import advisor_account
from consultations.models import Booking
from consultations.services import booking_create, max_future_bookings
from consultations.tests.conftest import at, intake
from core.errors import ApplicationError
from core.models import MailOutbox

pytestmark = pytest.mark.django_db

START = "2026-04-23T10:00:00+09:00"


def _post(client, step, start=START, **extra):
    data = {
        "start": start,
        "mode": "online",
        "topics": ["current_state"],
        "question": "会員企業向けセミナーの進め方を相談したい",
        "customer_request": "",
        "meeting_tool": "teams",
        "advisor": "",
        "step": step,
    }
    data.update(extra)
    return client.post(f"/consultations/w/hq/book/?mode=online&start={start.replace('+', '%2B')}", data)


def test_institution_staff_book_for_the_institution_itself_and_every_colleague_sees_it(
    frozen, advisor, client, institution_user
):
    client.force_login(institution_user)
    form = client.get(f"/consultations/w/hq/book/?mode=online&start={START.replace('+', '%2B')}").content.decode()
    assert "支援機関自身の相談として" in form and 'name="sitting_in"' not in form and "share_selfcheck" not in form
    assert "予約内容の確認" in _post(client, "review").content.decode()
    done = _post(client, "confirm", sitting_in=str(institution_user.institution.pk), share_selfcheck="on")
    booking = Booking.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/consultations/bookings/{booking.pk}/"
    assert booking.company.for_institution == institution_user.institution and booking.sitting_in is None
    assert booking.company.name == institution_user.institution.name and not booking.company.users.exists()
    assert MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:created").to == [institution_user.email]
    colleague = InstitutionUserFactory(institution=institution_user.institution)
    client.force_login(colleague)
    listing = client.get("/consultations/bookings/").content.decode()
    assert "2026年4月23日" in listing and "自身の相談の予約です" in listing
    assert client.get(f"/consultations/bookings/{booking.pk}/").status_code == 200
    for outsider in (InstitutionUserFactory(), SmeUserFactory()):
        client.force_login(outsider)
        assert client.get(f"/consultations/bookings/{booking.pk}/").status_code == 404
        assert "2026年4月23日" not in client.get("/consultations/bookings/").content.decode()


def test_the_institution_has_one_cap_for_all_its_staff_and_it_is_not_a_members_cap(frozen, advisor, institution_user):
    colleague = InstitutionUserFactory(institution=institution_user.institution)
    for hour, user in zip(range(10, 10 + max_future_bookings()), [institution_user, colleague], strict=False):
        booking_create(user=user, start=at(2026, 4, 23, hour), **intake())
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=colleague, start=at(2026, 4, 23, 15), **intake())
    assert "予約中の相談は2件まで" in exc.value.message
    assert Company.objects.filter(for_institution=institution_user.institution).count() == 1
    member = SmeUserFactory()
    assert booking_create(user=member, start=at(2026, 4, 23, 15), **intake()).company == member.company


def test_the_advisors_hour_is_still_booked_once(frozen, advisor, institution_user):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=institution_user, start=at(2026, 4, 23, 10), **intake())
    assert exc.value.code == "taken"


def test_the_advisor_sees_that_the_institution_itself_consults(frozen, client, institution_user):
    account = advisor_account()
    booking = booking_create(user=institution_user, start=at(2026, 4, 23, 10), **intake())
    client.force_login(account.user)
    page = client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert "支援機関（機関自身の相談）" in page and institution_user.institution.name in page


def test_advisors_and_smrj_staff_are_sent_back_from_the_booking_form(frozen, advisor, client, staff_user):
    client.force_login(staff_user)
    response = client.get(f"/consultations/w/hq/book/?mode=online&start={START.replace('+', '%2B')}")
    assert response.status_code == 302 and response["Location"] == "/consultations/"
