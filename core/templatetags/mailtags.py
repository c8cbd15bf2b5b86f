"""Pieces every mail of the portal shares: the signature with the desk's contact, the salutation."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def mail_signature() -> str:
    """The portal's name, who runs it and where to write; the same in every mail (no raw host, no stock text)."""
    return "\n".join(
        [
            "-- ",
            str(settings.SITE_NAME),
            _("運営：独立行政法人 中小企業基盤整備機構（中小機構）CN相談デスク"),
            _("お問い合わせ：%(email)s（このメールに心当たりがない場合もこちらへ）") % {"email": settings.DESK_EMAIL},
        ]
    )


@register.filter
def salutation(user) -> str:
    """「緑川 花子 様」, or 「ご担当者様」 for an account that has not given its name (never the e-mail address)."""
    name = user.get_full_name() if getattr(user, "is_authenticated", False) else ""
    return _("%(name)s 様") % {"name": name} if name else _("ご担当者様")
