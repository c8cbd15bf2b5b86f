"""The 知る pages (issue 14, finding 9): policy facts with their documents, public links, privacy, terms, contact."""

import re

import pytest
from django.urls import reverse

from core.views import KNOW_SOURCES

pytestmark = pytest.mark.django_db


def _facts(body: str) -> list[str]:
    """The top-level items of every fact list (a nested list of criteria belongs to the item around it)."""
    body = re.sub(r'<div class="two-lists">.*?</ol></div>\s*</div>', "", body, flags=re.S)
    lists = re.findall(r'<ul class="fact-list">(.*?)</ul>', body, flags=re.S)
    return [item for block in lists for item in re.split(r"</li>\s*<li>", block)]


def test_policy_page_names_the_source_document_next_to_every_fact(client):
    body = client.get(reverse("know")).content.decode()
    facts = _facts(body)
    assert len(facts) >= 12
    for fact in facts:
        assert '<span class="cite">（出典: ' in fact, fact[:80]
    for source in KNOW_SOURCES.values():
        assert str(source["name"]) in body and str(source["date"]) in body


@pytest.mark.parametrize(
    "text",
    [
        "2030年度に温室効果ガスの排出を2013年度より46％減らし",
        "2050年までにカーボンニュートラル",
        "GX（グリーントランスフォーメーション）",
        "2026年度から",
        "排出量取引制度の本格稼働",
        "2028年度から",
        "「炭素に対する賦課金」の導入",
        "2033年度から",
        "「有償オークション」の段階的な導入",
        "2020年の7.7％から2022年には15.4％",
        "SBTイニシアチブ（SBTi）",
        "RE100の中小企業版",
        "従業員が250人未満（パートタイマーを含む）",
    ],
)
def test_policy_page_covers_targets_gx_carbon_pricing_sbt_re_action_and_supply_chain(client, text):
    assert text in client.get(reverse("know")).content.decode()


def test_policy_page_links_to_smrj_and_jnet21_as_the_sources_spell_them(client):
    body = client.get(reverse("know")).content.decode()
    assert 'href="https://www.smrj.go.jp/"' in body
    # reference/000 gives j-net21 first and jnet21 only in brackets
    assert 'href="https://j-net21.smrj.go.jp/special/chusho_sdgs/carbonneutral/index.html"' in body


def test_esodan_is_described_as_the_source_does_without_a_link_no_source_gives(client):
    body = client.get(reverse("know")).content.decode()
    start = body.index("<strong>E-SODAN</strong>")
    item = body[start : body.index("</li>", start)]
    assert "「SDGsに対応したAIチャットボットによる経営相談サービス」" in item
    assert "（出典: 中小機構「中小機構のカーボンニュートラルに係る取組みについて」）" in item
    assert "資料にE-SODANのアドレスは載っていない" in item
    assert 'href="https://www.smrj.go.jp/"' in item
    assert "e-sodan.smrj.go.jp" not in body.lower()
    assert "イーソダン" not in body


def test_every_page_links_the_know_privacy_terms_and_contact_pages(client):
    body = client.get(reverse("home")).content.decode()
    for name in ("know", "privacy", "terms", "contact"):
        assert f'href="{reverse(name)}"' in body
    nav = body[body.index('class="site-nav"') : body.index("</nav>", body.index('class="site-nav"'))]
    assert f'href="{reverse("know")}"' in nav


def test_privacy_notice_says_what_is_stored_who_sees_a_shared_sheet_and_how_to_delete(client):
    body = client.get(reverse("privacy")).content.decode()
    assert "預かる情報と使いみち、保存する期間" in body and "セルフチェック" in body and "CN相談" in body
    assert "あなたが共有を選んだ相手にだけ見えます" in body
    assert "共有先がいつ、何を見たか" in body
    assert "いつでも取り消せます" in body
    assert "アカウントとデータを消すには" in body and "「アカウントの削除」" in body


def test_terms_and_contact_pages_answer(client, settings):
    assert "利用規約" in client.get(reverse("terms")).content.decode()
    contact = client.get(reverse("contact")).content.decode()
    assert settings.DESK_EMAIL in contact
    assert "092-263-0300" in contact and "中小機構 九州本部「中小機構のカーボンニュートラル支援」" in contact


def test_dashboard_links_to_closing_the_account(client, sme_user):
    client.force_login(sme_user)
    assert f'href="{reverse("accounts:close")}"' in client.get(reverse("accounts:dashboard")).content.decode()
