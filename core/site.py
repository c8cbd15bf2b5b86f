"""Addresses of this site's pages for what leaves a request: mails, calendar feeds, links printed by commands."""

from django.conf import settings


def absolute_url(path: str = "") -> str:
    """SITE_URL (with or without its trailing slash) followed by a path that starts with a slash."""
    return settings.SITE_URL.rstrip("/") + path


OPERATOR_SETTINGS = {
    "name": "OPERATOR_NAME",
    "address": "OPERATOR_ADDRESS",
    "phone": "OPERATOR_PHONE",
    "privacy_email": "OPERATOR_PRIVACY_EMAIL",
    "privacy_officer": "OPERATOR_PRIVACY_OFFICER",
    "hosting": "OPERATOR_HOSTING",
    "mail_provider": "OPERATOR_MAIL_PROVIDER",
}


def operator() -> dict:
    """Who runs the portal, from settings, and `demo`: True while any detail is still its demo default."""
    details = {key: getattr(settings, name) for key, name in OPERATOR_SETTINGS.items()}
    # the demo defaults say デモ or use the reserved example domain (RFC 2606)
    details["demo"] = any("デモ" in str(value) or str(value).endswith(".example.jp") for value in details.values())
    return details
