"""The accessibility check of the browser tests (conftest.axe_violations) runs only the axe-core rules whose
violations can fail a test; these tests show that this changes no verdict."""

import pytest

from conftest import assert_accessible, axe_violations

# Violations of every impact: critical (image-alt, label), serious (color-contrast, html-has-lang, link-name),
# moderate (region, heading-order, landmark-no-duplicate-main) and minor (empty-table-header).
BROKEN = """<html><head><title>t</title></head><body><div>outside any landmark</div><h1>a</h1><h4>skips</h4>
<main><p>x</p></main><main>two mains</main><img src="x.png"><a href="#"></a><input type="text">
<table><tr><th></th><td>1</td></tr></table><p style="color:#aaa;background:#fff">low contrast</p></body></html>"""
CLEAN_BUT_MODERATE = """<html lang="ja"><head><title>t</title></head><body><div>外</div><main><h1>見出し</h1>
<h4>段を飛ばした見出し</h4></main></body></html>"""


@pytest.fixture
def blank(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def full_axe_run(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def test_every_violation_carries_its_rules_impact(blank):
    blank.set_content(BROKEN)
    violations = full_axe_run(blank)
    rules = {r["id"]: r["impact"] for r in blank.evaluate("axe._audit.rules.map(r => ({id: r.id, impact: r.impact}))")}
    assert {v["impact"] for v in violations} == {"critical", "serious", "moderate", "minor"}
    assert all(v["impact"] == rules[v["id"]] for v in violations)
    assert all(impact for impact in rules.values())  # no rule left without an impact


def test_the_check_reports_the_same_serious_and_critical_violations_as_a_full_run(blank):
    blank.set_content(BROKEN)
    full = sorted(v["id"] for v in full_axe_run(blank) if v["impact"] in ("serious", "critical"))
    blank.set_content(BROKEN)
    assert sorted(v["id"] for v in axe_violations(blank)) == full
    assert {"image-alt", "label", "link-name", "color-contrast", "html-has-lang"} <= set(full)
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(blank)


def test_a_page_with_only_moderate_violations_passes(blank):
    blank.set_content(CLEAN_BUT_MODERATE)
    assert {v["impact"] for v in full_axe_run(blank)} == {"moderate"}
    blank.set_content(CLEAN_BUT_MODERATE)
    assert_accessible(blank)
