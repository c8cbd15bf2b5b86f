"""The project's URLs plus the baseline: a bare Django view that returns constant JSON (no database, no cache)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as project


def constant(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "items": [1, 2, 3]})


urlpatterns = [path("bench/constant", constant), *project]
