"""Public read-only API: the windows and their slots, so that support institutions can show free slots."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from pydantic import BaseModel

from core.cache import conditional, until
from core.errors import ApplicationError
from core.jst import jst_today

from . import selectors
from .services import slots_for_company

router = Router(tags=["consultations"])
MAX_RANGE_DAYS = 92
# Slots exist only a few weeks ahead; a year either side of today is more than any caller needs.
MAX_DISTANCE_DAYS = 366


class WindowOut(Schema):
    code: str
    name: str
    modes: list[str]
    address: str
    contact_only: bool = Field(
        description="true なら日時の予約枠のない窓口（申し込みは how_to_apply のとおり連絡。slots は空）"
    )
    how_to_apply: str = Field(description="申込方法（contact_only の窓口）")


class SlotOut(BaseModel):  # plain pydantic: ninja's Schema adds a validator per item for reading ORM objects
    start: str
    end: str
    free: bool


@router.get("/windows", response=list[WindowOut], summary="相談窓口の一覧")
@decorate_view(conditional(selectors.NAMESPACE, max_age=600))
def list_windows(request: HttpRequest):
    return [
        {
            "code": w.code,
            "name": w.name,
            "modes": [str(m) for m in w.modes],
            "address": w.address,
            "contact_only": not w.has_timetable,
            "how_to_apply": w.description if not w.has_timetable else "",
        }
        for w in selectors.window_list()
    ]


def _range_problem(date_from: dt.date, date_to: dt.date) -> ApplicationError | None:
    today = jst_today()
    earliest, latest = today - dt.timedelta(days=MAX_DISTANCE_DAYS), today + dt.timedelta(days=MAX_DISTANCE_DAYS)
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not earliest <= value <= latest:
            return ApplicationError(
                _("%(field)s は %(earliest)s から %(latest)s までの日付にしてください。")
                % {"field": name, "earliest": earliest.isoformat(), "latest": latest.isoformat()},
                field=name,
            )
    if date_from > date_to:
        return ApplicationError(_("date_from は date_to 以前の日付にしてください。"), field="date_from")
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        return ApplicationError(_("期間は%(n)s日以内で指定してください。") % {"n": MAX_RANGE_DAYS}, field="date_to")
    return None


SLOTS_MAX_AGE = 0  # API clients ask every time; an unchanged answer is a 304 without a body


@router.get("/slots", response=list[SlotOut], summary="相談枠と空き状況（時刻は +09:00）")
@decorate_view(conditional(selectors.NAMESPACE, max_age=SLOTS_MAX_AGE))
def list_slots(
    request: HttpRequest,
    window: str = Query(..., description="窓口のコード（/api/v1/consultations/windows の code。本部は hq）"),
    date_from: dt.date = Query(..., description="期間の初日（日本の日付、YYYY-MM-DD。今日から前後366日以内）"),
    date_to: dt.date = Query(..., description="期間の最終日（date_from から92日以内）"),
):
    if problem := _range_problem(date_from, date_to):
        raise problem
    found = selectors.window_get(code=window)
    if found is None:
        raise ApplicationError(_("相談窓口が見つかりません。"), field="window")
    slots = selectors.window_slots(window=found, date_from=date_from, date_to=date_to)
    until(request, selectors.visible_slots_change_at(slots))
    # A signed-in company is never offered an hour in which it already holds a booking.
    slots = slots_for_company(slots, company_id=getattr(request.user, "company_id", None))
    return [{"start": s.start.isoformat(), "end": s.end.isoformat(), "free": s.free} for s in slots]
