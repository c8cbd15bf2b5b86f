"""Routing by expertise: a booking without a chosen advisor goes to the free advisor who covers most of its topics;
ties to the one with fewer consultations that month; the desk sees why and can give it to someone else."""

import collections
import re
import time

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.services import staff_groups_sync
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from consultations.models import ConsultationWindow
from consultations.services import (
    TAKEN_MESSAGE,
    booking_create,
    booking_move,
    route_advisor,
    routing_explanation,
)
from consultations.tests.conftest import at, intake, make_advisor
from consultations.tests.test_concurrency import active, at_jst, first_free_thursday, race, report, transactional

pytestmark = pytest.mark.django_db


def _advisor(name: str, topics: list[str]):
    advisor = make_advisor(name=name, email=f"routing{abs(hash(name)) % 10**8}@example.jp")
    advisor.topics = topics
    advisor.save()
    return advisor


def test_the_free_advisor_covering_most_topics_is_assigned_and_the_sme_sees_the_fields(frozen, client, sme_user):
    generalist = _advisor("総合", ["current_state"])
    specialist = _advisor("補助金と再エネ", ["subsidy", "renewables"])
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake(topics=["subsidy", "renewables"]))
    assert booking.advisor == specialist and not booking.advisor_chosen
    assert booking.routing == {"matched": ["renewables", "subsidy"], "month_bookings": 0, "free_advisors": 2}
    client.force_login(sme_user)
    page = client.get(reverse("consultations:booking_detail", args=[booking.pk])).content.decode()
    assert "対応できる分野：再生可能エネルギー、補助金" in page
    other = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 11), **intake(topics=["current_state"]))
    assert other.advisor == generalist


def test_when_the_best_advisor_is_booked_the_next_best_free_one_takes_it(frozen, sme_user):
    best = _advisor("最適", ["subsidy"])
    second = _advisor("次点", [])
    first = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake(topics=["subsidy"]))
    assert first.advisor == best
    routed = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake(topics=["subsidy"]))
    assert routed.advisor == second and routed.routing["matched"] == []
    assert "一致する専門家が空いていなかった" in routing_explanation(routed)


def test_a_tie_goes_to_the_advisor_with_fewer_consultations_in_that_month(frozen):
    busy = _advisor("忙しい", ["pr"])
    quiet = _advisor("空いている", ["pr"])
    for hour in (10, 11):
        booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, hour), advisor_id=busy.pk, **intake())
    assert route_advisor(free_advisor_ids=[busy.pk, quiet.pk], topics=["pr"], start=at(2026, 4, 28, 10)).advisor_id == (
        quiet.pk
    )
    # next month both start again from zero: the lower id wins the tie
    routing = route_advisor(free_advisor_ids=[quiet.pk, busy.pk], topics=["pr"], start=at(2026, 5, 12, 10))
    assert routing.advisor_id == min(busy.pk, quiet.pk) and routing.month_bookings == 0


def test_a_chosen_advisor_is_kept_and_the_desk_override_is_recorded_and_shown(frozen, client, sme_user):
    staff_groups_sync()
    desk = StaffUserFactory()
    desk.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    expert = _advisor("SBT", ["supply_chain"])
    other = _advisor("ほか", ["current_state"])
    chosen = booking_create(
        user=SmeUserFactory(), start=at(2026, 4, 23, 10), advisor_id=other.pk, **intake(topics=["supply_chain"])
    )
    assert chosen.advisor == other and chosen.routing == {} and "指名" in routing_explanation(chosen)
    routed = booking_create(user=sme_user, start=at(2026, 4, 23, 11), **intake(topics=["supply_chain"]))
    assert routed.advisor == expert
    client.force_login(desk)
    change = reverse("admin:consultations_booking_change", args=[routed.pk])
    assert "「サプライチェーン対応」が専門分野に一致" in client.get(change).content.decode()
    moved = booking_move(booking=routed, window=routed.window, advisor=other, start=routed.start)
    assert moved.advisor == other and moved.routing["overridden"] is True
    assert "窓口が担当を変更しました" in client.get(change).content.decode()


def test_the_desk_keeps_advisor_fields_as_checkboxes_and_bad_values_are_refused(client, admin_user):
    advisor = _advisor("編集", [])
    client.force_login(admin_user)
    url = reverse("admin:consultations_advisor_change", args=[advisor.pk])
    form = client.get(url).content.decode()
    assert 'type="checkbox" name="topics" value="subsidy"' in form
    data = {
        "name": advisor.name,
        "email": advisor.email,
        "expertise": "省エネ",
        "topics": ["subsidy", "renewables"],
        "years_of_experience": "3",
        "windows": [ConsultationWindow.objects.get(code="hq").pk],
        "is_active": "on",
        "availability-TOTAL_FORMS": "0",
        "availability-INITIAL_FORMS": "0",
        "days_off-TOTAL_FORMS": "0",
        "days_off-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    advisor.refresh_from_db()
    assert sorted(advisor.topics) == ["renewables", "subsidy"]
    response = client.post(url, {**data, "topics": ["astrology"]})
    assert response.status_code == 200
    advisor.refresh_from_db()
    assert sorted(advisor.topics) == ["renewables", "subsidy"]


@transactional
def test_twenty_concurrent_bookings_for_two_advisors_of_different_fields_give_each_their_own_topic():
    """Ten companies want subsidies and ten renewables, all for one hour: one of each is booked, each with the
    advisor of its field, and no advisor is double-booked."""
    subsidy = _advisor("補助金担当", ["subsidy"])
    renewables = _advisor("再エネ担当", ["renewables"])
    start = at_jst(first_free_thursday(), 10)
    people = [(SmeUserFactory(), topic) for topic in ["subsidy", "renewables"] * 10]
    calls = [
        lambda user=user, topic=topic: booking_create(user=user, start=start, **intake(topics=[topic]))
        for user, topic in people
    ]
    started = time.monotonic()
    counts = race(calls)
    report("20 companies, two advisors of different fields, one hour", counts, started)
    assert counts["ok"] == 2 and counts[TAKEN_MESSAGE] == 18, counts
    bookings = list(active(start=start))
    assert collections.Counter(b.advisor_id for b in bookings) == {subsidy.pk: 1, renewables.pk: 1}
    # the first of each field won its own expert unless the other field's company took a free advisor first
    for booking in bookings:
        assert booking.routing["free_advisors"] in (1, 2)
        if booking.routing["free_advisors"] == 2:
            assert booking.routing["matched"] == booking.topics


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_sme_who_leaves_the_advisor_to_the_desk_is_booked_with_the_subsidy_expert(live_server, page, axe, password):
    from consultations.models import Booking
    from consultations.tests.conftest import pick_free_slot

    _advisor("再エネ 担当", ["renewables"])
    subsidy = _advisor("補助金 担当", ["subsidy", "current_state"])
    sme = SmeUserFactory()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("メールアドレス").fill(sme.email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="ログイン").last.click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/consultations/")
    page.get_by_role("link", name="オンラインで相談").first.click()
    pick_free_slot(page)
    page.get_by_label("補助金").check()
    page.get_by_label("ご相談内容").fill("省エネ設備の更新に使える補助金を知りたい")
    page.get_by_label("Zoom").check()
    page.get_by_role("button", name="この内容で予約する").click()
    page.wait_for_url("**/consultations/bookings/*/")
    assert page.get_by_text("補助金 担当").is_visible()
    assert page.get_by_text("対応できる分野：現状把握・情報収集、補助金").is_visible()
    axe(page)
    booking = Booking.objects.get()
    assert booking.advisor == subsidy and booking.routing["matched"] == ["subsidy"]
