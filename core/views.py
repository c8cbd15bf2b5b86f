import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
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
