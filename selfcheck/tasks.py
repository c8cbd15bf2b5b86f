from celery import shared_task

from .services import sheet_render_pdf


@shared_task(autoretry_for=(Exception,), retry_backoff=10, retry_backoff_max=600, max_retries=5, acks_late=True)
def render_sheet_pdf(pk: int) -> str | None:
    """Render the report PDF of one sheet (after every save); failures are retried with backoff."""
    sheet = sheet_render_pdf(pk=pk)
    return sheet.pdf_status if sheet else None
