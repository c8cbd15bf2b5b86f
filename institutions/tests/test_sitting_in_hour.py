"""An institution sits in on one consultation an hour: the services refuse a second, the database holds the rule."""

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from consultations.models import Booking
from consultations.services import booking_create, booking_move
from consultations.tests.conftest import intake, make_advisor
from consultations.tests.test_concurrency import active, at_jst, first_free_thursday, race, report
from core.errors import ApplicationError
from institutions.models import Membership

CLASH = "同席は1時間に1件までです。"


def _members(institution, n: int):
    users = [SmeUserFactory() for _ in range(n)]
    for user in users:
        Membership.objects.create(institution=institution, company=user.company)
    return users


def _advisors(n: int):
    return [make_advisor(name=f"専門家{i}", email=f"adv{i}@example.jp") for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_a_second_member_naming_the_same_institution_for_the_same_hour_is_refused_and_nothing_is_booked():
    _advisors(2)
    staff = InstitutionUserFactory()
    first, second = _members(staff.institution, 2)
    start = at_jst(first_free_thursday(), 10)
    booking_create(user=first, start=start, sitting_in_id=staff.institution.pk, **intake())
    with pytest.raises(ApplicationError) as refused:
        booking_create(user=second, start=start, sitting_in_id=staff.institution.pk, **intake())
    assert CLASH in refused.value.message and refused.value.field == "sitting_in"
    assert staff.institution.name in refused.value.message
    assert not Booking.objects.filter(company=second.company).exists()
    # Without the institution the second member still books that hour (another advisor is free).
    assert booking_create(user=second, start=start, **intake()).sitting_in is None


@pytest.mark.django_db(transaction=True)
def test_the_desk_cannot_move_a_booking_onto_an_hour_the_institution_already_sits_in_on():
    one, two = _advisors(2)
    staff = InstitutionUserFactory()
    first, second = _members(staff.institution, 2)
    day = first_free_thursday()
    held = booking_create(user=first, start=at_jst(day, 10), sitting_in_id=staff.institution.pk, **intake())
    other = booking_create(user=second, start=at_jst(day, 11), sitting_in_id=staff.institution.pk, **intake())
    advisor = two if held.advisor_id == one.pk else one
    with pytest.raises(ApplicationError) as refused:
        booking_move(booking=other, window=other.window, advisor=advisor, start=at_jst(day, 10, 30))
    assert CLASH in refused.value.message
    other.refresh_from_db()
    assert other.start == at_jst(day, 11)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_the_same_hour_and_an_overlapping_half_hour_whatever_writes_it():
    one, two, three = _advisors(3)
    staff = InstitutionUserFactory()
    first, second, third = _members(staff.institution, 3)
    start = at_jst(first_free_thursday(), 10)
    booking_create(user=first, start=start, sitting_in_id=staff.institution.pk, **intake())
    row = Booking.objects.get(company=first.company)
    for user, advisor, at in ((second, two, start), (third, three, start + dt.timedelta(minutes=30))):
        copy = {f.attname: getattr(row, f.attname) for f in Booking._meta.concrete_fields if f.attname != "id"}
        copy.update(company_id=user.company_id, advisor_id=advisor.pk, start=at, end=at + dt.timedelta(hours=1))
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.create(**copy)
    # The admin's form (model validation) names the clash next to the field instead of failing.
    late = Booking(**{**copy, "start": start + dt.timedelta(hours=2), "end": start + dt.timedelta(hours=3)})
    late.save()
    late.start, late.end = start + dt.timedelta(minutes=30), start + dt.timedelta(minutes=90)
    with pytest.raises(ValidationError) as invalid:
        late.full_clean()
    assert CLASH in str(invalid.value.message_dict["sitting_in"])


@pytest.mark.django_db(transaction=True)
def test_ten_members_naming_one_institution_for_one_hour_at_once_give_exactly_one_booking():
    advisors = _advisors(10)
    staff = InstitutionUserFactory()
    users = _members(staff.institution, 10)
    start = at_jst(first_free_thursday(), 14)
    started = time.monotonic()
    counts = race(
        [lambda u=u: booking_create(user=u, start=start, sitting_in_id=staff.institution.pk, **intake()) for u in users]
    )
    report("10 members, 10 advisors, one institution sitting in, one hour", counts, started)
    assert counts["ok"] == 1, counts
    assert sum(v for k, v in counts.items() if CLASH in k) == 9, counts
    assert active(sitting_in=staff.institution).count() == 1
    assert active(advisor__in=advisors).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_raw_inserts_past_the_services_at_once_leave_one_row_the_constraint_holds():
    advisors = _advisors(10)
    staff = InstitutionUserFactory()
    users = _members(staff.institution, 10)
    start = at_jst(first_free_thursday(), 15)
    booking_create(user=users[0], start=start - dt.timedelta(hours=2), sitting_in_id=staff.institution.pk, **intake())
    template = Booking.objects.get(company=users[0].company)
    fields = {f.attname: getattr(template, f.attname) for f in Booking._meta.concrete_fields if f.attname != "id"}

    def insert(user, advisor, offset):
        at = start + dt.timedelta(minutes=offset)
        row = {**fields, "company_id": user.company_id, "advisor_id": advisor.pk, "start": at}
        try:
            with transaction.atomic():
                Booking.objects.create(**{**row, "end": at + dt.timedelta(hours=1)})
        except IntegrityError:
            raise ApplicationError("constraint") from None

    started = time.monotonic()
    counts = race(
        [lambda u=u, a=a, i=i: insert(u, a, (i % 3) * 20) for i, (u, a) in enumerate(zip(users, advisors, strict=True))]
    )
    report("10 raw inserts, one institution, overlapping hours", counts, started)
    assert counts["ok"] == 1 and counts["constraint"] == 9, counts
    assert active(sitting_in=staff.institution, start__gte=start - dt.timedelta(minutes=1)).count() == 1
