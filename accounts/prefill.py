"""What a sign-up started from a link already knows about the company (an institution's invitation names it):
kept in the session under accounts' own key, offered once as the company form's initial values, never saved unasked."""

from django.http import HttpRequest

SESSION_KEY = "accounts_company_prefill"


def company_prefill_remember(request: HttpRequest, *, name: str) -> None:
    request.session[SESSION_KEY] = {"name": name[:200]}


def company_prefill(request: HttpRequest) -> dict:
    data = request.session.get(SESSION_KEY)
    return {"name": str(data.get("name", ""))} if isinstance(data, dict) and data.get("name") else {}


def company_prefill_forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
