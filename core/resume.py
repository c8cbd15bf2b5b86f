"""Where a visitor was going when the portal sent them to sign up, log in or describe their company first.

One local path in the session: it survives sign-up, e-mail verification (in the same browser), log-in (Django
keeps an anonymous session's data when it logs the user in) and the company form, so that the visitor lands
where they were going instead of on the account page.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "core.resume_path"


def resume_remember(request: HttpRequest, path: str) -> None:
    if url_has_allowed_host_and_scheme(path, allowed_hosts=None) and path.startswith("/"):
        request.session[SESSION_KEY] = path


def resume_peek(request: HttpRequest) -> str | None:
    return request.session.get(SESSION_KEY)


def resume_pop(request: HttpRequest) -> str | None:
    return request.session.pop(SESSION_KEY, None)


def resume_forget(request: HttpRequest, path: str | None = None) -> None:
    """Forget the path (only if it is `path`, when given): the visitor has arrived."""
    if path is None or request.session.get(SESSION_KEY) == path:
        request.session.pop(SESSION_KEY, None)
