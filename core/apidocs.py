"""The public API's reference as a page of the portal, read from the OpenAPI document that django-ninja serves:
every operation, its parameters and its request body, in Japanese and accessible. It lives at /developers/api/,
outside /api/, whose answers are JSON. The interactive Swagger UI stays at /api/v1/docs for trying requests."""

from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .hooks import Hook

# openapi_document() -> dict: the OpenAPI document of the public API. config/api.py registers it (config sits above
# core; core never imports it). Until then the page lists no operation.
openapi_document = Hook("core.openapi_document", default=lambda: {"paths": {}})

TYPE_LABELS = {
    "integer": gettext_lazy("整数"),
    "number": gettext_lazy("数値"),
    "string": gettext_lazy("文字列"),
    "boolean": "true / false",
    "array": gettext_lazy("配列"),
}
MAX_LISTED_CHOICES = 8


def _type_label(schema: dict, components: dict) -> str:
    if "$ref" in schema:
        target = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        choices = target.get("enum")
        if choices and len(choices) <= MAX_LISTED_CHOICES:
            return _("次のいずれか：%(choices)s") % {"choices": "、".join(str(c) for c in choices)}
        if choices:
            return _("コード（%(n)s種類）") % {"n": len(choices)}
        return target.get("title", "object")
    if "anyOf" in schema:
        parts = [part for part in schema["anyOf"] if part.get("type") != "null"]
        return " / ".join(dict.fromkeys(_type_label(part, components) for part in parts))
    if schema.get("format") == "date":
        return _("日付（YYYY-MM-DD）")
    label = str(TYPE_LABELS.get(schema.get("type", ""), schema.get("type", "")))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        label += f"（{_number(low)}〜{_number(high)}）"
    if schema.get("maxLength"):
        label += _("（%(n)s文字まで）") % {"n": schema["maxLength"]}
    return label


def _number(value) -> str:
    if value is None:
        return ""
    if not float(value).is_integer():
        return str(value)
    return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))  # years read as 2000, amounts as 10,000


def _field(name: str, schema: dict, required: bool, components: dict, where: str = "") -> dict:
    return {
        "name": name,
        "where": where,
        "required": required,
        "type": _type_label(schema, components),
        "description": schema.get("description", ""),
        "default": schema.get("default"),
    }


@cache
def api_reference(language: str) -> list[dict]:
    """The operations of the OpenAPI document, in its order, ready for the template in the active language (computed
    once per process and language: the document changes only with the code)."""
    document = openapi_document()
    components = document.get("components", {}).get("schemas", {})
    where = {"query": _("クエリ"), "path": _("パス")}
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue
            fields = [
                _field(
                    p["name"],
                    {**p.get("schema", {}), **({"description": p["description"]} if p.get("description") else {})},
                    p.get("required", False),
                    components,
                    str(where.get(p.get("in"), p.get("in", ""))),
                )
                for p in operation.get("parameters", [])
            ]
            body = []
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if content:
                ref = content.get("schema", {}).get("$ref", "")
                model = components.get(ref.rsplit("/", 1)[-1], {})
                required = set(model.get("required", []))
                body = [_field(n, s, n in required, components) for n, s in model.get("properties", {}).items()]
            operations.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").replace(".", "-"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": fields,
                    "body": body,
                    "try_url": path
                    if method == "get" and "{" not in path and not any(f["required"] for f in fields)
                    else "",
                }
            )
    return operations
