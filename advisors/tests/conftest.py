import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory, enrol_second_factor
from advisors.models import AdvisorAccount
from consultations.models import Booking
from consultations.tests.conftest import NOW, at, make_advisor

__all__ = ["NOW", "at"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def advisor_account(*, name="専門家 一郎", email="ichiro@example.jp", second_factor=True) -> AdvisorAccount:
    advisor = make_advisor(name=name, email=email)
    user = UserFactory(email=email)
    if second_factor:
        enrol_second_factor(user)
    return AdvisorAccount.objects.create(advisor=advisor, user=user)


@pytest.fixture
def account(db) -> AdvisorAccount:
    return advisor_account()


@pytest.fixture
def advisor_client(client, account):
    client.force_login(account.user)
    return client


def book(*, user, advisor, start: dt.datetime, status: str = "confirmed", **extra) -> Booking:
    """A booking written straight to the table (the booking rules have their own tests)."""
    from consultations.models import ConsultationWindow

    data = {
        "company": user.company,
        "created_by": user,
        "window": ConsultationWindow.objects.get(code="hq"),
        "advisor": advisor,
        "start": start,
        "end": start + dt.timedelta(hours=1),
        "mode": "online",
        "status": status,
        "topics": ["supply_chain"],
        "question": "取引先からCO2排出量を求められています",
        "customer_request": "Scope 1・2の年度別の数値",
        "meeting_tool": "zoom",
    }
    data.update(extra)
    return Booking.objects.create(**data)
