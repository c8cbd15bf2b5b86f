from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from . import selectors

router = Router(tags=["subsidies"])


class FinderQuery(Schema):
    employees: int | None = None
    prefecture: str | None = None
    industry: str | None = None
    step: str | None = None
    open: bool = False
    q: str | None = None
    investment: int | None = None


class TrackOut(Schema):
    name: str
    subsidy_rate: str
    min_amount_yen: int | None
    max_amount_yen: int | None
    subsidy_yen: int | None
    eligible: bool | None
    below_minimum: bool
    min_investment_yen: int | None


class RoundOut(Schema):
    name: str
    acceptance_start_datetime: datetime
    acceptance_end_datetime: datetime


class MeasureOut(Schema):
    id: int
    name: str
    kind: str
    administering_body: str
    step: str
    use_purpose: str
    description: str
    target_number_of_employees: str
    industry: list[str]
    target_area_search: list[str]
    subsidy_max_limit: int | None
    subsidy_rate: str
    source_url: str
    source_title: str
    source_date: str
    last_checked: str | None
    check_state: str
    status: str
    days_left: int | None
    jgrants_id: str | None
    attribution: str
    url: str
    tracks: list[TrackOut]
    rounds: list[RoundOut]


@router.get("", response=list[MeasureOut], summary="条件に合う補助金・支援策（受付中を先に）")
def list_measures(request: HttpRequest, params: Query[FinderQuery]) -> list[dict]:
    """`employees` を指定すると、各枠の `max_amount_yen`（従業員数に応じた上限額）を返します。"""
    data = {k: v for k, v in params.dict().items() if v is not None}
    data["open"] = "true" if params.open else ""
    filters = selectors.finder_filters_parse(data)
    return [
        {
            "id": c.measure.pk,
            "name": c.measure.name,
            "kind": c.measure.kind,
            "administering_body": c.measure.administering_body,
            "step": c.measure.step,
            "use_purpose": c.measure.use_purpose,
            "description": c.measure.description,
            "target_number_of_employees": c.measure.target_number_of_employees,
            "industry": c.measure.industries,
            "target_area_search": c.measure.prefectures,
            "subsidy_max_limit": c.measure.subsidy_max_limit,
            "subsidy_rate": c.measure.subsidy_rate,
            "source_url": c.measure.source_url,
            "source_title": c.measure.source_title,
            "source_date": c.measure.source_date,
            "last_checked": c.measure.last_checked.isoformat() if c.measure.last_checked else None,
            "check_state": c.check_state,
            "status": c.status,
            "days_left": c.days_left,
            "jgrants_id": c.measure.jgrants_id,
            "attribution": c.measure.attribution,
            "url": c.measure.get_absolute_url(),
            "tracks": [
                {
                    "name": t.track.name,
                    "subsidy_rate": t.track.subsidy_rate,
                    "min_amount_yen": t.track.min_amount_yen,
                    "max_amount_yen": t.max_amount_yen,
                    "subsidy_yen": t.subsidy_yen,
                    "eligible": t.eligible,
                    "below_minimum": t.estimate.below_minimum,
                    "min_investment_yen": t.estimate.min_investment_yen,
                }
                for t in c.tracks
            ],
            "rounds": c.rounds,
        }
        for c in selectors.measure_find(filters=filters)
    ]
