"""English pages never glue a value to a translated fragment (「2026Fiscal year」, 「2026-12-06shared since」): every
sentence with a value is one translatable string with a placeholder, so the English order and spaces are its own."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A value right before or after a {% trans %} fragment, with nothing between them to translate (a label ending in a
# colon before its value, 「出典：」, reads the same in both languages and is left alone).
JOINED = re.compile(r'\}\}\{% trans "|\{% trans "[^"]*[^"：:]" %\}\{\{')


def test_no_template_joins_a_value_to_a_translated_fragment():
    # Mails are written in Japanese whatever the page language (translation.override("ja")), PDFs likewise.
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        if "/pdf/" not in str(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if JOINED.search(line)
    ]
    assert not offenders, offenders


def test_a_year_and_a_date_read_as_english_with_their_own_order_and_spaces():
    with translation.override("en"):
        year = Template("{% load i18n %}{% blocktrans with n=y %}{{ n }}年度{% endblocktrans %}").render(
            Context({"y": 2026})
        )
        since = Template("{% load i18n %}{% blocktrans with n=d %}{{ n }}から共有{% endblocktrans %}").render(
            Context({"d": "2026-12-06"})
        )
        companies = Template("{% load i18n %}{% blocktrans with n=c %}{{ n }}社{% endblocktrans %}").render(
            Context({"c": 3})
        )
    assert (year, since, companies) == ("FY2026", "shared since 2026-12-06", "3 companies")
