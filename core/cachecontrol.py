"""Private responses are never stored: one rule, in one middleware.

The rule (PrivateCacheMiddleware):
  1. A response marked public by its view (`@public_response` or `mark_public(response)`) keeps the headers its
     view set, whoever asked. Mark only what is byte-for-byte the same for every visitor (no signed-in header,
     no user's data): an API answer or a feed, never an HTML page with the site's navigation.
  2. Otherwise, a response to a signed-in user, a response its view marks private (`@private_response` or
     `mark_private(response)`), or one to a URL that carries a secret (a `token` or `key` in its route, as in a
     cancellation link or a shared result) gets `Cache-Control: private, no-store`, replacing what was there.
  3. Anything else (an anonymous visitor on a public page) keeps what the view set: max-age, ETag, Vary are the
     views' business (core.cache.conditional for the public pages, docs/cache.md).

Whether a visitor is signed in is read from the session only when the request carries a session cookie, so an
anonymous public response does not get `Vary: Cookie` from this middleware.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PRIVATE_NO_STORE = "private, no-store"
# The attribute the markers set on a response: True public, False private, absent undecided.
MARKER = "cache_public"
SECRET_ROUTE_PARAMETERS = frozenset({"token", "key", "uidb36", "uidb64"})


def mark_public(response: HttpResponse) -> HttpResponse:
    """This response is the same for everyone: the middleware leaves its Cache-Control alone."""
    setattr(response, MARKER, True)
    return response


def mark_private(response: HttpResponse) -> HttpResponse:
    """This response is one person's (a download by a secret link, say): never stored, signed in or not."""
    setattr(response, MARKER, False)
    return response


def public_response(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return mark_public(view(request, *args, **kwargs))

    return wrapped


def private_response(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return mark_private(view(request, *args, **kwargs))

    return wrapped


def _signed_in(request: HttpRequest) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _secret_route(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match is not None and SECRET_ROUTE_PARAMETERS & set(match.kwargs))


def is_private(request: HttpRequest, response: HttpResponse) -> bool:
    marked = getattr(response, MARKER, None)
    if marked is True:
        return False
    return marked is False or _signed_in(request) or _secret_route(request)


class PrivateCacheMiddleware:
    """See the module's docstring: private answers get `Cache-Control: private, no-store`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_private(request, response):
            response["Cache-Control"] = PRIVATE_NO_STORE
            del response["Expires"]
        return response
