"""What a visitor started before signing up survives the verification mail being opened in another browser.

The sign-up happens in browser A, whose session knows what the visitor was doing (an institution's invitation, a
self-check try-out, where they were going, the company name to offer). The verification link may be opened on a
phone, and log-in happen there: that session knows nothing. So at sign-up the keys the apps named
(hooks.signup_session_keys) are copied from A's session into a row of the new account (SignupCarry, 14 days), and
the first log-in of that account, in any browser, puts the ones its session lacks back and deletes the row.

Nothing here is reachable without that account's password and a verified address: the row is keyed by the user,
not by anything in a link or a cookie, and it is read once.
"""

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from core.resume import SESSION_KEY as RESUME_KEY

from . import hooks
from .models import SignupCarry
from .prefill import SESSION_KEY as PREFILL_KEY

CARRY_DAYS = 14  # as long as an institution's invitation stays valid


def carried_keys() -> list[str]:
    keys = [RESUME_KEY, PREFILL_KEY]
    for answer in hooks.signup_session_keys():
        keys.extend(k for k in answer if k not in keys)
    return keys


def signup_carry_keep(*, user, data: dict) -> SignupCarry | None:
    """Keep the sign-up browser's state for this account (replacing an earlier one); None when there is none."""
    with transaction.atomic():
        SignupCarry.objects.filter(expires_at__lte=timezone.now()).delete()
        if not data:
            SignupCarry.objects.filter(user=user).delete()
            return None
        carry, _created = SignupCarry.objects.update_or_create(
            user=user, defaults={"data": data, "expires_at": timezone.now() + dt.timedelta(days=CARRY_DAYS)}
        )
    return carry


def signup_carry_take(*, user) -> dict:
    """The kept state of this account, once: the row is deleted; an expired one gives nothing."""
    with transaction.atomic():
        carry = SignupCarry.objects.select_for_update().filter(user=user).first()
        if carry is None:
            return {}
        data = carry.data if carry.expires_at > timezone.now() else {}
        carry.delete()
    return data if isinstance(data, dict) else {}


def on_signed_up(sender, request: HttpRequest | None = None, user=None, **kwargs) -> None:
    """allauth's user_signed_up, in the browser that signed up: keep what its session knows."""
    if request is None or user is None or not hasattr(request, "session"):
        return
    data = {key: request.session[key] for key in carried_keys() if request.session.get(key)}
    signup_carry_keep(user=user, data=data)


def on_logged_in(sender, request: HttpRequest | None = None, user=None, **kwargs) -> None:
    """Django's user_logged_in, in whatever browser: give its session what the sign-up browser knew."""
    if request is None or user is None or not hasattr(request, "session"):
        return
    if not SignupCarry.objects.filter(user=user).exists():
        return
    allowed = set(carried_keys())
    for key, value in signup_carry_take(user=user).items():
        if key in allowed and not request.session.get(key):
            request.session[key] = value
