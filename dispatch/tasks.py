from celery import shared_task

from .services import deliverable_render, deliverables_sweep


@shared_task(autoretry_for=(Exception,), retry_backoff=10, retry_backoff_max=600, max_retries=5, acks_late=True)
def render_deliverable(pk: int) -> str | None:
    """Render one dispatch deliverable (diagnosis report, support plan, final report) to PDF."""
    deliverable = deliverable_render(pk=pk)
    return deliverable.status if deliverable else None


@shared_task
def sweep_deliverables() -> int:
    return deliverables_sweep()
