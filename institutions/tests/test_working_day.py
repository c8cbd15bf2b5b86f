"""An institution's working day (issue 26): a refused upload says so at the top, a member list of hundreds has
search, sort and paging, and a company joining from an invitation starts from what the invitation knew."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from accounts.tests.factories import CompanyFactory, SmeUserFactory
from institutions.models import MemberInvitation, Membership
from institutions.selectors import MEMBER_PAGE_SIZE

pytestmark = pytest.mark.django_db


def euc_jp_600_rows() -> bytes:
    lines = ["会社名,メールアドレス,担当者名"] + [
        f"テスト工業{i}株式会社,t{i}@example.jp,山田 太郎" for i in range(600)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("euc_jp")


def test_a_refused_upload_is_summarised_at_the_top_of_the_page_with_focus_and_a_link_to_the_field(institution_client):
    upload = SimpleUploadedFile("members.csv", euc_jp_600_rows(), content_type="text/csv")
    response = institution_client.post("/institutions/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus>.*?</div>', page, re.S)
    assert summary, "no focused error summary"
    assert page.index(summary.group(0)) < page.index('id="members-title"')  # above everything else on the page
    assert 'href="#id_file"' in summary.group(0) and "文字コードを読み取れません" in summary.group(0)
    assert 'id="id_file_error"' in page  # and still next to the field
    assert page.count('class="error-summary"') == 1
    assert not MemberInvitation.objects.exists()


def test_a_refused_single_invitation_is_summarised_at_the_top_too(institution_client):
    response = institution_client.post("/institutions/invite/", {"one-company_name": "", "one-email": "broken"})
    page = response.content.decode()
    assert response.status_code == 400 and "autofocus" in page
    assert 'href="#id_one-company_name"' in page and 'href="#id_one-email"' in page


def _members(institution, n: int) -> list[Membership]:
    return [
        Membership.objects.create(institution=institution, company=CompanyFactory(name=f"会員{i:03d}工業"))
        for i in range(n)
    ]


def test_three_hundred_members_are_paged_fifty_at_a_time_and_searched_by_name(institution_client, institution_user):
    _members(institution_user.institution, 300)
    Membership.objects.create(institution=institution_user.institution, company=CompanyFactory(name="ＡＢＣ商事"))
    page = institution_client.get("/institutions/").content.decode()
    assert page.count('<tr><th scope="row">') == MEMBER_PAGE_SIZE
    assert "会員企業 301社" in page and "1 / 7 ページ" in page and "会員000工業" in page and "会員050工業" not in page
    second = institution_client.get("/institutions/?page=2").content.decode()
    assert "会員050工業" in second and "会員000工業" not in second and "51〜100社目" in second
    found = institution_client.get("/institutions/?q=abc").content.decode()  # half-width finds full-width
    assert "301社のうち 1社が見つかりました" in found and "ＡＢＣ商事" in found
    paged = institution_client.get("/institutions/?q=会員1&page=2").content.decode()
    assert "301社のうち 100社が見つかりました" in paged and "会員150工業" in paged
    assert 'href="?q=%E4%BC%9A%E5%93%A11&amp;page=1#members"' in paged  # the search is kept in the page links
    none = institution_client.get("/institutions/?q=存在しない").content.decode()
    assert "該当する会員企業はありません" in none
    # Totals stay those of every member, whatever the search.
    assert "<dd>301社</dd>" in none


def test_members_sort_by_joining_date_and_bad_parameters_are_answered_not_failed(institution_client, institution_user):
    first, *_rest, last = _members(institution_user.institution, 60)
    newest = institution_client.get("/institutions/?sort=joined").content.decode()
    assert newest.index(last.company.name) < newest.index("会員058工業")
    assert first.company.name not in newest  # the oldest is on page 2
    bad = institution_client.get("/institutions/?sort=nonsense&page=abc&q=" + "x" * 150)
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "並び順を一覧から選んでください。" in text and "会員000工業" in text


def test_joining_from_an_invitation_prefills_the_address_and_the_company_name(client, institution_user):
    client.force_login(institution_user)
    client.post("/institutions/invite/", {"one-company_name": "あおば工業株式会社", "one-email": "aoba@example.jp"})
    from core.models import MailOutbox

    url = re.search(r"http://\S+/institutions/join/\S+/", MailOutbox.objects.get(to=["aoba@example.jp"]).body).group(0)
    link = "/" + url.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    page = client.get(link).content.decode()
    signup = re.search(r'href="(/accounts/signup/\?email=[^"]+)"', page).group(1)
    assert 'value="aoba@example.jp"' in client.get(signup).content.decode()
    user = User.objects.create_user(email="aoba@example.jp", password="aoba-pass-2026")
    client.force_login(user)
    form = client.get("/me/company/").content.decode()
    assert re.search(r'<input[^>]*name="name"[^>]*value="あおば工業株式会社"', form), form
    # A company that already has a profile keeps its own name.
    other = SmeUserFactory()
    client.force_login(other)
    client.get(link)
    assert "あおば工業株式会社" not in client.get("/me/company/").content.decode()
