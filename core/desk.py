"""The one rule for desk access: who may see or change other companies' data on the portal's own pages.

SMRJ staff act at a desk only with (1) the group permission of that desk and (2) an authenticator app (TOTP)
enrolled in allauth's MFA — exactly what the admin asks (`core.admin_site.StaffAdminSite.has_permission`).
Experts and advisors, who see the companies' cases and bookings they are given, need the same second factor.

Views call `desk_require(request.user, perm)` (or decorate with `@desk_required(perm)`); services call
`desk_allows(user, perm)`. A member of the desk without an authenticator is not refused outright: the
`SecondFactorMiddleware` sends them to the authenticator set-up with a message saying why.
"""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class SecondFactorRequired(Exception):
    """The user would be allowed, but has no authenticator app yet: the middleware sends them to enrol."""


def has_second_factor(user) -> bool:
    """True once the account has an authenticator app (TOTP) enrolled in allauth's MFA."""

    if not getattr(user, "is_authenticated", False):
        return False
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def is_desk_member(user, perm: str) -> bool:
    """Active SMRJ staff holding the permission, second factor or not (the question before `desk_allows`)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff and user.has_perm(perm))


def desk_allows(user, perm: str) -> bool:
    """The desk rule: active staff, the group permission, and an enrolled authenticator app."""
    return is_desk_member(user, perm) and has_second_factor(user)


def desk_require(user, perm: str) -> None:
    """Return if the desk rule holds; ask a desk member without an authenticator to enrol; refuse anyone else."""
    if desk_allows(user, perm):
        return
    if is_desk_member(user, perm):
        raise SecondFactorRequired
    raise PermissionDenied


def second_factor_require(user) -> None:
    """For roles that see companies' data through an assignment (experts, advisors): the factor alone."""
    if not has_second_factor(user):
        raise SecondFactorRequired


def desk_required(perm: str) -> Callable:
    """View decorator: anonymous visitors log in, desk members without an authenticator enrol, others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            desk_require(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def enrol_redirect(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        _(
            "企業の情報を扱うページを使うには二段階認証の設定が必要です。"
            "認証アプリでQRコードを読み取って設定してください。"
        ),
    )
    return redirect("mfa_activate_totp")


class SecondFactorMiddleware:
    """Turns `SecondFactorRequired` raised by a view (or a service it calls) into the way to the set-up page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SecondFactorRequired):
            return enrol_redirect(request)
        return None
