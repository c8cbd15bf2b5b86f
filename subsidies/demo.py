"""Demo data of this area for `manage.py load_demo` (idempotent): fictional open rounds so the finder shows deadlines."""

from datetime import timedelta

from core.jst import jst_today

from .models import ApplicationRound, Measure
from .services import round_window

DEMO_ROUNDS = [
    ("ものづくり補助金 グリーン枠", 20),
    ("省エネ補助金（省エネルギー投資促進支援事業費補助金）", 5),
]


def load_demo(*, stdout) -> None:
    today = jst_today()
    for name, days in DEMO_ROUNDS:
        measure = Measure.objects.filter(name=name).first()
        if measure is None:
            continue
        start, end = round_window(start=today - timedelta(days=30), end=today + timedelta(days=days))
        ApplicationRound.objects.get_or_create(
            measure=measure,
            name="デモ用の公募回（架空）",
            defaults={"acceptance_start_datetime": start, "acceptance_end_datetime": end},
        )
    stdout.write("subsidies: demo rounds ready")
