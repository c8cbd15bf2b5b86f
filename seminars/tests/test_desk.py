"""The seminar desk changes seats and attendance through the services: the waitlist moves up in order."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.services import staff_groups_sync
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from core.models import MailOutbox
from seminars import services
from seminars.models import Registration, RegistrationStatus
from seminars.tests.factories import SeminarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_client(client):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.SEMINAR_DESK))
    client.force_login(user)
    return client


@pytest.fixture
def full_seminar():
    """Two seats taken, three people waiting (in this order)."""
    seminar = SeminarFactory(capacity=2)
    people = [SmeUserFactory() for _ in range(5)]
    registrations = [services.registration_create(seminar_id=seminar.pk, user=u) for u in people]
    return seminar, registrations


def _statuses(registrations) -> list[str]:
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def test_raising_the_capacity_promotes_the_waitlist_in_order_and_tells_them(desk_client, full_seminar):
    seminar, regs = full_seminar
    response = desk_client.post(f"/admin/seminars/seminar/{seminar.pk}/capacity/", {"capacity": "4"}, follow=True)
    assert "キャンセル待ちから2名の参加が確定しました" in response.content.decode()
    assert _statuses(regs) == ["registered"] * 4 + ["waitlisted"]
    promoted = MailOutbox.objects.filter(key__endswith=":promoted").values_list("key", flat=True)
    assert sorted(promoted) == sorted(f"seminars.registration:{r.pk}:promoted" for r in regs[2:4])


def test_removing_the_limit_promotes_everyone_waiting(desk_client, full_seminar):
    seminar, regs = full_seminar
    desk_client.post(f"/admin/seminars/seminar/{seminar.pk}/capacity/", {"capacity": ""})
    seminar.refresh_from_db()
    assert seminar.capacity is None and _statuses(regs) == ["registered"] * 5


def test_lowering_the_capacity_below_the_registered_count_is_refused(desk_client, full_seminar):
    seminar, regs = full_seminar
    response = desk_client.post(f"/admin/seminars/seminar/{seminar.pk}/capacity/", {"capacity": "1"})
    assert response.status_code == 200
    assert "定員は申込済みの人数（2名）より少なくできません" in response.content.decode()
    seminar.refresh_from_db()
    assert seminar.capacity == 2
    # Cancelling still works and still promotes (it was a 500 once the capacity sat below the count).
    services.registration_cancel(registration=regs[0])
    assert _statuses(regs)[1:3] == ["registered", "registered"]


def test_the_change_form_cannot_change_the_capacity(desk_client, full_seminar):
    seminar, _regs = full_seminar
    page = desk_client.get(f"/admin/seminars/seminar/{seminar.pk}/change/").content.decode()
    assert 'name="capacity"' not in page and f"/admin/seminars/seminar/{seminar.pk}/capacity/" in page


def test_attendance_is_recorded_through_the_service_after_the_start(desk_client, full_seminar):
    seminar, regs = full_seminar
    url = "/admin/seminars/registration/"
    response = desk_client.post(url, {"action": "mark_attended", "_selected_action": [regs[0].pk]}, follow=True)
    assert "出欠はセミナーの開始後に記録してください" in response.content.decode()
    assert Registration.objects.get(pk=regs[0].pk).attended is None
    with time_machine.travel(seminar.starts_at + timedelta(minutes=5), tick=False):
        desk_client.post(url, {"action": "mark_attended", "_selected_action": [regs[0].pk, regs[4].pk]})
        desk_client.post(url, {"action": "mark_absent", "_selected_action": [regs[1].pk]})
    assert [Registration.objects.get(pk=r.pk).attended for r in regs] == [True, False, None, None, None]
    # The list has no editable inputs any more (they were unlabelled and bypassed the service).
    assert 'name="form-0-attended"' not in desk_client.get(url).content.decode()


def test_attendance_of_a_waitlisted_person_is_refused():
    seminar = SeminarFactory(capacity=0, starts_at=timezone.now() + timedelta(days=2))
    registration = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    assert registration.status == RegistrationStatus.WAITLISTED
    from core.errors import ApplicationError

    with time_machine.travel(seminar.starts_at + timedelta(minutes=1), tick=False):
        with pytest.raises(ApplicationError):
            services.registration_set_attendance(registration=registration, attended=True)
