"""Demo data of this area for `manage.py load_demo` (idempotent): fictional open rounds so the finder shows deadlines.

Each is marked `is_demo`, so every card, page and API answer says it is fictional; none goes on a past scheme."""

from datetime import timedelta

from core.jst import jst_today

from .initial_data import DEMO_ROUND_NAME
from .models import ApplicationRound, Measure
from .services import round_window

DEMO_ROUNDS = [
    ("IT導入補助金", 20),
    ("省エネ補助金（省エネルギー投資促進支援事業費補助金）", 5),
]


def load_demo(*, stdout) -> None:
    today = jst_today()
    for name, days in DEMO_ROUNDS:
        measure = Measure.objects.filter(name=name, ended=False).first()
        if measure is None:
            continue
        start, end = round_window(start=today - timedelta(days=30), end=today + timedelta(days=days))
        ApplicationRound.objects.get_or_create(
            measure=measure,
            name=DEMO_ROUND_NAME,
            defaults={"acceptance_start_datetime": start, "acceptance_end_datetime": end, "is_demo": True},
        )
    stdout.write("subsidies: demo rounds ready")
