import datetime as dt

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import StaffUserFactory, UserFactory, enrol_second_factor
from core.jst import JST
from dispatch.models import Expert

DESK_GROUP = "専門家派遣デスク"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def desk(db):
    user = StaffUserFactory(email="desk@example.jp")
    user.groups.add(Group.objects.get(name=DESK_GROUP))
    return user


def make_expert(email="expert@example.jp", name="派遣 太郎", *, second_factor: bool = True) -> Expert:
    """An expert; with an authenticator app unless asked otherwise (experts see companies' cases only with one)."""
    user = UserFactory(email=email)
    if second_factor:
        enrol_second_factor(user)
    return Expert.objects.create(user=user, name=name, qualifications="エネルギー管理士")


@pytest.fixture
def expert(db):
    return make_expert()


def jst(y, m, d, h=10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=JST)
