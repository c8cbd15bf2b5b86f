"""Demo data of this area for `manage.py load_demo` (idempotent): fictional open rounds so the finder shows deadlines."""

from datetime import timedelta

from django.utils import timezone

from .models import ApplicationRound, Measure

DEMO_ROUNDS = [
    ("ものづくり補助金 グリーン枠", 20),
    ("省エネ補助金（省エネルギー投資促進支援事業費補助金）", 5),
]


def load_demo(*, stdout) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for name, days in DEMO_ROUNDS:
        measure = Measure.objects.filter(name=name).first()
        if measure is None:
            continue
        ApplicationRound.objects.get_or_create(
            measure=measure,
            name="デモ用の公募回（架空）",
            defaults={
                "acceptance_start_datetime": now - timedelta(days=30),
                "acceptance_end_datetime": now + timedelta(days=days),
            },
        )
    stdout.write("subsidies: demo rounds ready")
