"""Institutions invite member companies; a signed link leads to membership; companies can leave; the dashboard."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from core.models import MailOutbox
from institutions import services
from institutions.models import MemberInvitation, Membership
from selfcheck.tests.helpers import filled_sheet
from sharing import services as sharing_services
from sharing.models import Share, ShareAccess

pytestmark = pytest.mark.django_db


def _csv(text: str, encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("members.csv", text.encode(encoding), content_type="text/csv")


def _link(email: str) -> str:
    row = MailOutbox.objects.filter(to=[email]).latest("created_at")
    url = re.search(r"http://\S+/institutions/join/\S+/", row.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_csv_preview_lists_problems_and_nothing_is_sent_before_confirming(institution_client, institution_user):
    member = SmeUserFactory(email="member@example.jp")
    Membership.objects.create(institution=institution_user.institution, company=member.company)
    text = (
        "会社名,メールアドレス\r\nみどり製作所,midori@example.jp\r\n既存会員,member@example.jp\r\n壊れた行,broken\r\n"
    )
    response = institution_client.post("/institutions/import/", {"file": _csv(text, "cp932")})
    page = response.content.decode()
    assert response.status_code == 200 and "招待の確認" in page
    assert "3行目" in page and "すでに会員です" in page and "メールアドレスの形式が正しくありません" in page
    assert not MemberInvitation.objects.exists() and not MailOutbox.objects.exists()
    batch = re.search(r'name="batch" value="([^"]+)"', page).group(1)
    institution_client.post("/institutions/import/send/", {"batch": batch})
    assert list(MemberInvitation.objects.values_list("email", flat=True)) == ["midori@example.jp"]
    assert MailOutbox.objects.filter(to=["midori@example.jp"]).exists()
    assert institution_client.post("/institutions/import/send/", {"batch": batch}).status_code == 302  # used up
    assert MemberInvitation.objects.count() == 1


def test_a_bad_csv_is_refused_next_to_the_field_with_line_numbers(institution_client):
    body = "".join(f"会社{i},c{i}@example.jp\r\n" for i in range(501))
    response = institution_client.post("/institutions/import/", {"file": _csv("会社名,メールアドレス\r\n" + body)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_file_error"' in page and "502行目から502行目" in page
    response = institution_client.post("/institutions/import/", {"file": _csv("名前,電話\r\nA,1\r\n")})
    assert response.status_code == 400 and "1行目の見出し" in response.content.decode()
    assert not MemberInvitation.objects.exists()


def test_one_invitation_the_link_signup_and_joining_as_a_member(client, institution_user):
    client.force_login(institution_user)
    response = client.post(
        "/institutions/invite/",
        {"one-company_name": "あおば工業", "one-email": "Aoba@example.jp", "one-contact_name": ""},
    )
    assert response.status_code == 302
    link = _link("aoba@example.jp")
    client.logout()
    page = client.get(link).content.decode()
    assert institution_user.institution.name in page and "新規登録して参加する" in page
    company_user = SmeUserFactory(email="aoba@example.jp")
    client.force_login(company_user)
    assert client.get("/me/").status_code == 200 and "からの招待があります" in client.get("/me/").content.decode()
    client.post(link)
    membership = Membership.objects.get()
    assert (membership.institution, membership.company) == (institution_user.institution, company_user.company)
    again = client.post(link)
    assert again.status_code == 410 and "すでに使われています" in again.content.decode()
    assert Membership.objects.count() == 1


def test_the_inviting_staff_member_hears_when_the_company_joins_and_colleagues_if_they_left(client, institution_user):
    services.invitations_send(
        institution=institution_user.institution,
        rows=[services.Row(line=1, company_name="A社", email="a@example.jp")],
        user=institution_user,
    )
    colleague = InstitutionUserFactory(institution=institution_user.institution, email="colleague@example.jp")
    client.force_login(SmeUserFactory(email="a@example.jp"))
    with time_machine.travel(dt.datetime(2026, 4, 20, 23, 30, tzinfo=dt.UTC), tick=False):
        client.post(_link("a@example.jp"))
    invitation = MemberInvitation.objects.get()
    mail = MailOutbox.objects.get(key=f"institutions.invitation:{invitation.pk}:accepted")
    assert mail.to == [institution_user.email] and "が会員として参加しました" in mail.subject
    assert "2026年04月21日 08:30（日本時間）" in mail.body and "/institutions/" in mail.body
    # the inviter has left the institution: every remaining staff member is told instead
    institution_user.institution = None
    institution_user.save()
    services.invitations_send(
        institution=colleague.institution,
        rows=[services.Row(line=1, company_name="B社", email="b@example.jp")],
        user=colleague,
    )
    second = MemberInvitation.objects.get(email="b@example.jp")
    second.created_by = institution_user
    second.save()
    client.force_login(SmeUserFactory(email="b@example.jp"))
    client.post(_link("b@example.jp"))
    assert MailOutbox.objects.get(key=f"institutions.invitation:{second.pk}:accepted").to == ["colleague@example.jp"]


def test_forged_and_expired_invitation_links_change_nothing(client, institution_user):
    invitation = services.invitations_send(
        institution=institution_user.institution,
        rows=[services.Row(line=1, company_name="A社", email="a@example.jp")],
        user=institution_user,
    )[0]
    link = _link("a@example.jp")
    client.force_login(SmeUserFactory())
    assert client.post(link[:-3] + "x/").status_code == 404
    assert client.post("/institutions/join/nonsense/").status_code == 404
    with time_machine.travel(invitation.sent_at + dt.timedelta(days=14, minutes=1), tick=False):
        response = client.post(link)
    assert response.status_code == 410 and "有効期限" in response.content.decode()
    assert not Membership.objects.exists()


def test_a_resend_replaces_the_link_and_adds_14_days(institution_client, institution_user, client):
    invitation = services.invitations_send(
        institution=institution_user.institution,
        rows=[services.Row(line=1, company_name="A社", email="a@example.jp")],
        user=institution_user,
    )[0]
    old = _link("a@example.jp")
    institution_client.post(f"/institutions/invitations/{invitation.pk}/resend/")
    invitation.refresh_from_db()
    assert invitation.send_count == 2 and MailOutbox.objects.filter(to=["a@example.jp"]).count() == 2
    new = _link("a@example.jp")
    assert old != new
    other = client.__class__()
    other.force_login(SmeUserFactory())
    assert other.post(old).status_code == 404
    assert other.post(new).status_code == 302


def test_another_institution_cannot_resend_or_see_members(client, institution_user):
    invitation = services.invitations_send(
        institution=institution_user.institution,
        rows=[services.Row(line=1, company_name="A社", email="a@example.jp")],
        user=institution_user,
    )[0]
    member = SmeUserFactory()
    Membership.objects.create(institution=institution_user.institution, company=member.company)
    client.force_login(InstitutionUserFactory())
    assert client.post(f"/institutions/invitations/{invitation.pk}/resend/").status_code == 404
    assert member.company.name not in client.get("/institutions/").content.decode()
    client.force_login(SmeUserFactory())
    assert client.get("/institutions/").status_code == 403


def test_the_dashboard_shows_progress_for_all_members_and_co2_only_for_those_who_share(
    institution_client, institution_user
):
    from selfcheck.tests.helpers import factor_set_for_test_year

    factor_set_for_test_year(2025)
    sharing_member, quiet_member = SmeUserFactory(), SmeUserFactory()
    for user in (sharing_member, quiet_member):
        Membership.objects.create(institution=institution_user.institution, company=user.company)
        filled_sheet(user.company, fiscal_year=2026)
    filled_sheet(sharing_member.company, fiscal_year=2025)
    sharing_services.share_grant(
        company=sharing_member.company,
        kind="institution",
        institution=institution_user.institution,
        user=sharing_member,
    )
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        closed = institution_client.get("/institutions/").content.decode()
        assert "63.6" not in closed and "共有あり（数値は未表示）" in closed and not ShareAccess.objects.exists()
        assert institution_client.post("/institutions/figures/").status_code == 302
        page = institution_client.get("/institutions/").content.decode()
        body = institution_client.post("/institutions/members.csv").content
    assert sharing_member.company.name in page and quiet_member.company.name in page
    # the sharer's 2025 and 2026 figures and the total of sharers; nothing of the quiet member
    assert page.count("63.6") == 3 and "最新年度の合計 63.6 t-CO2" in page
    assert "共有なし" in page
    rows = {r[0]: r for r in csv.reader(io.StringIO(body.decode("utf-8-sig")))}
    assert body.startswith("\ufeff".encode())
    assert rows[sharing_member.company.name][2:9] == ["未", "済", "済", "済", "済", "2026", "63.6"]
    assert rows[quiet_member.company.name][6:9] == ["未", "", ""]


def test_a_company_that_leaves_is_gone_from_the_dashboard_and_its_shares_end(client, institution_user):
    member = SmeUserFactory()
    membership = Membership.objects.create(institution=institution_user.institution, company=member.company)
    sheet = filled_sheet(member.company)
    share = sharing_services.share_grant(
        company=member.company, kind="institution", institution=institution_user.institution, user=member
    )
    client.force_login(member)
    assert client.post(f"/institutions/memberships/{membership.pk}/leave/").status_code == 302
    membership.refresh_from_db()
    share.refresh_from_db()
    assert membership.left_at is not None and share.revoked_at is not None
    client.force_login(institution_user)
    assert member.company.name not in client.get("/institutions/").content.decode()
    assert client.get(f"/selfcheck/sheets/{sheet.pk}/report.pdf").status_code == 404
    assert not Share.objects.filter(revoked_at__isnull=True).exists()


def test_another_company_cannot_make_a_member_leave(client, institution_user):
    member = SmeUserFactory()
    membership = Membership.objects.create(institution=institution_user.institution, company=member.company)
    client.force_login(SmeUserFactory())
    assert client.post(f"/institutions/memberships/{membership.pk}/leave/").status_code == 404
    membership.refresh_from_db()
    assert membership.left_at is None


def test_the_dashboard_get_writes_nothing_and_opening_the_figures_logs_once_a_day(institution_client, institution_user):
    """A GET never writes: reloads leave the companies' logs alone; the figures open with a POST, logged once a day;
    the CSV export is a POST logged each time."""
    from selfcheck.tests.helpers import factor_set_for_test_year
    from sharing.models import AccessAction

    factor_set_for_test_year(2025)
    member = SmeUserFactory()
    Membership.objects.create(institution=institution_user.institution, company=member.company)
    filled_sheet(member.company, fiscal_year=2026)
    sharing_services.share_grant(
        company=member.company, kind="institution", institution=institution_user.institution, user=member
    )
    jst = dt.timezone(dt.timedelta(hours=9))
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=jst), tick=False):
        for _ in range(5):
            assert institution_client.get("/institutions/").status_code == 200
        assert not ShareAccess.objects.exists()
        assert institution_client.get("/institutions/members.csv").status_code == 405
        for _ in range(3):
            institution_client.post("/institutions/figures/")
        assert ShareAccess.objects.filter(action=AccessAction.LIST).count() == 1
        assert "63.6" in institution_client.get("/institutions/").content.decode()
        institution_client.post("/institutions/members.csv")
        institution_client.post("/institutions/members.csv")
        assert ShareAccess.objects.filter(action=AccessAction.CSV).count() == 2
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, tzinfo=jst), tick=False):
        assert "63.6" not in institution_client.get("/institutions/").content.decode()  # a new day: open again
