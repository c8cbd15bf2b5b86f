from celery import shared_task
from django.db import OperationalError

from .services import holds_release_expired, reminders_send


@shared_task(autoretry_for=(OperationalError,), retry_backoff=30, max_retries=5)
def consultations_send_reminders() -> int:
    """Run by beat every day at the configured time; a second run the same day queues nothing new."""
    return reminders_send()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=3)
def consultations_release_holds() -> int:
    """Run by beat every minute: holds past their time give their hour back to the calendar."""
    return holds_release_expired()
