"""A member confirming an institution's request races other bookings of the same hour: real threads on PostgreSQL."""

import time

import pytest

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from consultations.services import TAKEN_MESSAGE, booking_create
from consultations.tests.conftest import intake, make_advisor
from consultations.tests.test_concurrency import active, at_jst, first_free_thursday, race, report
from institutions import services
from institutions.models import ConsultationRequest, Membership


@pytest.mark.django_db(transaction=True)
def test_confirms_racing_direct_bookings_into_one_hour_give_exactly_one_booking():
    advisor = make_advisor()
    staff = InstitutionUserFactory()
    start = at_jst(first_free_thursday(), 11)
    members = [SmeUserFactory() for _ in range(10)]
    requests = []
    for user in members:
        Membership.objects.create(institution=staff.institution, company=user.company)
        requests.append(
            services.consultation_request_create(
                institution=staff.institution, company=user.company, message="同席します", user=staff, start=start
            )
        )
    others = [SmeUserFactory() for _ in range(10)]
    calls = [
        lambda u=u, r=r: services.consultation_request_confirm(
            request_id=r.pk, user=u, start=start, topics=["subsidy"], question="補助金", meeting_tool="zoom"
        )
        for u, r in zip(members, requests, strict=True)
    ] + [lambda u=u: booking_create(user=u, start=start, **intake()) for u in others]
    started = time.monotonic()
    counts = race(calls)
    report("10 request confirms + 10 bookings, one hour", counts, started)
    assert counts["ok"] == 1 and counts[TAKEN_MESSAGE] == 19, counts
    booking = active(advisor=advisor).get()
    confirmed = ConsultationRequest.objects.filter(status="confirmed")
    if booking.company_id in {u.company_id for u in members}:
        assert confirmed.get().booking == booking and booking.sitting_in == staff.institution
    else:
        assert not confirmed.exists() and booking.sitting_in is None
    assert ConsultationRequest.objects.filter(status="pending").count() == 10 - confirmed.count()
