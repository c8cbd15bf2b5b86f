"""Published needs in the public API: the summary only (details are for logged-in SMEs on the site)."""

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from core.cache import conditional, until
from core.errors import ApplicationError

from . import selectors
from .models import REGION_CHOICES, Need, NeedStatus, Theme

router = Router(tags=["matching"])

REGIONS = dict(REGION_CHOICES)


class NeedOut(Schema):
    id: int
    title: str
    theme: str
    theme_label: str
    region: str
    region_label: str
    summary: str
    buyer_profile: str
    deadline: dt.date
    is_open: bool
    published_at: dt.datetime
    url: str


def _out(request: HttpRequest, need: Need, now: dt.datetime) -> dict:
    return {
        "id": need.pk,
        "title": need.title,
        "theme": need.theme,
        "theme_label": str(need.get_theme_display()),
        "region": need.region,
        "region_label": str(REGIONS[need.region]),
        "summary": need.summary,
        "buyer_profile": need.buyer.profile,
        "deadline": need.deadline,
        "is_open": need.is_open_at(now),
        "published_at": need.published_at,
        "url": request.build_absolute_uri(reverse("matching:need", args=[need.pk])),
    }


@router.get("/needs", response=list[NeedOut], summary="公開中のニーズ（大手企業のCN技術ニーズ）の一覧")
@decorate_view(conditional(selectors.NEEDS_NAMESPACE, max_age=selectors.NEEDS_MAX_AGE))
def list_needs(
    request: HttpRequest,
    theme: Theme | None = Query(None, description="テーマ"),
    region: str = Query("", max_length=20, description="地域ブロック（kanto など）または nationwide"),
    deadline_by: dt.date | None = Query(None, description="この日（YYYY-MM-DD）までに提案を締め切るものだけ"),
    q: str = Query("", max_length=100, description="キーワード（部分一致、全角・半角を区別しない）"),
    include_closed: bool = Query(False, description="true なら提案の締切を過ぎたものも含める"),
):
    if region and region not in REGIONS:
        raise ApplicationError(_("地域の指定が正しくありません。"), field="region")
    now = timezone.now()
    needs = list(
        selectors.need_search(
            theme=theme.value if theme else "",
            region=region,
            deadline_by=deadline_by,
            q=q,
            include_closed=include_closed,
            now=now,
        )[:200]
    )
    if (moment := selectors.needs_change_at(needs, now=now)) is not None:
        until(request, moment)
    return [_out(request, need, now) for need in needs]


@router.get("/needs/{need_id}", response=NeedOut, summary="公開中のニーズ1件")
@decorate_view(conditional(selectors.NEEDS_NAMESPACE, max_age=selectors.NEEDS_MAX_AGE))
def get_need(request: HttpRequest, need_id: int = Path(..., description="ニーズの番号（一覧の id）")):
    need = Need.objects.select_related("buyer").filter(pk=need_id, status=NeedStatus.PUBLISHED).first()
    if need is None:
        raise HttpError(404, _("見つかりません。"))
    now = timezone.now()
    if (moment := selectors.needs_change_at([need], now=now)) is not None:
        until(request, moment)
    return _out(request, need, now)
