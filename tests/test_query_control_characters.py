"""The bad-input check reads the raw query string first and parses it only when a control character may be in it
(core.middleware.ENCODED_CONTROL_CHARACTERS): every way such a character can arrive must still be refused, and
line breaks and tabs (which text may hold) must still pass."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

API = "/api/v1/consultations/windows"


@pytest.mark.parametrize(
    "query, field",
    [
        ("q=%1b", "q"),  # lower-case hex
        ("q=%1B%5B2J", "q"),  # an escape sequence
        ("q=%7F", "q"),  # DEL
        ("q=%7f", "q"),
        ("q=%00", "q"),
        ("%01name=1", "name"),  # in the name: named without the character
        ("a=1&b=ok&q=x%08", "q"),  # not the first parameter
    ],
)
def test_an_encoded_control_character_is_refused_naming_the_parameter(query, field):
    response = Client().get(f"{API}?{query}")
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_raw_control_character_in_the_query_string_is_refused():
    response = Client().get(API, QUERY_STRING="q=a\x1bb")
    assert response.status_code == 400
    assert response.json()["field"] == "q"


@pytest.mark.parametrize("query", ["q=a%0Ab", "q=a%0d%0ab", "q=a%09b", "q=%E6%9D%B1%E4%BA%AC", "q=100%25"])
def test_line_breaks_tabs_and_plain_text_pass(query):
    assert Client().get(f"{API}?{query}").status_code == 200


def test_a_page_refuses_in_japanese():
    response = Client().get("/seminars/?q=%7f")
    assert response.status_code == 400
    assert "制御文字" in response.content.decode()
