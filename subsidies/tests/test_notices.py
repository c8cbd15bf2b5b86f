"""Followers get one mail when a round opens and one a week before it closes, once per round."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from core.mail import outbox_deliver
from core.models import MailOutbox
from subsidies.models import Follow
from subsidies.services import follow_create, round_notices_send
from subsidies.tasks import subsidies_round_notices

from .factories import MeasureFactory, RoundFactory

JST = ZoneInfo("Asia/Tokyo")


def _deliver_all():
    for pk in MailOutbox.objects.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True):
        outbox_deliver(pk=pk)


@pytest.fixture
def followed_round(sme_user):
    measure = MeasureFactory(name="フォロー対象の補助金", step="reduce", target_area_search=",aichi,")
    rnd = RoundFactory(
        measure=measure,
        acceptance_start_datetime=datetime(2026, 12, 1, 9, 0, tzinfo=JST),
        acceptance_end_datetime=datetime(2026, 12, 31, 17, 0, tzinfo=JST),
    )
    follow_create(user=sme_user, measure=measure)
    return rnd


@pytest.mark.django_db
def test_followers_get_an_opening_mail_then_a_closing_mail_each_once(followed_round, sme_user):
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=JST), tick=False):
        assert round_notices_send() == 0  # not open yet
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=JST), tick=False):
        assert round_notices_send() == 1
        assert round_notices_send() == 0
    with time_machine.travel(datetime(2026, 12, 20, 10, 0, tzinfo=JST), tick=False):
        assert round_notices_send() == 0  # more than a week left
    with time_machine.travel(datetime(2026, 12, 25, 10, 0, tzinfo=JST), tick=False):
        assert subsidies_round_notices.apply().get() == 1
        assert subsidies_round_notices.apply().get() == 0
    _deliver_all()
    subjects = [m.subject for m in mail.outbox]
    assert subjects == ["【公募開始】フォロー対象の補助金", "【締切まで1週間】フォロー対象の補助金"]
    assert all(m.to == [sme_user.email] for m in mail.outbox)
    assert "/subsidies/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_round_of_the_same_measure_mails_again(followed_round):
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=JST), tick=False):
        round_notices_send()
    RoundFactory(
        measure=followed_round.measure,
        name="第2回",
        acceptance_start_datetime=datetime(2027, 2, 1, 9, 0, tzinfo=JST),
        acceptance_end_datetime=datetime(2027, 3, 31, 17, 0, tzinfo=JST),
    )
    with time_machine.travel(datetime(2027, 2, 2, 10, 0, tzinfo=JST), tick=False):
        assert round_notices_send() == 1
    assert MailOutbox.objects.count() == 2


@pytest.mark.django_db
def test_followers_of_a_matching_filter_are_mailed_and_others_not(followed_round, sme_user):
    Follow.objects.all().delete()
    from accounts.tests.factories import SmeUserFactory

    matching, other = SmeUserFactory(), SmeUserFactory()
    follow_create(user=matching, filter_data={"step": "reduce", "prefecture": "aichi"})
    follow_create(user=other, filter_data={"prefecture": "tokyo"})
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=JST), tick=False):
        assert round_notices_send() == 1
    assert MailOutbox.objects.get().to == [matching.email]
