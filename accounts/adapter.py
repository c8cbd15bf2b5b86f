from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from core.resume import resume_peek, resume_pop


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """An SME that has not described its company yet goes to the company form first; an advisor to the workspace."""
        user = request.user
        if getattr(user, "needs_company_profile", False):
            # The company form sends them on to where they were going (core.resume), if anywhere.
            return reverse("accounts:company")
        if getattr(user, "is_advisor", False):
            return reverse("advisors:home")
        invitation = request.session.get("institutions_invitation")
        if invitation and getattr(user, "company_id", None):
            return reverse("institutions:join", args=[invitation])  # back to the institution's invitation
        if resume_peek(request):
            return resume_pop(request)
        return super().get_login_redirect_url(request)
