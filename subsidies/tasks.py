from celery import shared_task
from django.db import OperationalError

from .services import round_notices_send


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def subsidies_round_notices() -> int:
    """Periodic: mail followers about rounds that opened or close within a week (once per round and user)."""
    return round_notices_send()
