import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory, StaffUserFactory, UserFactory
from core.jst import JST
from matching import services
from matching.models import AuditAction, AuditEvent, BuyerMember, MemberStatus, Need, NeedStatus, Proposal

from .conftest import NOW, make_desk_user
from .factories import PDF_BYTES, BuyerMemberFactory, NeedFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(frozen):
    """One buyer's need with one SME's proposal (with a PDF) and a meeting agreed, plus everybody else."""
    owner = BuyerMemberFactory()
    need = NeedFactory(buyer=owner.buyer, title="倉庫の遮熱対策", sought="屋根用の遮熱塗料（社外秘の仕様）")
    proposer = SmeUserFactory()
    proposal = services.proposal_create(
        user=proposer,
        need_id=need.pk,
        offer="遮熱塗料",
        fit="屋根の表面温度を15度下げた実績",
        files=[SimpleUploadedFile("catalogue.pdf", PDF_BYTES)],
    )
    meeting = services.meeting_request(
        user=owner.user, proposal_id=proposal.pk, times=[NOW + dt.timedelta(days=3)], mode="online"
    )
    services.meeting_accept(user=proposer, meeting_id=meeting.pk, slot_id=meeting.slots.get().pk)
    return {
        "need": need,
        "proposal": proposal,
        "attachment": proposal.attachments.get(),
        "meeting": meeting,
        "owner": owner.user,
        "proposer": proposer,
        "colleague": SmeUserFactory(company=proposer.company),
        "other_buyer": BuyerMemberFactory().user,
        "other_sme": SmeUserFactory(),
        "institution": InstitutionUserFactory(),
        "plain_staff": StaffUserFactory(),
        "desk": make_desk_user(),
    }


READ_URLS = {
    "proposal": lambda s: f"/matching/proposals/{s['proposal'].pk}/",
    "attachment": lambda s: f"/matching/attachments/{s['attachment'].pk}/",
    "ics": lambda s: f"/matching/meetings/{s['meeting'].pk}/meeting.ics",
}
ALLOWED = {"owner", "proposer", "colleague", "desk"}
OUTSIDERS = ["other_buyer", "other_sme", "institution", "plain_staff"]


@pytest.mark.parametrize("url", READ_URLS)
@pytest.mark.parametrize("who", sorted(ALLOWED) + OUTSIDERS)
def test_a_proposal_its_attachment_and_its_meeting_are_seen_only_by_the_buyer_the_proposer_and_the_desk(
    client, scene, url, who
):
    client.force_login(scene[who])
    response = client.get(READ_URLS[url](scene))
    assert response.status_code == (200 if who in ALLOWED else 404)


@pytest.mark.parametrize("url", READ_URLS)
def test_anonymous_visitors_are_sent_to_log_in_for_proposals_files_and_meetings(client, scene, url):
    response = client.get(READ_URLS[url](scene))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_attachment_is_served_as_a_download_with_its_checked_type(client, scene):
    client.force_login(scene["owner"])
    response = client.get(READ_URLS["attachment"](scene))
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment;") and "catalogue.pdf" in response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["other_buyer", "other_sme", "proposer", "institution"])
def test_only_the_owning_buyer_can_shortlist_decline_or_ask_for_a_meeting(client, scene, who):
    proposal = ProposalFactory(need=scene["need"])
    client.force_login(scene[who])
    for path in ("shortlist", "decline", "meeting", "outcome"):
        response = client.post(f"/matching/proposals/{proposal.pk}/{path}/", {"reason": "理由を書きました"})
        assert response.status_code in (403, 404)
    assert Proposal.objects.get(pk=proposal.pk).status == "submitted"


def test_another_buyer_cannot_open_the_proposal_list_of_a_need(client, scene):
    client.force_login(scene["other_buyer"])
    assert client.get(f"/matching/buyer/needs/{scene['need'].pk}/").status_code == 404
    client.force_login(scene["owner"])
    body = client.get(f"/matching/buyer/needs/{scene['need'].pk}/").content.decode()
    assert scene["proposer"].company.name in body


def test_the_buyer_sees_the_company_profile_and_the_sme_sees_its_own_view(client, scene):
    client.force_login(scene["owner"])
    body = client.get(READ_URLS["proposal"](scene)).content.decode()
    company = scene["proposer"].company
    assert company.name in body and company.get_industry_display() in body and "検討候補にする" not in body
    client.force_login(scene["proposer"])
    body = client.get(READ_URLS["proposal"](scene)).content.decode()
    assert "自社の提案" in body and "見送る" not in body


def test_the_public_summary_leaves_the_details_and_the_buyer_name_to_logged_in_smes(client, scene):
    need = scene["need"]
    body = client.get(f"/matching/needs/{need.pk}/").content.decode()
    assert need.title in body and need.summary in body
    assert "社外秘の仕様" not in body and need.buyer.name not in body
    client.force_login(scene["other_sme"])
    body = client.get(f"/matching/needs/{need.pk}/").content.decode()
    assert "社外秘の仕様" in body and need.buyer.name in body
    client.force_login(scene["other_buyer"])
    assert "社外秘の仕様" not in client.get(f"/matching/needs/{need.pk}/").content.decode()


def test_a_need_under_review_is_not_found_by_smes(client, frozen):
    need = NeedFactory(status=NeedStatus.IN_REVIEW, published_at=None, fiscal_year=None)
    client.force_login(SmeUserFactory())
    assert client.get(f"/matching/needs/{need.pk}/").status_code == 404
    assert client.get(f"/matching/needs/{need.pk}/propose/").status_code == 404


def test_the_need_list_searches_japanese_substrings_and_refuses_a_bad_date_politely(client, frozen):
    NeedFactory(title="窓用遮熱シートの提案募集")
    NeedFactory(title="EV充電設備の導入")
    body = client.get("/matching/", {"q": "遮熱"}).content.decode()
    assert "窓用遮熱シート" in body and "EV充電" not in body
    response = client.get("/matching/", {"deadline_by": "来週"})
    assert response.status_code == 200
    assert "日付は 2026-12-31 の形で入力してください。" in response.content.decode()


def test_the_need_list_runs_a_constant_number_of_queries(client, frozen, django_assert_max_num_queries):
    for _ in range(2):
        NeedFactory()
    with django_assert_max_num_queries(8) as small:
        client.get("/matching/")
    for _ in range(15):
        NeedFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/matching/").status_code == 200


def test_the_proposal_list_of_a_need_runs_a_constant_number_of_queries(client, scene, django_assert_max_num_queries):
    client.force_login(scene["owner"])
    url = f"/matching/buyer/needs/{scene['need'].pk}/"
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for _ in range(6):
        ProposalFactory(need=scene["need"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_an_unapproved_buyer_cannot_post_a_need(client, frozen):
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    client.force_login(member.user)
    data = {
        "title": "申請中の投稿",
        "theme": "energy_saving",
        "summary": "概要",
        "sought": "求めるもの",
        "region": "nationwide",
        "deadline": "2026-12-20",
    }
    response = client.post("/matching/buyer/needs/new/", data)
    assert response.status_code == 403
    assert "中小機構で確認中" in response.content.decode()
    client.force_login(SmeUserFactory())
    assert client.post("/matching/buyer/needs/new/", data).status_code == 403
    assert not Need.objects.exists()


def test_an_approved_buyer_posts_a_need_and_a_bad_deadline_is_shown_next_to_the_field(client, buyer_user, frozen):
    client.force_login(buyer_user)
    data = {
        "title": "物流拠点の太陽光",
        "theme": "renewables",
        "summary": "屋根置き太陽光の提案を募集",
        "sought": "PPAモデル",
        "region": "kanto",
        "deadline": "2026-11-01",
    }
    response = client.post("/matching/buyer/needs/new/", data)
    assert response.status_code == 200
    assert "締切日は明日以降の日付にしてください。" in response.content.decode()
    assert not Need.objects.exists()
    response = client.post("/matching/buyer/needs/new/", {**data, "deadline": "2026-12-20"})
    need = Need.objects.get()
    assert response.status_code == 302 and need.status == NeedStatus.IN_REVIEW


def test_a_proposal_with_a_disguised_file_is_refused_next_to_the_field_and_nothing_is_saved(client, frozen):
    need = NeedFactory()
    client.force_login(SmeUserFactory())
    response = client.post(
        f"/matching/needs/{need.pk}/propose/",
        {
            "offer": "遮熱塗料",
            "fit": "実績あり",
            "attachments": SimpleUploadedFile("spec.pdf", b"<script>alert(1)</script>"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "「spec.pdf」はPDFとして読み取れません" in body and 'aria-invalid="true"' in body
    assert not Proposal.objects.exists()


def test_an_oversized_file_is_refused_by_the_page(client, frozen, settings):
    settings.MATCHING_ATTACHMENT_MAX_BYTES = 100
    need = NeedFactory()
    client.force_login(SmeUserFactory())
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF")
    response = client.post(f"/matching/needs/{need.pk}/propose/", {"offer": "a", "fit": "b", "attachments": big})
    assert "大きすぎます" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_second_proposal_from_the_same_company_leads_to_the_first(client, scene):
    client.force_login(scene["colleague"])
    response = client.get(f"/matching/needs/{scene['need'].pk}/propose/")
    assert response["Location"] == f"/matching/proposals/{scene['proposal'].pk}/"
    response = client.post(f"/matching/needs/{scene['need'].pk}/propose/", {"offer": "二件目", "fit": "二件目"})
    assert response.status_code == 302
    assert Proposal.objects.filter(need=scene["need"]).count() == 1


def test_a_proposal_after_the_deadline_is_refused(client, time_machine):
    need = NeedFactory(deadline=dt.date(2026, 12, 1))
    time_machine.move_to(dt.datetime(2026, 12, 2, 0, 0, 1, tzinfo=JST), tick=False)
    client.force_login(SmeUserFactory())
    response = client.post(f"/matching/needs/{need.pk}/propose/", {"offer": "遅れた提案", "fit": "x"}, follow=True)
    assert "提案締切を過ぎました" in response.content.decode()
    assert not Proposal.objects.exists()


def test_an_sme_without_a_company_profile_is_asked_for_it_before_proposing(client, frozen):
    need = NeedFactory()
    client.force_login(UserFactory())
    response = client.get(f"/matching/needs/{need.pk}/propose/")
    assert response["Location"] == "/me/company/"


def test_the_review_page_is_for_the_matching_desk_only_and_publishes_through_the_service(client, frozen):
    need = NeedFactory(status=NeedStatus.IN_REVIEW, published_at=None, fiscal_year=None, title="審査待ちのニーズ")
    for user in (StaffUserFactory(), SmeUserFactory(), BuyerMemberFactory(buyer=need.buyer).user):
        client.force_login(user)
        assert client.get("/matching/staff/review/").status_code == 403
        assert client.post(f"/matching/staff/review/{need.pk}/").status_code == 403
    desk = make_desk_user()
    client.force_login(desk)
    assert "審査待ちのニーズ" in client.get("/matching/staff/review/").content.decode()
    client.post(f"/matching/staff/review/{need.pk}/", {"action": "return", "note": ""})
    assert Need.objects.get(pk=need.pk).status == NeedStatus.IN_REVIEW  # a return needs a reason
    client.post(f"/matching/staff/review/{need.pk}/", {"action": "publish"})
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED and need.reviewed_by == desk


def test_desk_pages_send_staff_without_a_second_factor_to_enrol(client, frozen):
    client.force_login(make_desk_user(second_factor=False))
    for url in ("/matching/staff/review/", "/matching/staff/statistics/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/", url


def test_statistics_page_and_csv_show_portal_and_source_rows(client, scene):
    for user in ("plain_staff", "owner", "proposer"):
        client.force_login(scene[user])
        assert client.get("/matching/staff/statistics/").status_code == 403
    client.force_login(scene["desk"])
    body = client.get("/matching/staff/statistics/").content.decode()
    assert "788" in body and "1,100" in body and "<svg" in body and "出典" in body
    response = client.get("/matching/staff/statistics.csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff年度,区分,大手企業（社）,ニーズ（件）,提案（件）")
    lines = text.splitlines()
    assert any(line.startswith("2021,出典,23,62,788,535,162,129,中小機構") for line in lines)
    assert any(line.startswith("2022,出典,31,88,1100,523,,,") for line in lines)
    assert "2026,ポータル実績,1,1,1,1,1,1,," in lines


def test_theme_follows_are_saved_from_the_page(client, frozen):
    user = SmeUserFactory()
    client.force_login(user)
    client.post("/matching/themes/", {"themes": ["logistics", "measurement"]})
    assert sorted(user.matching_follows.values_list("theme", flat=True)) == ["logistics", "measurement"]
    client.post("/matching/themes/", {"themes": ["nuclear"]})
    assert user.matching_follows.count() == 2


def test_a_person_applies_as_buyer_staff_from_the_site(client, frozen):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/matching/buyer/")["Location"] == "/matching/buyer/apply/"
    response = client.post(
        "/matching/buyer/apply/",
        {
            "buyer_name": "さくら物流株式会社",
            "profile": "大手物流業",
            "industry": "transport",
            "prefecture": "osaka",
            "department": "環境部",
        },
    )
    assert response.status_code == 302
    assert BuyerMember.objects.get(user=user).status == MemberStatus.PENDING
    assert "中小機構で確認後" in client.get("/matching/buyer/").content.decode()


def test_the_admin_approves_buyer_staff_through_the_audited_service(client, frozen):
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    desk = make_desk_user()
    client.force_login(desk)
    response = client.post(
        "/admin/matching/buyermember/", {"action": "approve", "_selected_action": [member.pk]}, follow=True
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.status == MemberStatus.APPROVED and member.decided_by == desk
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_APPROVED, actor=desk, member=member).exists()


def test_the_admin_asks_for_a_reason_before_rejecting(client, frozen):
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    client.force_login(make_desk_user())
    response = client.post("/admin/matching/buyermember/", {"action": "reject", "_selected_action": [member.pk]})
    assert "不承認にする理由" in response.content.decode()
    assert BuyerMember.objects.get(pk=member.pk).status == MemberStatus.PENDING
    client.post(
        "/admin/matching/buyermember/",
        {"action": "reject", "_selected_action": [member.pk], "apply": "1", "note": "在籍が確認できません"},
    )
    assert BuyerMember.objects.get(pk=member.pk).status == MemberStatus.REJECTED


def test_staff_without_the_desk_permission_cannot_approve_in_the_admin(client, frozen):
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    client.force_login(StaffUserFactory(is_superuser=False))
    client.post("/admin/matching/buyermember/", {"action": "approve", "_selected_action": [member.pk]})
    assert BuyerMember.objects.get(pk=member.pk).status == MemberStatus.PENDING


def test_the_api_lists_published_needs_without_the_details(client, scene):
    NeedFactory(status=NeedStatus.IN_REVIEW, published_at=None, fiscal_year=None, title="非公開")
    data = client.get("/api/v1/matching/needs").json()
    assert [n["title"] for n in data] == ["倉庫の遮熱対策"]
    assert "sought" not in data[0] and scene["need"].buyer.name not in str(data)
    assert client.get("/api/v1/matching/needs", {"q": "遮熱"}).json()[0]["id"] == scene["need"].pk
    response = client.get("/api/v1/matching/needs", {"region": "atlantis"})
    assert response.status_code == 400 and response.json()["field"] == "region"
    response = client.get("/api/v1/matching/needs", {"theme": "nuclear"})
    assert response.status_code == 400 and response.json()["field"] == "theme"
    assert "/api/v1/matching/needs" in client.get("/api/v1/openapi.json").json()["paths"]


def test_the_admin_pages_of_the_matching_desk_open(client, scene):
    client.force_login(scene["desk"])
    member = BuyerMember.objects.get(user=scene["owner"])
    for path in (
        "buyer/",
        f"buyer/{scene['need'].buyer_id}/change/",
        "buyermember/",
        f"buyermember/{member.pk}/change/",
        "need/",
        f"need/{scene['need'].pk}/change/",
        "proposal/",
        f"proposal/{scene['proposal'].pk}/change/",
        "auditevent/",
        "sourcefigure/",
    ):
        assert client.get(f"/admin/matching/{path}").status_code == 200, path


@pytest.mark.parametrize(
    "path",
    [
        "/matching/buyer/",
        "/matching/buyer/needs/new/",
        "/matching/proposals/",
        "/matching/themes/",
        "/matching/staff/review/",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in_for_member_pages(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_weekly_digest_is_scheduled_by_beat_on_monday_morning(settings):
    from matching.tasks import matching_weekly_digest

    entry = settings.CELERY_BEAT_SCHEDULE["matching-weekly-digest"]
    assert entry["task"] == matching_weekly_digest.name
    assert entry["schedule"].day_of_week == {1} and entry["schedule"].hour == {8}


def test_the_admin_publishes_and_sends_back_needs_through_the_services(client, frozen):
    desk = make_desk_user()
    first, second = (NeedFactory(status=NeedStatus.IN_REVIEW, published_at=None, fiscal_year=None) for _ in range(2))
    client.force_login(desk)
    client.post("/admin/matching/need/", {"action": "publish", "_selected_action": [first.pk]})
    client.post(
        "/admin/matching/need/",
        {"action": "send_back", "_selected_action": [second.pk], "apply": "1", "note": "社名を概要から外してください"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == NeedStatus.PUBLISHED and first.reviewed_by == desk
    assert second.status == NeedStatus.RETURNED and second.review_note == "社名を概要から外してください"
    assert AuditEvent.objects.filter(actor=desk, action=AuditAction.NEED_PUBLISHED, need=first).exists()
    assert AuditEvent.objects.filter(actor=desk, action=AuditAction.NEED_RETURNED, need=second).exists()


def test_buyer_staff_land_on_their_page_not_on_the_company_profile_form(client, buyer_user):
    assert not buyer_user.needs_company_profile
    client.force_login(buyer_user)
    response = client.get("/me/")
    assert "/me/company/" not in response.get("Location", "")
