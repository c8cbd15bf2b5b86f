"""/developers/api/: the public API's reference as a portal page, read from the OpenAPI document ninja serves."""

import html
import re

import pytest

from config.api import api
from conftest import assert_no_sideways_scroll

pytestmark = pytest.mark.django_db


def operations() -> list[tuple[str, str]]:
    document = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict)
    ]


def rows(body: str, section: str) -> dict[str, list[str]]:
    """The table rows of one operation's section, by parameter name: the text of each cell."""
    part = body.split(f'id="{section}"', 1)[1].split("<section", 1)[0]
    found = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", part, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.split(r"</t[hd]>", row) if cell.strip()]
        found[cells[0]] = cells[1:]
    return found


def test_the_page_lists_every_operation_of_the_openapi_document_with_its_parameters(client):
    body = html.unescape(client.get("/developers/api/").content.decode())
    assert '<html lang="ja">' in body
    assert len(operations()) >= 9
    for method, path in operations():
        assert f"<code>{method} {path}</code>" in body, (method, path)
    # Parameters with their Japanese description, required or not, and type; the body of a POST, field by field.
    assert "期間の最終日（date_from から92日以内）" in body
    slots = rows(body, "get--api-v1-consultations-slots")
    assert slots["date_to"] == ["クエリ", "必須", "日付（YYYY-MM-DD）", "期間の最終日（date_from から92日以内）"]
    sbt = rows(body, "post--api-v1-selfcheck-sbt-sme")
    assert sbt["employees"][:2] == ["必須", "整数（0〜10,000,000）"]
    assert sbt["financial_or_oil_gas"] == [
        "任意",
        "true / false",
        "金融機関または石油・ガスのセクターである（必須の要件。null・省略は未回答で、満たすとはみなさない）",
    ]
    estimate = rows(body, "post--api-v1-selfcheck-estimate")
    assert estimate["fiscal_year"][1].startswith("整数（2000〜2100）")  # a year without a thousands separator
    assert estimate["electricity_kwh"][1] == "数値（0〜1,000,000,000,000）"  # a JSON number, never a string
    assert sbt["scope1_2_t"][1] == "数値（0〜1,000,000,000,000）"
    assert '数値の項目はJSONの数値（100、0.421）で送ってください。"100" のような文字列は' in body
    assert 'href="/api/v1/openapi.json"' in body and 'href="/api/v1/docs"' in body
    assert 'href="/api/v1/seminars"' in body  # a GET without required parameters can be opened as it is
    assert 'href="/api/v1/consultations/slots"' not in body  # one that needs parameters is not offered bare


def test_every_parameter_of_the_api_is_described_in_japanese():
    document = api.get_openapi_schema()
    missing = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                text = parameter.get("description") or parameter.get("schema", {}).get("description", "")
                if not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
                    missing.append((method, path, parameter["name"]))
    assert not missing, missing


def test_the_footer_leads_to_the_page_not_to_the_swagger_ui(client):
    body = client.get("/").content.decode()
    assert '<a href="/developers/api/">公開API</a>' in body


def test_the_page_reads_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = html.unescape(client.get("/developers/api/").content.decode())
    assert '<html lang="en">' in body and "Public API" in body and "Parameters" in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_passes_axe_and_fits_a_phone(live_server, page, axe):
    page.goto(live_server.url + "/developers/api/")
    axe(page)
    page.get_by_role("link", name="GET /api/v1/seminars セミナーの一覧").click()
    assert page.url.endswith("#get--api-v1-seminars")
    # In English the long paths in the headings are not broken as Japanese text is: they must wrap all the same.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + "/developers/api/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_no_sideways_scroll(page)
