"""The one JSON API of the portal (django-ninja): /api/v1/, OpenAPI at /api/v1/openapi.json."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query, Router
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

from consultations.api import router as consultations_router
from core import apidocs
from core.apierrors import BodyParseError, json_body, pydantic_message
from core.cache import conditional
from core.choices import Prefecture, Region, prefectures_in
from core.errors import ApplicationError
from core.views import DATABASE_UNAVAILABLE, database_unavailable
from matching.api import router as matching_router
from selfcheck.api import router as selfcheck_router
from seminars.api import EXTRA_PATHS as seminars_extra_paths
from seminars.api import router as seminars_router
from subsidies.api import router as subsidies_router


class PortalAPI(NinjaAPI):
    """Adds the plain Django paths (feeds) that apps describe to the OpenAPI document."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["paths"].update(seminars_extra_paths)
        declare_error_responses(schema)
        return schema


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "description": "エラーの内容。field は原因の項目名（特定できないときは null）。",
    "properties": {
        "detail": {"type": "string", "description": "日本語のメッセージ"},
        "field": {"type": ["string", "null"], "description": "原因の項目名"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["detail", "field"],
}
ERROR_RESPONSES = {
    "400": "入力内容の誤り（制御文字、範囲外の日付や数値など）。field が原因の項目名です。",
    "404": "指定されたものが見つかりません。",
    "413": "送信されたデータが大きすぎます。",
}


def declare_error_responses(schema: dict) -> None:
    """Every operation answers errors in JSON with one shape; say so in the document (400, 404 and, where a
    body is sent, 413)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue  # the plain feeds described alongside are pages, not JSON
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "404"] + (["413"] if method in ("post", "put", "patch") else [])
            for code in codes:
                operation["responses"].setdefault(code, {"description": ERROR_RESPONSES[code], **ref})


class JapaneseJSONParser(Parser):
    """Says in Japanese what is wrong with a body that is not JSON (django-ninja answers "Cannot parse request
    body" and keeps our exception as the cause, which http_error below reads)."""

    def parse_body(self, request: HttpRequest):
        return json_body(request.body)


api = PortalAPI(
    parser=JapaneseJSONParser(),
    title="CN支援ポータル API",
    version="1",
    description="中小企業のカーボンニュートラル支援ポータルの公開API。エラーは400で、原因の項目名を field に返します。",
    urls_namespace="api",
    docs_url="/docs",
)
apidocs.openapi_document.register(api.get_openapi_schema)


def _field_of(location: list | tuple) -> str:
    parts = [str(p) for p in location if p not in ("query", "body", "path", "payload", "form")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_of(err.get("loc", ())), "message": pydantic_message(err)} for err in exc.errors]
    return api.create_response(
        request,
        {
            "detail": (
                str(_("入力内容に誤りがあります。「%(field)s」：%(message)s")) % errors[0]
                if errors
                else str(_("入力内容に誤りがあります。"))
            ),
            "field": errors[0]["field"] if errors else None,
            "errors": errors,
        },
        status=400,
    )


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": str(exc.message),
            "field": exc.field,
            "errors": [{"field": exc.field, "message": str(exc.message)}],
        },
        status=400,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyParseError):
        message = exc.__cause__.message
        return api.create_response(
            request,
            {"detail": message, "field": "body", "errors": [{"field": "body", "message": message}]},
            status=400,
        )
    return api.create_response(request, {"detail": str(exc.message), "field": None}, status=exc.status_code)


def database_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """PostgreSQL unreachable: JSON 503 with Retry-After, like the pages."""
    return database_unavailable(request)


for _error in DATABASE_UNAVAILABLE:
    api.add_exception_handler(_error, database_error)


meta = Router(tags=["meta"])


@meta.get("/prefectures", summary="都道府県コードの一覧")
@decorate_view(conditional(max_age=3600))
def list_prefectures(
    request: HttpRequest, region: Region | None = Query(None, description="地域ブロックで絞り込む（kanto など）")
) -> list[dict]:
    codes = prefectures_in(region.value) if region else [p.value for p in Prefecture]
    return [{"code": code, "name": str(Prefecture(code).label)} for code in codes]


api.add_router("/meta", meta)
api.add_router("/consultations", consultations_router)
api.add_router("/selfcheck", selfcheck_router)
api.add_router("/seminars", seminars_router)
api.add_router("/subsidies", subsidies_router)
api.add_router("/matching", matching_router)
