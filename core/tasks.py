from celery import shared_task
from django.conf import settings

from . import mail, retention


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the row's window (OUTBOX_RETRY_WINDOW_HOURS) decides when to stop, not a count
    soft_time_limit=settings.OUTBOX_SEND_SOFT_TIME_LIMIT,
    time_limit=settings.OUTBOX_SEND_TIME_LIMIT,
)
def outbox_send(self, pk: int, token: str | None = None) -> bool:
    """One chain of attempts for one outbox row; the retry carries the row's lease token."""
    try:
        return mail.outbox_deliver(pk=pk, token=token)
    except mail.MailDeferred as deferred:
        if self.request.is_eager:  # run in-process (tests, development): the row waits for the sweep
            return False
        raise self.retry(args=[pk, deferred.token], countdown=deferred.countdown, exc=deferred.error) from None


@shared_task
def outbox_sweep() -> int:
    """Re-queue mail whose lease expired (lost message, dead worker, broker down when it was enqueued)."""
    return mail.outbox_sweep()


@shared_task
def outbox_failed_digest() -> bool:
    """The desk's daily list of mails that could not be sent."""
    return mail.outbox_failed_digest() is not None


@shared_task
def retention_enforce() -> dict[str, int]:
    """The privacy notice's retention periods (core.retention), once a day."""
    return retention.retention_enforce()
