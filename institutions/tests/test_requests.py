"""An institution asks a member to hold a consultation; the company picks a booking and the institution sits in."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from advisors.tests.conftest import book
from consultations.tests.conftest import make_advisor
from institutions.models import ConsultationRequest, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(institution_user):
    user = SmeUserFactory()
    membership = Membership.objects.create(institution=institution_user.institution, company=user.company)
    return user, membership


def _future():
    return (timezone.now() + dt.timedelta(days=5)).replace(minute=0, second=0, microsecond=0)


def test_the_institution_asks_the_company_confirms_with_a_booking_and_the_institution_sits_in(
    client, institution_user, member
):
    user, membership = member
    client.force_login(institution_user)
    client.post("/institutions/requests/", {"membership": membership.pk, "message": "省エネ補助金の相談をしませんか"})
    item = ConsultationRequest.objects.get()
    booking = book(user=user, advisor=make_advisor(), start=_future(), status="requested")
    client.force_login(user)
    page = client.get("/institutions/memberships/").content.decode()
    assert "省エネ補助金の相談をしませんか" in page and "同席を申し出ています" in page
    client.post(f"/institutions/requests/{item.pk}/answer/", {"answer": "confirm", "booking": booking.pk})
    booking.refresh_from_db()
    item.refresh_from_db()
    assert booking.sitting_in == institution_user.institution and item.status == "confirmed" and item.booking == booking
    client.force_login(institution_user)
    assert user.company.name in client.get("/institutions/").content.decode().split("同席する相談", 1)[1]


def test_the_company_can_decline_and_nothing_changes(client, institution_user, member):
    user, membership = member
    item = ConsultationRequest.objects.create(
        institution=institution_user.institution, company=user.company, message="x"
    )
    booking = book(user=user, advisor=make_advisor(), start=_future())
    client.force_login(user)
    client.post(f"/institutions/requests/{item.pk}/answer/", {"answer": "decline"})
    item.refresh_from_db()
    booking.refresh_from_db()
    assert item.status == "declined" and booking.sitting_in is None


def test_only_members_can_be_asked_and_only_the_company_answers_with_its_own_booking(client, institution_user, member):
    user, membership = member
    outsider = SmeUserFactory()
    client.force_login(InstitutionUserFactory())
    client.post("/institutions/requests/", {"membership": membership.pk, "message": "x"})
    assert not ConsultationRequest.objects.exists()
    item = ConsultationRequest.objects.create(
        institution=institution_user.institution, company=user.company, message="x"
    )
    foreign = book(user=outsider, advisor=make_advisor(), start=_future())
    client.force_login(outsider)
    client.post(f"/institutions/requests/{item.pk}/answer/", {"answer": "confirm", "booking": foreign.pk})
    client.force_login(user)
    client.post(f"/institutions/requests/{item.pk}/answer/", {"answer": "confirm", "booking": foreign.pk})
    client.post(f"/institutions/requests/{item.pk}/answer/", {"answer": "confirm", "booking": "\x00"})
    foreign.refresh_from_db()
    item.refresh_from_db()
    assert foreign.sitting_in is None and item.status == "pending"


def test_a_company_that_left_cannot_confirm(client, institution_user, member):
    user, membership = member
    item = ConsultationRequest.objects.create(
        institution=institution_user.institution, company=user.company, message="x"
    )
    booking = book(user=user, advisor=make_advisor(), start=_future())
    client.force_login(user)
    client.post(f"/institutions/memberships/{membership.pk}/leave/")
    client.post(f"/institutions/requests/{item.pk}/answer/", {"answer": "confirm", "booking": booking.pk})
    booking.refresh_from_db()
    assert booking.sitting_in is None
