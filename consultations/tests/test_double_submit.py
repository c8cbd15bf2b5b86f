"""A double click on 「この内容で予約する」: two requests of one user at the same moment give one booking."""

import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.tests.factories import SmeUserFactory
from consultations.models import Booking
from consultations.services import booking_bounds
from consultations.tests.conftest import make_advisor
from core.jst import jst_date


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_of_the_booking_form_gives_one_booking_and_both_land_on_it():
    make_advisor(name="A", email="a@example.jp")
    make_advisor(name="B", email="b@example.jp")  # a second free advisor: only the company rule stops the twin
    user = SmeUserFactory()
    earliest, _latest = booking_bounds()
    day = jst_date(earliest)
    while day.weekday() != 3:
        day = day.fromordinal(day.toordinal() + 1)
    start = f"{day.isoformat()}T10:00:00+09:00"
    data = {
        "start": start,
        "mode": "online",
        "topics": ["subsidy"],
        "question": "補助金について",
        "customer_request": "",
        "meeting_tool": "zoom",
        "advisor": "",
        "sitting_in": "",
        "step": "confirm",
    }
    n = 6
    barrier = threading.Barrier(n)
    responses = []
    lock = threading.Lock()

    def submit():
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post(f"/consultations/w/hq/book/?mode=online&start={start.replace('+', '%2B')}", data)
        finally:
            connection.close()
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=submit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    booking = Booking.objects.get()
    print(f"\n[concurrency] double submit: {n} identical posts -> {Booking.objects.count()} booking")
    assert [r.status_code for r in responses] == [302] * n
    assert {r["Location"] for r in responses} == {f"/consultations/bookings/{booking.pk}/"}
