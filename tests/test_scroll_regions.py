"""A table that may scroll sideways on a phone sits in a region a keyboard can reach and a screen reader can name.

axe-core's scrollable-region-focusable rule fails only when the table actually overflows (on a measure with long
track names, say), so the browser tests cannot be relied on to meet every case: every `.table-wrap` in the templates
is checked here. In the browser, every page a test checks at the phone's width is also checked for this rule
(conftest.assert_no_sideways_scroll), and subsidies/tests/test_browser.py opens every catalogue measure there."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
WRAP = re.compile(r"<div class=\"table-wrap\"([^>]*)>")


def wraps() -> list[tuple[Path, str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [(path, match.group(1), text) for match in WRAP.finditer(text)]
    return found


def test_there_are_scroll_regions_to_check():
    assert len(wraps()) >= 20


@pytest.mark.parametrize(
    "path,attrs,text", wraps(), ids=lambda v: str(v.relative_to(TEMPLATES)) if isinstance(v, Path) else ""
)
def test_every_scrolling_table_is_a_focusable_named_region(path, attrs, text):
    assert 'role="region"' in attrs and 'tabindex="0"' in attrs, f"{path.name}: {attrs}"
    labelledby = re.search(r'aria-labelledby="([^"]+)"', attrs)
    assert labelledby or re.search(r'aria-label="[^"]+"', attrs), f"{path.name}: no name"
    if labelledby:
        assert f'id="{labelledby.group(1)}"' in text, f"{path.name}: #{labelledby.group(1)} is not on the page"
