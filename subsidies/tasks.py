from celery import shared_task
from django.db import OperationalError

from . import ordering
from .services import round_notices_send


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def subsidies_round_notices() -> int:
    """Periodic: mail followers about rounds that opened or close within a week (once per round and user)."""
    return round_notices_send()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=3)
def subsidies_order_refresh() -> int:
    """Periodic (every minute): the finder's order follows rounds opening and closing, so that no read writes."""
    return ordering.refresh_due()
