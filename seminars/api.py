from datetime import date, datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view

from core.cache import conditional, until
from core.choices import Prefecture
from core.jst import to_jst

from . import selectors
from .models import Audience, SeminarFormat

router = Router(tags=["seminars"])


class SeminarOut(Schema):
    id: int
    title: str
    format: str
    held_on: date
    starts_at: datetime | None
    ends_at: datetime | None
    venue: str
    prefecture: str
    audiences: list[str]
    cohosts: list[str]
    capacity: int | None
    seats_left: int | None
    registration_closes_at: datetime | None
    headcount: str
    url: str


@router.get("", response=list[SeminarOut], summary="セミナーの一覧")
@decorate_view(conditional(selectors.NAMESPACE, max_age=selectors.LIST_MAX_AGE))
def list_seminars(
    request: HttpRequest,
    upcoming: bool = Query(True, description="true：これから開催（既定）、false：開催済み"),
    format: SeminarFormat | None = Query(None, description="開催形式"),
    audience: Audience | None = Query(None, description="対象"),
    prefecture: Prefecture | None = Query(None, description="開催地の都道府県コード（/api/v1/meta/prefectures）"),
    q: str = Query("", max_length=100, description="キーワード（部分一致）"),
):
    until(request, selectors.seminar_list_changes_at())
    seminars = selectors.seminar_list(
        upcoming=upcoming,
        format=format.value if format else "",
        audience=audience.value if audience else "",
        prefecture=prefecture.value if prefecture else "",
        q=q,
    )[:200]
    return [
        {
            "id": s.pk,
            "title": s.display_title,
            "format": s.format,
            "held_on": s.held_on,
            "starts_at": to_jst(s.starts_at) if s.starts_at else None,
            "ends_at": to_jst(s.ends_at) if s.ends_at else None,
            "venue": s.venue,
            "prefecture": s.prefecture,
            "audiences": [str(a) for a in s.audiences],
            "cohosts": [c.name for c in s.cohosts.all()],
            "capacity": s.capacity,
            "seats_left": selectors.seats_left(s),
            "registration_closes_at": to_jst(s.registration_closes_at) if s.registration_closes_at else None,
            "headcount": s.headcount_text if s.is_past else "",
            "url": request.build_absolute_uri(reverse("seminars:detail", args=[s.pk])),
        }
        for s in seminars
    ]


# The iCalendar feed is a plain Django view; it is described here so that the OpenAPI document lists it.
EXTRA_PATHS = {
    "/seminars/feed.ics": {
        "get": {
            "operationId": "seminars_feed_ics",
            "summary": "開催予定セミナーのiCalendarフィード",
            "tags": ["seminars"],
            "responses": {
                "200": {
                    "description": "iCalendar (RFC 5545)",
                    "content": {"text/calendar": {"schema": {"type": "string"}}},
                }
            },
        }
    }
}
