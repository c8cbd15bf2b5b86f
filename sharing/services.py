"""Writes of sharing: grant, revoke, record an access; the signed link of a customer share."""

import datetime as dt
from collections.abc import Iterable

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.jst import JST, jst_date

from . import selectors
from .models import Share, ShareAccess, ShareKind

LINK_SALT = "sharing.disclosure"
CUSTOMER_MAX_DAYS = 365
RECIPIENT_MAX = 200


class ShareLinkError(ApplicationError):
    """A disclosure link that was forged, revoked or has expired; `code` says which."""


def _check_user_of_company(*, user, company) -> None:
    if user is None or getattr(user, "company_id", None) != company.pk:
        raise ApplicationError(_("共有できるのは、その企業のユーザーだけです。"))


def _check_fiscal_year(fiscal_year: int | None) -> None:
    if fiscal_year is not None and not (2000 <= fiscal_year <= 2100):
        raise ApplicationError(_("年度を選び直してください。"), field="fiscal_year")


def share_grant(
    *,
    company,
    kind: str,
    user,
    institution=None,
    booking=None,
    recipient: str = "",
    fiscal_year: int | None = None,
    days: int | None = None,
    now: dt.datetime | None = None,
) -> Share:
    """The company's explicit consent to show its self-check results to one grantee; one call for all three kinds.

    Granting what is already granted returns the existing share (a double submit makes one row).
    """
    now = now or timezone.now()
    _check_user_of_company(user=user, company=company)
    _check_fiscal_year(fiscal_year)
    fields: dict = {"company": company, "kind": kind, "granted_by": user, "fiscal_year": fiscal_year}
    if kind == ShareKind.INSTITUTION:
        if institution is None:
            raise ApplicationError(_("共有する支援機関を選んでください。"), field="institution")
        fields["institution"] = institution
        existing = {"kind": kind, "company": company, "institution": institution, "fiscal_year": fiscal_year}
    elif kind == ShareKind.ADVISOR:
        if booking is None or booking.company_id != company.pk:
            raise ApplicationError(_("共有する相談予約が見つかりません。"), field="booking")
        if booking.status == "cancelled":
            raise ApplicationError(_("キャンセルした相談には共有できません。"), field="booking")
        fields.update(booking=booking, fiscal_year=None)
        existing = {"kind": kind, "booking": booking}
    elif kind == ShareKind.CUSTOMER:
        recipient = " ".join((recipient or "").split())
        if not recipient:
            raise ApplicationError(_("共有先の取引先名を入力してください。"), field="recipient")
        if len(recipient) > RECIPIENT_MAX:
            raise ApplicationError(
                _("取引先名は%(n)s文字以内で入力してください。") % {"n": RECIPIENT_MAX}, field="recipient"
            )
        if days is None or not (1 <= days <= CUSTOMER_MAX_DAYS):
            raise ApplicationError(
                _("有効期間は1日から%(n)s日の間で選んでください。") % {"n": CUSTOMER_MAX_DAYS}, field="days"
            )
        fields.update(recipient=recipient, expires_at=now + dt.timedelta(days=days))
        existing = None
    else:
        raise ApplicationError(_("共有先の種類が正しくありません。"), field="kind")
    try:
        with transaction.atomic():
            if existing is not None:
                found = Share.objects.filter(revoked_at__isnull=True, **existing).first()
                if found is not None:
                    return found
            return Share.objects.create(**fields)
    except IntegrityError:  # a concurrent identical grant won the race: it is the same consent
        found = Share.objects.filter(revoked_at__isnull=True, **existing).first() if existing else None
        if found is None:
            raise
        return found


def share_revoke(*, share: Share, reason: str = "", now: dt.datetime | None = None) -> Share:
    """Access ends at once; the row (and its access log) stays for the company to read."""
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share.pk)
        if share.revoked_at is None:
            share.revoked_at = now or timezone.now()
            share.revoke_reason = reason[:100]
            share.save(update_fields=["revoked_at", "revoke_reason", "updated_at"])
    return share


def shares_revoke_for_institution(*, company, institution, reason: str) -> int:
    """Every active share of a company with an institution ends (the company left it)."""
    now = timezone.now()
    return Share.objects.filter(
        company=company, institution=institution, kind=ShareKind.INSTITUTION, revoked_at__isnull=True
    ).update(revoked_at=now, revoke_reason=reason[:100], updated_at=now)


def access_record(*, share: Share, action: str, user=None, fiscal_year: int | None = None) -> ShareAccess:
    return ShareAccess.objects.create(
        share=share,
        action=action,
        user=user if getattr(user, "is_authenticated", False) else None,
        fiscal_year=fiscal_year,
    )


def shared_sheet_open(*, user, sheet, action: str) -> bool:
    """A grantee opens a company's sheet: True (and the access logged) through an active share, else False."""
    share = selectors.share_for_sheet(user=user, sheet=sheet)
    if share is None:
        return False
    access_record(share=share, action=action, user=user, fiscal_year=sheet.fiscal_year)
    return True


def access_record_many(*, items: Iterable[tuple[Share, int | None]], action: str, user=None) -> int:
    """One row per (share, fiscal year) shown on a list page, in one query."""
    actor = user if getattr(user, "is_authenticated", False) else None
    rows = [ShareAccess(share=share, action=action, user=actor, fiscal_year=year) for share, year in items]
    ShareAccess.objects.bulk_create(rows)
    return len(rows)


def access_record_daily(
    *, items: Iterable[tuple[Share, int | None]], action: str, user, now: dt.datetime | None = None
) -> int:
    """Record a look once per user, share, year and day in Japan (an explicit "open" the user may repeat all day).

    The share rows are locked, so two clicks at once write one row per year, not two."""

    items = list(items)
    if not items or not getattr(user, "is_authenticated", False):
        return 0
    now = now or timezone.now()
    midnight = dt.datetime.combine(jst_date(now), dt.time(0), tzinfo=JST)
    with transaction.atomic():
        list(Share.objects.select_for_update().filter(pk__in=sorted({s.pk for s, _y in items})).order_by("pk"))
        seen = set(
            ShareAccess.objects.filter(
                share__in=[s for s, _y in items], user=user, action=action, at__gte=midnight
            ).values_list("share_id", "fiscal_year")
        )
        rows = [
            ShareAccess(share=share, action=action, user=user, fiscal_year=year)
            for share, year in items
            if (share.pk, year) not in seen
        ]
        ShareAccess.objects.bulk_create(rows)
    return len(rows)


# --- the customer's signed link ----------------------------------------------------------------------------------


def disclosure_token(share: Share) -> str:
    if share.kind != ShareKind.CUSTOMER:
        raise ValueError("only customer shares have a link")
    # No timestamp in the token: the expiry lives on the share, and one share has one link however often it is shown.
    return signing.Signer(salt=LINK_SALT).sign_object({"s": share.pk, "n": share.nonce})


def share_from_token(token: str, *, now: dt.datetime | None = None) -> Share:
    """The customer share of a link, or ShareLinkError saying whether it was forged, revoked or expired."""
    try:
        data = signing.Signer(salt=LINK_SALT).unsign_object(token)
        pk, nonce = int(data["s"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ShareLinkError(
            _("このリンクは正しくありません。届いたリンクをそのままお使いください。"), code="forged"
        ) from None
    share = Share.objects.select_related("company").filter(pk=pk, kind=ShareKind.CUSTOMER).first()
    if share is None or not constant_time_compare(share.nonce, nonce):
        raise ShareLinkError(_("このリンクは正しくありません。届いたリンクをそのままお使いください。"), code="forged")
    if share.revoked_at is not None:
        raise ShareLinkError(_("このリンクは共有元の企業によって取り消されました。"), code="revoked")
    if not selectors.share_is_active(share, now=now):
        raise ShareLinkError(
            _("このリンクは有効期限が切れています。共有元の企業にお問い合わせください。"), code="expired"
        )
    return share


def shares_forget_company(*, company) -> int:
    """A closing company's shares of every kind end and go, with the record of who looked at them."""
    with transaction.atomic():
        return Share.objects.filter(company=company).delete()[0]


def on_account_closing(sender, *, user, company, **kwargs) -> None:
    if company is not None:
        shares_forget_company(company=company)
