import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (no inline scripts) and a restrictive Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Japanese unless the visitor chose another language with the switch (cookie); the browser's
    Accept-Language is ignored, so that an English-language browser in Japan still sees the Japanese site."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# C0 control characters and DEL, except tab, line feed and carriage return (which multi-line text may hold).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(name: str) -> str:
    return CONTROL_CHARACTERS.sub("", name)[:50] or "?"


class BadInputMiddleware:
    """Answers in Japanese what no view can handle, before any view tries: a body above the upload limit (413)
    and query parameters holding control characters (400 naming the parameter). Form fields are checked by
    the forms themselves, next to the field. Under /api/ every answer is JSON, like the API's own errors: an
    HTML error page Django would send (404 for an unknown route, 405, or a 500) is turned into JSON there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith(API_PREFIX) and not request.path.startswith(API_DOCS)
        response = self._refuse(request, api=api)
        if response is None:
            response = self.get_response(request)
        if api and response.status_code >= 400 and not response.get("Content-Type", "").startswith(JSON):
            response = _error(request, response.status_code, _api_message(response.status_code), None, api=True)
        return response

    def _refuse(self, request: HttpRequest, *, api: bool) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            message = _("送信されたデータが大きすぎます（上限は%(mb)s MBです）。") % {
                "mb": round(limit / 1024 / 1024, 1)
            }
            return _error(request, 413, message, "body", api=api)
        for name, values in request.GET.lists():
            if CONTROL_CHARACTERS.search(name) or any(CONTROL_CHARACTERS.search(v) for v in values):
                field = _printable(name)
                message = _("「%(field)s」に使えない文字（制御文字）が含まれています。") % {"field": field}
                return _error(request, 400, message, field, api=api)
        return None


API_PREFIX = "/api/"
API_DOCS = "/api/v1/docs"
JSON = "application/json"


def _api_message(status: int) -> str:
    return str(
        {
            404: _("指定されたURLは見つかりません。"),
            405: _("このURLでは使えないメソッドです。"),
            413: _("送信されたデータが大きすぎます。"),
        }.get(
            status, _("リクエストを処理できませんでした。") if status < 500 else _("サーバーでエラーが発生しました。")
        )
    )


def _error(request: HttpRequest, status: int, message: str, field: str | None, *, api: bool) -> HttpResponse:
    if api:
        body = {"detail": str(message), "field": field, "errors": [{"field": field, "message": str(message)}]}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message, "status": status}, status=status)
