import datetime as dt

import pytest
import time_machine

from consultations.models import Advisor, AdvisorAvailability, ConsultationWindow, OpeningRule
from consultations.services import JST

# Monday 20 April 2026, 10:00 JST: Tuesday 5 May (こどもの日) is a holiday within the horizon.
NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=JST)


def at(y, m, d, h, minute=0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=JST)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_advisor(window_code="hq", name="専門家A", email="advisor@example.jp") -> Advisor:
    advisor = Advisor.objects.create(name=name, email=email, expertise="省エネ")
    advisor.windows.add(ConsultationWindow.objects.get(code=window_code))
    for weekday in (1, 3):
        AdvisorAvailability.objects.create(advisor=advisor, weekday=weekday, start=dt.time(9), end=dt.time(17))
    return advisor


@pytest.fixture
def advisor(db):
    return make_advisor()


def intake(**overrides) -> dict:
    data = {
        "window_code": "hq",
        "mode": "online",
        "topics": ["current_state"],
        "question": "何から始めればよいか知りたい",
        "meeting_tool": "teams",
    }
    data.update(overrides)
    return data


def pick_free_slot(page, index: int = 0) -> str:
    """In a browser: open the first day with a free hour on the calendar and choose its `index`-th hour."""
    day = page.locator("details.slot-day", has=page.locator("input[name=start]")).first
    if day.get_attribute("open") is None:
        day.locator("summary").click()
    radio = day.locator("input[name=start]").nth(index)
    radio.check()
    return radio.get_attribute("value")


def give_timetable(window_code: str) -> None:
    """Staff give a regional window the Tue/Thu 9–17 timetable (the sources give it to HQ only)."""
    window = ConsultationWindow.objects.get(code=window_code)
    for weekday in (1, 3):
        OpeningRule.objects.create(window=window, weekday=weekday, start=dt.time(9), end=dt.time(17), slot_minutes=60)
