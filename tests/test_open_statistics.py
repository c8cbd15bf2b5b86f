"""Open statistics per 年度: counts anyone may read and download, never a figure that singles out a company."""

import csv
import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.urls import reverse

from core.jst import JST
from core.openstats import StatTable, publish

pytestmark = pytest.mark.django_db


def test_a_count_under_five_is_hidden_and_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    table = publish(StatTable("k", "s", "t", "件", [("a", 12), ("b", 3), ("c", 7), ("d", 0), ("e", 9)]))
    assert [c.text for c in table.cells] == ["12件", "5未満", "5未満", "0件", "9件"]
    assert [c.value for c in table.cells] == [12, None, None, 0, 9]
    assert table.chart_rows == [("a", 12), ("d", 0), ("e", 9)]  # a hidden bar's length would give it away
    two = publish(StatTable("k", "s", "t", "件", [("a", 1), ("b", 4), ("c", 50)]))
    assert [c.value for c in two.cells] == [None, None, 50]  # two hidden already: no need to hide a third
    single = publish(StatTable("k", "s", "t", "件", [("only", 4)]))
    assert [c.text for c in single.cells] == ["5未満"]
    assert [c.text for c in publish(StatTable("k", "s", "t", "名", [("x", 5)])).cells] == ["5名"]


def _cells(html: str) -> list[tuple[str, str]]:
    """(row label, shown value) of every statistics table on the page, in order."""
    return re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num" data-key="[^"]+">([^<]*)</td></tr>', html)


@pytest.fixture
def year_with_bookings():
    """FY2025 with 7, 6 and 2 consultations on three topics, and one a day after the year ended."""
    from consultations.models import Topic
    from consultations.tests.factories import BookingFactory

    for index in range(7):
        BookingFactory(start=dt.datetime(2025, 6, 3 + index, 10, tzinfo=JST), topics=[Topic.CURRENT_STATE])
    for index in range(6):
        BookingFactory(start=dt.datetime(2025, 9, 2 + index, 10, tzinfo=JST), topics=[Topic.SUPPLY_CHAIN])
    for index in range(2):
        BookingFactory(start=dt.datetime(2026, 3, 31, 9 + index, tzinfo=JST), topics=[Topic.SUBSIDY])
    BookingFactory(start=dt.datetime(2026, 4, 1, 9, tzinfo=JST), topics=[Topic.SUBSIDY])  # FY2026


@time_machine.travel(dt.datetime(2026, 12, 6, 23, 30, tzinfo=JST), tick=False)
def test_the_page_publishes_a_fiscal_year_and_no_count_under_five(client, year_with_bookings):
    assert client.get(reverse("open_statistics_latest")).url == reverse("open_statistics", args=[2025])
    response = client.get(reverse("open_statistics", args=[2025]))
    html = response.content.decode()
    assert response.status_code == 200 and "2025年度の統計" in html
    cells = _cells(html)
    assert ("相談", "15件") in cells  # 2025-04-01 00:00 to 2026-03-31 23:59 JST: the April booking is FY2026
    assert ("現状把握・情報収集", "7件") in cells and ("補助金", "5未満") in cells
    assert ("サプライチェーン対応", "5未満") in cells  # else 15 − 7 would give the hidden 2 away
    for _label, shown in cells:
        number = shown.rstrip("件回名").replace(",", "")
        assert not number.isdigit() or int(number) == 0 or int(number) >= 5, shown
    assert response["Cache-Control"].startswith("max-age=") and response.has_header("ETag")
    assert 0 < int(response["Cache-Control"].split("=")[1]) <= 600  # until the next count at 23:40 JST


@time_machine.travel(dt.datetime(2026, 12, 6, 0, 30, tzinfo=JST), tick=False)
def test_the_csv_and_the_json_say_exactly_what_the_page_says(client, year_with_bookings):
    html = client.get(reverse("open_statistics", args=[2025])).content.decode()
    page = _cells(html)
    body = client.get(reverse("open_statistics_csv", args=[2025])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["区分", "表", "項目", "値", "単位"]
    assert [
        (label, value if value == "5未満" else f"{int(value):,}{unit}") for _s, _t, label, value, unit in rows[1:]
    ] == page
    data = json.loads(client.get(reverse("open_statistics_json", args=[2025])).content)
    assert data["fiscal_year"] == 2025 and data["suppressed_below"] == 5
    assert [(c["label"], c["text"]) for t in data["tables"] for c in t["cells"]] == page
    assert all(c["value"] is None or c["value"] == 0 or c["value"] >= 5 for t in data["tables"] for c in t["cells"])


def test_an_unchanged_page_is_answered_304_and_a_year_outside_the_range_is_404(client):
    url = reverse("open_statistics", args=[2025])
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get(reverse("open_statistics", args=[2019])).status_code == 404
    assert client.get(reverse("open_statistics", args=[2099])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_page_reads_on_a_phone_and_passes_axe(live_server, page, axe, year_with_bookings):
    page.goto(live_server.url + reverse("open_statistics", args=[2025]))
    assert page.get_by_role("heading", level=1).inner_text() == "2025年度の統計"
    axe(page)
    page.get_by_role("link", name="2024年度").click()
    assert page.get_by_role("heading", level=1).inner_text() == "2024年度の統計"
    axe(page)


@time_machine.travel(dt.datetime(2026, 12, 6, 23, 30, tzinfo=JST), tick=False)
def test_the_english_page_reads_in_english_with_each_unit_apart_from_its_number(client, year_with_bookings):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("open_statistics", args=[2025])).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "FY2025 statistics" in main and "Counted at 6 Dec 2026, 23:30 (Japan time)" in main
    cells = _cells(main)
    assert ("Consultation", "15 consultations") in cells and ("Subsidies", "fewer than 5") in cells
    units = {re.sub(r"^[\d,]+", "", shown) for _label, shown in cells if shown[0].isdigit()}
    assert units == {" consultations", " cases", " items", " sheets", " sessions", " people"}, units
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", main), re.findall(r".{30}[\u3040-\u30ff\u4e00-\u9fff]+", main)
