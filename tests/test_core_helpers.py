from decimal import Decimal

import pytest

from core.charts import bar_chart_svg
from core.csvexport import csv_response


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
