"""The intake form asks whether to share the self-check with the booking's advisor; the answer defaults to no."""

import pytest
import time_machine

from consultations import views as consultations_views
from consultations.models import Booking
from consultations.tests.conftest import NOW, make_advisor
from core.errors import ApplicationError
from core.models import MailOutbox
from sharing.models import Share, ShareKind

pytestmark = pytest.mark.django_db
URL = "/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _post(client, step, **extra):
    data = {
        "start": "2026-04-23T10:00:00+09:00",
        "mode": "online",
        "topics": ["supply_chain"],
        "question": "取引先からCO2排出量の報告を求められました",
        "meeting_tool": "zoom",
        "step": step,
        **extra,
    }
    return client.post(URL, data)


def test_the_question_is_on_the_intake_form_and_unticked(sme_client):
    make_advisor()
    page = sme_client.get(URL).content.decode()
    assert "セルフチェックの結果を担当専門家に共有する" in page
    assert 'name="share_selfcheck"' in page and 'name="share_selfcheck" checked' not in page


def test_without_the_tick_nothing_is_shared(sme_client):
    make_advisor()
    review = _post(sme_client, "review").content.decode()
    assert "共有しない" in review
    _post(sme_client, "confirm", share_selfcheck="False")
    assert Booking.objects.count() == 1 and not Share.objects.exists()


def test_with_the_tick_the_booking_advisor_gets_a_share_carried_through_the_review(sme_client, sme_user):
    advisor = make_advisor()
    review = _post(sme_client, "review", share_selfcheck="on").content.decode()
    assert "担当専門家に共有する（相談の30日後まで）" in review
    assert 'name="share_selfcheck" value="True"' in review
    _post(sme_client, "confirm", share_selfcheck="True")
    share = Share.objects.get()
    booking = Booking.objects.get()
    assert (share.kind, share.booking, share.company, share.granted_by, share.fiscal_year) == (
        ShareKind.ADVISOR,
        booking,
        sme_user.company,
        sme_user,
        None,
    )
    assert booking.advisor == advisor


def test_a_share_that_cannot_be_granted_leaves_no_booking_and_says_why(sme_client, monkeypatch):
    """The booking and its share are written in one transaction (booking_create's on_created): both or neither."""
    make_advisor()

    def refuse(**kwargs):
        raise ApplicationError("共有できませんでした。", field="share_selfcheck")

    monkeypatch.setattr(consultations_views, "share_grant", refuse)
    response = _post(sme_client, "confirm", share_selfcheck="True")
    assert response.status_code == 200 and "共有できませんでした。" in response.content.decode()
    assert not Booking.objects.exists() and not Share.objects.exists()
    assert not MailOutbox.objects.exists()
