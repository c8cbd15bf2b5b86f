from django import template

from institutions import selectors, services
from institutions.views import SESSION_INVITATION

register = template.Library()


@register.inclusion_tag("institutions/_invitation_banner.html", takes_context=True)
def invitation_banner(context) -> dict:
    """A reminder on my page when the visitor arrived through an institution's invitation and has not joined yet."""

    request = context.get("request")
    token = request.session.get(SESSION_INVITATION) if request is not None else None
    if not token:
        return {"invitation": None}
    try:
        return {"invitation": services.invitation_from_token(token), "token": token}
    except services.InvitationLinkError:
        return {"invitation": None}


@register.inclusion_tag("institutions/_request_banner.html", takes_context=True)
def request_banner(context) -> dict:
    """On the company's page: the institutions' open requests for a consultation, each with its page."""

    user = getattr(context.get("request"), "user", None)
    if user is None or not getattr(user, "company_id", None):
        return {"requests": []}
    return {"requests": selectors.company_requests(company_id=user.company_id)}
