import re
from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve
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


# The same characters in a raw query string, as they arrive (percent-encoded, or as they are): a query without any
# is not parsed here (the view parses it when it needs it; a 304 answered from the cache never does).
ENCODED_CONTROL_CHARACTERS = re.compile(r"%[01][0-9A-Fa-f]|%7[Ff]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(name: str) -> str:
    return CONTROL_CHARACTERS.sub("", name)[:50] or "?"


def accepts_uploads(limit: Callable[[], int]):
    """Mark a view that takes file uploads: multipart bodies up to limit() bytes reach it (every other route and
    every other body keeps DATA_UPLOAD_MAX_MEMORY_SIZE). A multipart body above limit() but under
    REQUEST_BODY_HARD_LIMIT still reaches the view, with its text fields and without its files, and
    request.upload_refused says why: the view shows its page again with what was typed and the error next to the
    file field. The limit is a callable so that it follows the settings at request time."""

    def mark(view):
        view.upload_limit = limit
        return view

    return mark


class DiscardFilesHandler(FileUploadHandler):
    """Reads a multipart body's text fields and drops every file (used for a body too large to keep)."""

    def new_file(self, *args, **kwargs):
        raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None


def _upload_limit(request: HttpRequest) -> int | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    limit = getattr(match.func, "upload_limit", None)
    return limit() if limit is not None else None


def _megabytes(limit: int) -> str:
    return f"{limit / 1024 / 1024:.1f}".removesuffix(".0")


class BadInputMiddleware:
    """Answers in Japanese what no view can handle, before any view tries: a body above the route's limit (413)
    and query parameters holding control characters (400 naming the parameter). Form fields are checked by
    the forms themselves, next to the field. Under /api/ every answer is JSON, like the API's own errors: an
    HTML error page Django would send (404 for an unknown route, 405, or a 500) is turned into JSON there.

    It sits below the authentication middleware, so that a refusal page still shows who is signed in; it reads
    no body itself, and runs before the CSRF check reads one.
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
            route_limit = None if api else _upload_limit(request)
            if route_limit is not None and request.content_type == "multipart/form-data":
                if length <= route_limit:
                    return None
                if length <= settings.REQUEST_BODY_HARD_LIMIT:
                    request.upload_handlers = [DiscardFilesHandler()]
                    request.upload_refused = _(
                        "添付ファイルが大きすぎるため受け取れませんでした（1回の送信で合わせて%(mb)s MBまで）。"
                        "ファイルは保存していません。入力した内容はそのまま残っていますので、"
                        "ファイルを選び直して送信してください。"
                    ) % {"mb": _megabytes(route_limit)}
                    return None
                limit = route_limit
            message = _("送信されたデータが大きすぎます（上限は%(mb)s MBです）。") % {"mb": _megabytes(limit)}
            return _error(request, 413, message, "body", api=api)
        if not ENCODED_CONTROL_CHARACTERS.search(request.META.get("QUERY_STRING", "")):
            return None
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
