import datetime as dt
from decimal import Decimal

import pytest

from core.charts import bar_chart_svg
from core.csvexport import csv_response
from core.jst import current_fiscal_year, fiscal_year_of


def test_bar_chart_escapes_labels_and_keeps_one_decimal_for_measured_values():
    svg = str(bar_chart_svg([("<電気>", Decimal("77.0")), ("LPG", Decimal("9.3"))], title="CO2", unit="t"))
    assert "&lt;電気&gt;" in svg and "<電気>" not in svg
    assert "77.0t" in svg and "9.3t" in svg
    assert 'role="img"' in svg and "<title>CO2：&lt;電気&gt; 77.0t、LPG 9.3t</title>" in svg


def test_a_chart_in_words_names_every_bar_and_says_when_there_is_no_data():
    svg = str(bar_chart_svg([("電気", Decimal("1.5")), ("A重油", 12)], title='CO2 "排出"', unit="t"))
    assert 'aria-label="CO2 &quot;排出&quot;：電気 1.5t、A重油 12t"' in svg
    assert "<title>CO2：データなし</title>" in str(bar_chart_svg([], title="CO2"))


def test_csv_downloads_start_with_a_bom_for_excel():
    response = csv_response(filename="x.csv", header=["会社", "年度"], rows=[["みどり精工", 2025]])
    assert response.content.startswith("\ufeff".encode())
    assert response.content.decode("utf-8-sig").splitlines() == ["会社,年度", "みどり精工,2025"]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


@pytest.mark.parametrize("site", ["https://cn.example.jp", "https://cn.example.jp/"])
def test_absolute_url_joins_site_and_path_with_one_slash(settings, site):
    from core.site import absolute_url

    settings.SITE_URL = site
    assert absolute_url("/seminars/1/") == "https://cn.example.jp/seminars/1/"
    assert absolute_url() == "https://cn.example.jp"


def test_the_fiscal_year_turns_on_the_first_of_april_in_japan(time_machine):
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026
    # 00:30 on 1 April in Japan is still 31 March in UTC.
    time_machine.move_to(dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC), tick=False)
    assert current_fiscal_year() == 2026
