import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from core.resume import resume_peek, resume_pop

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account mail greets the owner of the address by name (「緑川 花子 様」), also those allauth sends
        without a user (an address already registered)."""
        if not getattr(context.get("user"), "is_authenticated", False):
            context = {**context, "user": User.objects.filter(email__iexact=email).first()}
        super().send_mail(template_prefix, email, context)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a log-in lands; an account without a name is asked for it once on the way."""
        url = self._next_after_login(request)
        if getattr(request.user, "needs_name", False):
            return f"{reverse('accounts:name')}?{urlencode({'next': url})}"
        return url

    def _next_after_login(self, request: HttpRequest) -> str:
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

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """The second-factor pages do not ask for the password again right after signing in: a sign-in of this
        session within the reauthentication timeout counts as recent (staff and advisors go from the password
        straight to the QR code). Later, and for every other sensitive action, allauth asks as before."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and self.request is not None and signed_in_recently(self.request):
            return False
        return required


def signed_in_recently(request: HttpRequest) -> bool:
    """Whether this session's user signed in (password, and the second factor if they have one) within the timeout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if not records:
        return False
    return time.time() - records[-1].get("at", 0) < account_settings.REAUTHENTICATION_TIMEOUT
