from celery import shared_task

from . import services


@shared_task
def seminar_reminders_send() -> int:
    """Beat job: queue the day-before and hour-before reminders that are due."""
    return services.reminders_send()
