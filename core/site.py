"""Addresses of this site's pages for what leaves a request: mails, calendar feeds, links printed by commands."""

from django.conf import settings


def absolute_url(path: str = "") -> str:
    """SITE_URL (with or without its trailing slash) followed by a path that starts with a slash."""
    return settings.SITE_URL.rstrip("/") + path
