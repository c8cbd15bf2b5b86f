import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.tests.factories import StaffUserFactory
from core.jst import JST
from matching.roles import MATCHING_DESK

from .factories import BuyerMemberFactory

# Tuesday 2026-11-24 10:00 JST: a weekday morning, far from midnight.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST)

DESK_PERMS = [
    "approve_buyermember",
    "review_need",
    "view_proposal",
    "view_attachment",
    "view_matching_statistics",
    "view_buyermember",
    "view_need",
    "view_buyer",
    "view_meeting",
    "view_auditevent",
    "view_sourcefigure",
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_desk_user(**kwargs):
    """SMRJ staff in the business-matching desk group (the group of the data migration)."""
    user = StaffUserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name=MATCHING_DESK)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="matching", codename__in=DESK_PERMS))
    user.groups.add(group)
    return user


@pytest.fixture
def desk_user(db):
    return make_desk_user()


@pytest.fixture
def buyer_member(db):
    return BuyerMemberFactory()


@pytest.fixture
def buyer_user(buyer_member):
    return buyer_member.user
