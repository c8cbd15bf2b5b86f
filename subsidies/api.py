import json
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import NinjaJSONEncoder

from core.cache import conditional, until

from . import selectors
from .models import CATALOGUE_VERSION

router = Router(tags=["subsidies"])


class FinderQuery(Schema):
    employees: int | None = Field(None, description="従業員数（人）。各枠の上限額と対象かどうかをこの人数で返す")
    prefecture: str | None = Field(None, description="所在地の都道府県コード（/api/v1/meta/prefectures）")
    industry: str | None = Field(None, description="業種コード（manufacturing、retail など）")
    step: str | None = Field(None, description="取り組みの段階（know、measure、reduce、supply_chain）")
    open: bool = Field(False, description="true なら受付中の公募回があるものだけ")
    past: bool = Field(False, description="true なら過去の制度（受付を終えた制度）も含める。省略時は含めない")
    q: str | None = Field(None, description="キーワード（名称・概要などの部分一致、100文字まで）")
    investment: int | None = Field(None, description="投資予定額（円）。補助額の目安を計算する")
    page: int = Field(1, ge=1, description="ページ番号（1から）")
    per_page: int = Field(selectors.PER_PAGE, ge=1, le=selectors.MAX_PER_PAGE, description="1ページの件数")


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
    is_demo: bool = Field(description="デモ用の架空の公募回（実際の募集ではない）")


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
    source_url_kind: str = Field(description="official（この支援策の公式ページ）または reference（参考資料）")
    source_url_label: str = Field(description="「公式情報」または「参考資料（資料名・年度）」")
    source_title: str
    source_date: str
    ended: bool = Field(description="過去の制度（受付を終え、今は募集していない）")
    ended_note: str
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
@decorate_view(conditional(CATALOGUE_VERSION, max_age=selectors.FINDER_MAX_AGE))
def list_measures(request: HttpRequest, params: Query[FinderQuery]) -> HttpResponse:
    """`employees` を指定すると、各枠の `max_amount_yen`（従業員数に応じた上限額）を返します。
    結果はページ単位です（`page`、`per_page`）。総件数は `X-Total-Count` ヘッダー、次のページは `Link` ヘッダー
    （rel="next"）で返します。"""
    data = {k: v for k, v in params.dict().items() if v is not None and k not in ("page", "per_page")}
    data["open"] = "true" if params.open else ""
    data["past"] = "true" if params.past else ""
    until(request, selectors.finder_changes_at())
    filters = selectors.finder_filters_parse(data)
    # Our own output, already in MeasureOut's shape (a test validates it against the schema), encoded as django-ninja
    # encodes it but without validating it again: with a page of 20 measures that validation cost more than the
    # page's queries. The whole answer is kept in Redis under its ETag (core.cache.conditional).
    page = selectors.measure_page(filters=filters, page=params.page, per_page=params.per_page, clamp=False)
    response = HttpResponse(_encoded(page), content_type=JSON_CONTENT_TYPE)
    response["X-Total-Count"] = str(page.count)
    if page.has_next:
        query = request.GET.copy()
        query["page"] = str(page.number + 1)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    return response


JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _encoded(page: selectors.FinderPage) -> bytes:
    return json.dumps(measures_data(page), cls=NinjaJSONEncoder).encode()


def measures_data(page: selectors.FinderPage) -> list[dict]:
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
            "source_url_kind": c.measure.source_url_kind,
            "source_url_label": c.measure.link_label,
            "source_title": c.measure.source_title,
            "source_date": c.measure.source_date,
            "ended": c.measure.ended,
            "ended_note": c.measure.ended_note,
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
            "rounds": [
                {
                    "name": r.name,
                    "acceptance_start_datetime": r.acceptance_start_datetime,
                    "acceptance_end_datetime": r.acceptance_end_datetime,
                    "is_demo": r.is_demo,
                }
                for r in c.rounds
            ],
        }
        for c in page.cards
    ]
