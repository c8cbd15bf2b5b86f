"""Public read-only API: the windows and their slots, so that support institutions can show free slots."""

import datetime as dt
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from core.errors import ApplicationError
from core.jst import jst_today

from . import selectors
from .models import ConsultationWindow
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


class SlotOut(Schema):
    start: str
    end: str
    free: bool


@router.get("/windows", response=list[WindowOut], summary="相談窓口の一覧")
def list_windows(request: HttpRequest):
    return [
        {"code": w.code, "name": w.name, "modes": [str(m) for m in w.modes], "address": w.address}
        for w in ConsultationWindow.objects.all()
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


SLOTS_CONTENT_TYPE = "application/json; charset=utf-8"


@router.get("/slots", response=list[SlotOut], summary="相談枠と空き状況（時刻は +09:00）")
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
    company_id = getattr(request.user, "company_id", None)
    if not company_id:
        # The same for everybody: rendered once per version token and visible range, in SlotOut's shape.
        body = selectors.slots_json(window=found, date_from=date_from, date_to=date_to)
        return HttpResponse(body, content_type=SLOTS_CONTENT_TYPE)
    # A signed-in company is never offered an hour in which it already holds a booking.
    slots = selectors.window_slots(window=found, date_from=date_from, date_to=date_to)
    slots = slots_for_company(slots, company_id=company_id)
    return [{"start": s.start.isoformat(), "end": s.end.isoformat(), "free": s.free} for s in slots]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: str | None) -> dt.date | None:
    if value is None or not ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def slots_view(operation: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """The slots endpoint as a plain Django view in front of the ninja operation `list_slots` (config/urls.py).

    The common request — GET by a visitor without a company, with a known window and plain YYYY-MM-DD dates in
    range — gets the cached body of `selectors.slots_json` directly: django-ninja's parameter handling cost more
    than the rest of the request. Everything else (a signed-in company, a missing or malformed parameter, a date
    out of range, an unknown window, another method) goes to `operation`, which answers exactly as before; the
    operation also keeps declaring the endpoint, its parameters and its schema in the OpenAPI document, and both
    paths answer the same JSON (consultations/tests/test_api.py compares them)."""

    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            code = request.GET.get("window")
            date_from, date_to = _iso_date(request.GET.get("date_from")), _iso_date(request.GET.get("date_to"))
            if code and date_from and date_to and _range_problem(date_from, date_to) is None:
                company_id = getattr(request.user, "company_id", None)
                found = None if company_id else selectors.window_get(code=code)
                if found is not None:
                    body = selectors.slots_json(window=found, date_from=date_from, date_to=date_to)
                    return HttpResponse(body, content_type=SLOTS_CONTENT_TYPE)
        return operation(request)

    return view
