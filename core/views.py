import datetime as dt
import logging
import sys

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .apidocs import api_reference
from .cache import conditional
from .mail import outbox_backlog
from .site import operator

AREAS = [
    {
        "key": "consultations",
        "url_name": "consultations:index",
        "title": _("CN相談を予約する"),
        "text": _("専門家に1時間、無料でオンライン相談。何度でも利用できます。"),
        "step": _("知る"),
    },
    {
        "key": "selfcheck",
        "url_name": "selfcheck:index",
        "title": _("CO2を測る（セルフチェック）"),
        "text": _("電気や燃料の使用量からCO2排出量を計算し、取り組みと計画を整理します。"),
        "step": _("測る"),
    },
    {
        "key": "seminars",
        "url_name": "seminars:index",
        "title": _("セミナーに参加する"),
        "text": _("脱炭素の基礎からサプライチェーン対応まで、各地のセミナーを探せます。"),
        "step": _("知る"),
    },
    {
        "key": "subsidies",
        "url_name": "subsidies:index",
        "title": _("補助金・支援策を探す"),
        "text": _("会社の規模や地域に合う補助金、税制、診断を締切つきで表示します。"),
        "step": _("減らす"),
    },
]


# The documents the 知る pages take their facts from (reference/000–004), named next to each fact on the page.
KNOW_SOURCES = {
    "tohoku": {
        "name": _("東北経済産業局 カーボンニュートラル推進室の説明資料"),
        "date": _("日付の記載なし（令和6年3月の経済産業省資料を引用）"),
        "note": _(
            "国の目標、GX、カーボンプライシング、中小企業の現状。資料の中で政府の「GX推進戦略」などを引用しています。"
        ),
    },
    "aichi": {
        "name": _("愛知県「令和8年度中小企業脱炭素経営強化促進事業 募集要項」"),
        "date": _("令和8年度"),
        "note": _("SBTの説明と、中小企業版SBTの対象となる条件。"),
    },
    "smrj": {
        "name": _("中小機構「中小機構のカーボンニュートラルに係る取組みについて」"),
        "date": _("日付の記載なし（2023年2月までの実績を掲載）"),
        "note": _("RE Action、J-Net21、E-SODAN、CN相談窓口。"),
    },
    "smrj_kyushu": {
        "name": _("中小機構 九州本部「中小機構のカーボンニュートラル支援」"),
        "date": _("2025年（資料の著作権表示）"),
        "note": _("知る・測る・減らすの3段階、相談窓口の回数と時間、J-Net21、九州本部の連絡先。"),
    },
    "meti_plan": {
        "name": _("経済産業省「中小企業支援機関によるカーボンニュートラル・アクションプラン」"),
        "date": _("令和7年12月"),
        "note": _("支援機関のアクションプランと問い合わせ先。"),
    },
}

EXTERNAL_LINKS = [
    {
        "name": _("中小機構（独立行政法人 中小企業基盤整備機構）"),
        "url": "https://www.smrj.go.jp/",
        "text": _("中小企業の経営を支える国の機関です。カーボンニュートラルの相談窓口や専門家の派遣を行っています。"),
        "source": "smrj_kyushu",
    },
    {
        "name": _("中小機構「カーボンニュートラルに関する支援」"),
        "url": "https://www.smrj.go.jp/sme/sdgs/favgos000001to2v.html",
        "text": _("中小機構のカーボンニュートラル支援の案内ページです。"),
        "source": "tohoku",
    },
    {
        "name": _("J-Net21 カーボンニュートラル特設ページ"),
        "url": "https://j-net21.smrj.go.jp/special/chusho_sdgs/carbonneutral/index.html",
        "text": _(
            "中小機構のポータルサイトJ-Net21の特設ページです。施策の情報、取り組みの手順、セルフチェックシートなどを載せています。"
        ),
        "source": "smrj",
    },
    {
        # The source describes E-SODAN but gives no address for it: no link of its own, only SMRJ's site.
        "name": _("E-SODAN"),
        "url": None,
        "text": _(
            "中小機構の資料で「SDGsに対応したAIチャットボットによる経営相談サービス」と紹介されている、"
            "中小機構のサービスです。"
        ),
        "no_url": _("資料にE-SODANのアドレスは載っていないため、このページからは直接リンクしていません。"),
        "via_name": _("中小機構のサイトからお探しください"),
        "via_url": "https://www.smrj.go.jp/",
        "via_source": "smrj_kyushu",
        "source": "smrj",
    },
    {
        "name": _("ミラサポplus"),
        "url": "https://mirasapo-plus.go.jp/",
        "text": _("中小企業・小規模事業者が補助金や給付金を申請したり、事業の支援を探したりするための国のサイトです。"),
        "source": "tohoku",
    },
]


STATIC_MAX_AGE = 600  # pages without data change only with a new release (which gives new ETags)
static_page = conditional(max_age=STATIC_MAX_AGE)


@static_page
def know(request: HttpRequest) -> HttpResponse:
    """知る: the policy context an SME needs, each fact with the document it comes from."""
    links = [
        {
            **link,
            "source_doc": KNOW_SOURCES[link["source"]],
            "via_source_doc": KNOW_SOURCES.get(link.get("via_source", "")),
        }
        for link in EXTERNAL_LINKS
    ]
    return render(request, "core/know.html", {"sources": KNOW_SOURCES, "links": links})


@static_page
def api_docs(request: HttpRequest) -> HttpResponse:
    """公開API: every operation of the OpenAPI document with its parameters, as an accessible page."""
    return render(request, "core/api.html", {"operations": api_reference(get_language())})


# The notice's and the terms' dates (制定日・改定日), newest last; a change to either page adds a line here.
PRIVACY_DATES = [(dt.date(2026, 12, 6), _("制定"))]
TERMS_DATES = [(dt.date(2026, 12, 6), _("制定"))]


def _legal_context() -> dict:
    return {
        "operator": operator(),
        "mail_body_days": settings.MAIL_BODY_RETENTION_DAYS,
        "mail_record_days": settings.MAIL_RECORD_RETENTION_DAYS,
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
        "desk_email": settings.DESK_EMAIL,
    }


# The notice and the terms also show the operator's details from the settings, which a deployment changes without
# changing the code: they are part of the kept page's key.
legal_page = conditional(max_age=STATIC_MAX_AGE, parts=lambda: tuple(sorted(operator().items())))


@legal_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html", {**_legal_context(), "dates": PRIVACY_DATES})


@legal_page
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "core/terms.html", {**_legal_context(), "dates": TERMS_DATES})


@static_page
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "core/contact.html", {"sources": KNOW_SOURCES, "desk_email": settings.DESK_EMAIL})


@static_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"areas": AREAS})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so an outage of PostgreSQL or Redis never gets healthy
    web processes restarted; /readyz says whether they can serve."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when PostgreSQL and Redis answer and no mail has waited longer than
    READY_MAIL_BACKLOG_MAX_AGE_SECONDS; 503 naming what is not."""

    checks: dict[str, str] = {}
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "down"
    if settings.REDIS_URL:
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "down"
    else:
        checks["redis"] = "not configured (tasks run in-process)"
    backlog_age = None
    if checks["database"] == "ok":
        backlog_age = round(outbox_backlog().oldest_age_seconds)
        checks["mail_backlog"] = "ok" if backlog_age <= settings.READY_MAIL_BACKLOG_MAX_AGE_SECONDS else "stale"
    down = [name for name, state in checks.items() if state in ("down", "stale")]
    return JsonResponse(
        {"status": "down" if down else "ok", "down": down, "checks": checks, "mail_backlog_age_seconds": backlog_age},
        status=503 if down else 200,
    )


def coming_soon(request: HttpRequest, *, area: str) -> HttpResponse:
    """Placeholder page of an area that is not open yet."""
    info = next(item for item in AREAS if item["key"] == area)
    return render(request, "core/coming.html", {"area": info})


logger = logging.getLogger(__name__)

# The database refusing or dropping connections (or timing out, or a deadlock victim) is temporary.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: a Japanese page, or JSON under /api/; renders without touching the database."""
    retry_after = settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": str(_("データベースに接続できません。しばらくしてからもう一度お試しください。")), "field": None},
            status=503,
        )
    else:
        html = loader.render_to_string("503.html", {"retry_after": retry_after})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage answers 503 (try again soon) instead of a generic system error."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable for %s: %s", request.path, error)
        return database_unavailable(request)
    return defaults.server_error(request)
