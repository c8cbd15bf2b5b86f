from celery import shared_task
from django.db import OperationalError

from .services import digest_send_weekly


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def matching_weekly_digest() -> int:
    """Periodic (Monday morning): last week's new needs to each follower of their themes, once per user and week."""
    return digest_send_weekly()
