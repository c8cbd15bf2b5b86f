from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SELFCHECK_PDF_SOFT_TIME_LIMIT,
    time_limit=settings.SELFCHECK_PDF_TIME_LIMIT,
)
def render_sheet_pdf(pk: int) -> str | None:
    """Render the report PDF of one sheet (after every save); failures are retried with backoff."""
    sheet = services.sheet_render_pdf(pk=pk)
    return sheet.pdf_status if sheet else None


@shared_task
def sheets_pdf_requeue_stale() -> int:
    """Beat, every minute: sheets queued or rendering past their lease are queued again."""
    return services.sheets_pdf_requeue_stale()


@shared_task
def sheets_invite_new_year() -> int:
    """Beat, daily: in April (JST) each company with last year's sheet is invited once to the new year's sheet."""
    return services.sheets_invite_new_year()
