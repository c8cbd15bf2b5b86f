import logging
import sys

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .pagecache import anonymous_page

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


@anonymous_page()  # no data on it: one render per process, language and path
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"areas": AREAS})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and Redis answer, 503 naming what is down."""
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
    down = [name for name, state in checks.items() if state == "down"]
    return JsonResponse(
        {"status": "down" if down else "ok", "down": down, "checks": checks},
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
