"""The privacy notice and the terms carry what a public body's notice must: the operator (from settings, marked as
demo values in the demo), purposes and retention per data item, the processors, how to ask for disclosure,
correction or suspension under the 個人情報保護法, and the dates; the retention periods are the ones enforced."""

import html
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(client, name: str) -> str:
    body = client.get(reverse(name)).content.decode()
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_notice_names_the_operator_from_settings_and_says_the_demo_values_are_demo(client, settings):
    text = _text(client, "privacy")
    for value in (settings.OPERATOR_NAME, settings.OPERATOR_ADDRESS, settings.OPERATOR_PHONE,
                  settings.OPERATOR_PRIVACY_EMAIL, settings.OPERATOR_PRIVACY_OFFICER):  # fmt: skip
        assert value in text
    assert "デモ用の値で、実在の窓口ではありません" in text
    settings.OPERATOR_NAME = "独立行政法人 テスト機構"
    settings.OPERATOR_ADDRESS = "〒100-0001 東京都千代田区千代田1-1"
    settings.OPERATOR_PHONE = "03-1234-5678"
    settings.OPERATOR_PRIVACY_EMAIL = "privacy@test.go.jp"
    settings.OPERATOR_PRIVACY_OFFICER = "総務部長"
    settings.OPERATOR_HOSTING = "テストクラウド株式会社"
    settings.OPERATOR_MAIL_PROVIDER = "テストメール株式会社"
    for name in ("privacy", "terms"):
        text = _text(client, name)
        assert "独立行政法人 テスト機構" in text and "privacy@test.go.jp" in text and "デモ用の値" not in text
    assert "テストクラウド株式会社" in _text(client, "privacy") and "03-1234-5678" in _text(client, "privacy")


def test_the_notice_gives_purpose_and_retention_per_item_including_the_exact_sbt_figures(client, settings):
    text = _text(client, "privacy")
    assert "中小企業版SBTの判定のために入力した正確な売上高と総資産の金額" in text
    assert "中小企業版SBTの対象となる規模かどうかの判定だけに使います" in text
    # the periods the notice states are the ones core.retention enforces (tests/test_retention.py)
    assert f"{settings.MAIL_BODY_RETENTION_DAYS}日" in text and f"{settings.MAIL_RECORD_RETENTION_DAYS}日" in text
    assert f"{settings.SESSION_COOKIE_AGE // 86400}日で期限が切れ" in text
    assert "削除しても残るものと、その理由" in text and "公的な支援の実績として件数を報告するため" in text
    assert (
        "取り扱いを委託する先" in text and settings.OPERATOR_HOSTING in text and settings.OPERATOR_MAIL_PROVIDER in text
    )


def test_the_notice_says_how_to_ask_for_disclosure_correction_or_suspension(client):
    text = _text(client, "privacy")
    assert "個人情報の保護に関する法律（個人情報保護法）" in text
    for right in ("開示", "訂正（追加・削除を含む）", "利用の停止（消去・提供の停止を含む）"):
        assert right in text
    assert "求めを受けた日から30日以内" in text and "本人確認書類" in text


@pytest.mark.parametrize("name", ["privacy", "terms"])
def test_both_pages_carry_their_dates(client, name):
    text = _text(client, name)
    assert "制定日・改定日" in text and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 制定", text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["privacy", "terms"])
def test_the_notice_and_terms_pass_axe_and_fit_a_phone(page, live_server, axe, name):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + reverse(name))
        axe(page)
