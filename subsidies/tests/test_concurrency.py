import threading

import pytest
from django.db import connection

from accounts.tests.factories import SmeUserFactory
from subsidies.models import Follow
from subsidies.services import follow_create

from .factories import MeasureFactory


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_follows_of_one_measure_give_exactly_one_row():
    user = SmeUserFactory()
    measure = MeasureFactory()
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        try:
            barrier.wait()
            follow_create(user=user, measure=measure)
        except Exception as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Follow.objects.filter(user=user, measure=measure).count() == 1
