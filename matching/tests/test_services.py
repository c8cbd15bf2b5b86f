import base64
import datetime as dt
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from icalendar import Calendar

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory, StaffUserFactory, UserFactory
from core.jst import JST
from core.models import MailOutbox
from matching import selectors, services
from matching.models import (
    Attachment,
    AuditAction,
    AuditEvent,
    BuyerMember,
    Meeting,
    MeetingStatus,
    MemberStatus,
    Need,
    NeedStatus,
    Proposal,
    ProposalStatus,
)
from matching.services import NotAllowed

from .conftest import NOW, make_desk_user
from .factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, BuyerMemberFactory, NeedFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def need_data(**overrides):
    data = {
        "title": "物流倉庫の省エネ照明",
        "theme": "energy_saving",
        "summary": "倉庫の照明をLEDに替える提案を募集します。",
        "sought": "高天井用のLED照明と人感センサー",
        "conditions": "全国20拠点",
        "region": "nationwide",
        "deadline": dt.date(2026, 12, 20),
    }
    return {**data, **overrides}


def propose(user, need, **overrides):
    data = {"offer": "高天井用LED", "fit": "消費電力を6割削減した実績", "files": ()}
    return services.proposal_create(user=user, need_id=need.pk, **{**data, **overrides})


# --- buyers ------------------------------------------------------------------------------------------------------


def test_an_applicant_cannot_post_a_need_until_smrj_approves_them(frozen):
    user = UserFactory()
    member = services.buyer_member_apply(
        user=user,
        buyer_name="みなと住設販売株式会社",
        profile="大手住宅用設備機器卸売・小売業",
        industry="wholesale",
        prefecture="tokyo",
        department="環境推進部",
    )
    assert member.status == MemberStatus.PENDING
    with pytest.raises(NotAllowed):
        services.need_create(user=user, **need_data())
    assert not Need.objects.exists()
    assert MailOutbox.objects.filter(key__startswith=f"matching.member:{member.pk}:applied").exists()

    desk = make_desk_user()
    services.buyer_member_approve(member_id=member.pk, actor=desk)
    need = services.need_create(user=user, **need_data())
    assert need.status == NeedStatus.IN_REVIEW and need.buyer.name == "みなと住設販売株式会社"


def test_approval_is_audited_with_the_acting_staff_member_and_mails_the_applicant():
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    desk = make_desk_user()
    services.buyer_member_approve(member_id=member.pk, actor=desk)
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_APPROVED)
    assert event.actor == desk and event.member_id == member.pk and event.buyer_id == member.buyer_id
    member.refresh_from_db()
    assert member.decided_by == desk and member.decided_at is not None
    mail = MailOutbox.objects.get(key__startswith=f"matching.member:{member.pk}:approved")
    assert mail.to == [member.user.email]


def test_staff_outside_the_matching_desk_cannot_approve_buyer_staff():
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    with pytest.raises(NotAllowed):
        services.buyer_member_approve(member_id=member.pk, actor=StaffUserFactory())
    member.refresh_from_db()
    assert member.status == MemberStatus.PENDING
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_APPROVED).exists()


def test_a_rejection_needs_a_reason_and_only_pending_members_can_be_rejected():
    member = BuyerMemberFactory(status=MemberStatus.PENDING, decided_at=None)
    desk = make_desk_user()
    with pytest.raises(services.ApplicationError) as info:
        services.buyer_member_reject(member_id=member.pk, actor=desk, note="  ")
    assert info.value.field == "note"
    services.buyer_member_reject(member_id=member.pk, actor=desk, note="在籍を確認できませんでした。")
    with pytest.raises(services.ApplicationError):
        services.buyer_member_approve(member_id=member.pk, actor=desk)
    assert BuyerMember.objects.get(pk=member.pk).status == MemberStatus.REJECTED


def test_revoking_an_approval_stops_the_member_from_posting():
    member = BuyerMemberFactory()
    services.buyer_member_revoke(member_id=member.pk, actor=make_desk_user(), note="退職")
    with pytest.raises(NotAllowed):
        services.need_create(user=member.user, **need_data(deadline=dt.date(2099, 1, 1)))
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_REVOKED, member=member).exists()


@pytest.mark.parametrize("factory", [SmeUserFactory, InstitutionUserFactory, StaffUserFactory])
def test_sme_institution_and_staff_accounts_cannot_apply_as_buyer_staff(factory):
    with pytest.raises(NotAllowed):
        services.buyer_member_apply(
            user=factory(), buyer_name="X", profile="X", industry="other", prefecture="tokyo", department="X"
        )
    assert not BuyerMember.objects.exists()


# --- needs -------------------------------------------------------------------------------------------------------


def test_a_need_under_review_is_seen_only_by_its_buyer_and_the_desk(frozen, buyer_user):
    need = services.need_create(user=buyer_user, **need_data())
    assert need not in selectors.need_search()
    assert selectors.need_visible(pk=need.pk, user=SmeUserFactory()) is None
    assert selectors.need_visible(pk=need.pk, user=BuyerMemberFactory().user) is None
    assert selectors.need_visible(pk=need.pk, user=buyer_user) == need
    assert selectors.need_visible(pk=need.pk, user=make_desk_user()) == need


def test_publishing_records_the_reviewer_and_the_fiscal_year_of_the_day_in_japan(time_machine, buyer_user):
    # 2027-03-31 16:00 UTC is already 1 April in Japan: fiscal year 2027.
    time_machine.move_to(dt.datetime(2027, 3, 31, 16, 0, tzinfo=dt.UTC), tick=False)
    need = services.need_create(user=buyer_user, **need_data(deadline=dt.date(2027, 5, 1)))
    desk = make_desk_user()
    need = services.need_publish(need_id=need.pk, actor=desk)
    assert need.status == NeedStatus.PUBLISHED and need.fiscal_year == 2027 and need.reviewed_by == desk
    assert AuditEvent.objects.filter(action=AuditAction.NEED_PUBLISHED, need=need, actor=desk).exists()
    assert MailOutbox.objects.get(key=f"matching.need:{need.pk}:published").to == [buyer_user.email]


def test_a_returned_need_carries_the_reason_and_goes_back_to_review_when_edited(frozen, buyer_user):
    need = services.need_create(user=buyer_user, **need_data())
    desk = make_desk_user()
    with pytest.raises(services.ApplicationError):
        services.need_return(need_id=need.pk, actor=desk, note="")
    need = services.need_return(need_id=need.pk, actor=desk, note="社名が概要に含まれています。")
    assert need.status == NeedStatus.RETURNED
    with pytest.raises(services.ApplicationError):
        services.need_publish(need_id=need.pk, actor=desk)
    need = services.need_update(user=buyer_user, need_id=need.pk, **need_data(summary="倉庫照明のLED化"))
    assert need.status == NeedStatus.IN_REVIEW
    assert MailOutbox.objects.filter(key__startswith=f"matching.need:{need.pk}:submitted").count() == 2


def test_another_buyer_cannot_edit_a_need(frozen, buyer_user):
    need = services.need_create(user=buyer_user, **need_data())
    with pytest.raises(NotAllowed):
        services.need_update(user=BuyerMemberFactory().user, need_id=need.pk, **need_data(title="乗っ取り"))
    assert Need.objects.get(pk=need.pk).title == "物流倉庫の省エネ照明"


def test_a_deadline_today_or_in_the_past_is_refused(frozen, buyer_user):
    for deadline in (dt.date(2026, 11, 24), dt.date(2026, 1, 1)):
        with pytest.raises(services.ApplicationError) as info:
            services.need_create(user=buyer_user, **need_data(deadline=deadline))
        assert info.value.field == "deadline"
    assert not Need.objects.exists()


# --- search ------------------------------------------------------------------------------------------------------


def test_search_finds_japanese_substrings_and_full_or_half_width_variants(frozen):
    glass = NeedFactory(title="窓用遮熱シートの導入", summary="夏の空調負荷を下げたい")
    led = NeedFactory(title="倉庫のLED照明", summary="高天井用")
    other = NeedFactory(title="太陽光発電の屋根貸し", summary="自家消費型")
    assert list(selectors.need_search(q="遮熱")) == [glass]
    assert list(selectors.need_search(q="ＬＥＤ")) == [led]
    assert list(selectors.need_search(q="ｼｰﾄ")) == [glass]
    assert list(selectors.need_search(q="空調　シート")) == [glass]  # a full-width space separates words
    assert other not in selectors.need_search(q="照明")


def test_filters_by_theme_region_and_deadline_and_a_region_includes_nationwide_needs(frozen):
    chubu = NeedFactory(theme="renewables", region="chubu", deadline=dt.date(2026, 12, 5))
    nationwide = NeedFactory(theme="renewables", region="nationwide", deadline=dt.date(2027, 1, 20))
    kinki = NeedFactory(theme="logistics", region="kinki", deadline=dt.date(2026, 12, 1))
    assert set(selectors.need_search(region="chubu")) == {chubu, nationwide}
    assert set(selectors.need_search(theme="logistics")) == {kinki}
    assert set(selectors.need_search(deadline_by=dt.date(2026, 12, 10))) == {chubu, kinki}


def test_a_need_stays_listed_through_its_deadline_day_in_japan(time_machine):
    need = NeedFactory(deadline=dt.date(2026, 12, 1))
    time_machine.move_to(dt.datetime(2026, 12, 1, 23, 59, tzinfo=JST), tick=False)
    assert need in selectors.need_search()
    time_machine.move_to(dt.datetime(2026, 12, 2, 0, 0, tzinfo=JST), tick=False)
    assert need not in selectors.need_search()
    assert need in selectors.need_search(include_closed=True)


# --- proposals ---------------------------------------------------------------------------------------------------


def test_a_company_proposes_once_per_need_and_a_second_proposal_is_refused(frozen, buyer_member):
    need = NeedFactory(buyer=buyer_member.buyer)
    sme = SmeUserFactory()
    colleague = SmeUserFactory(company=sme.company)
    propose(sme, need)
    with pytest.raises(services.ApplicationError) as info:
        propose(colleague, need, files=[SimpleUploadedFile("a.pdf", PDF_BYTES)])
    assert info.value.code == "duplicate"
    assert Proposal.objects.filter(need=need).count() == 1
    assert not Attachment.objects.exists()
    (mail,) = MailOutbox.objects.filter(key__startswith="matching.proposal:")
    assert mail.to == [buyer_member.user.email]


@pytest.mark.django_db(transaction=True)
def test_two_colleagues_proposing_at_the_same_moment_give_exactly_one_proposal():
    need = NeedFactory()
    first = SmeUserFactory()
    second = SmeUserFactory(company=first.company)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            propose(user, need)
            outcomes.append("ok")
        except services.ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate", "ok"]
    assert Proposal.objects.filter(need=need).count() == 1


def test_proposals_close_at_midnight_japan_time_after_the_deadline_day(time_machine):
    need = NeedFactory(deadline=dt.date(2026, 12, 1))
    time_machine.move_to(dt.datetime(2026, 12, 1, 23, 59, 59, tzinfo=JST), tick=False)
    propose(SmeUserFactory(), need)
    time_machine.move_to(dt.datetime(2026, 12, 2, 0, 0, tzinfo=JST), tick=False)
    with pytest.raises(services.ApplicationError) as info:
        propose(SmeUserFactory(), need)
    assert info.value.code == "closed"
    assert Proposal.objects.count() == 1


def test_a_proposal_is_editable_until_the_deadline_and_not_after(time_machine):
    need = NeedFactory(deadline=dt.date(2026, 12, 1))
    time_machine.move_to(dt.datetime(2026, 11, 30, 12, 0, tzinfo=JST), tick=False)
    sme = SmeUserFactory()
    proposal = propose(sme, need)
    services.proposal_update(user=sme, proposal_id=proposal.pk, offer="改良版LED", fit="更に省エネ")
    time_machine.move_to(dt.datetime(2026, 12, 2, 0, 0, 1, tzinfo=JST), tick=False)
    with pytest.raises(services.ApplicationError) as info:
        services.proposal_update(user=sme, proposal_id=proposal.pk, offer="締切後の変更", fit="x")
    assert info.value.code == "closed"
    assert Proposal.objects.get(pk=proposal.pk).offer == "改良版LED"


def test_another_sme_cannot_edit_or_see_a_proposal(frozen):
    proposal = ProposalFactory()
    stranger = SmeUserFactory()
    with pytest.raises(NotAllowed):
        services.proposal_update(user=stranger, proposal_id=proposal.pk, offer="x", fit="y")
    assert selectors.proposal_for_user(pk=proposal.pk, user=stranger) is None


def test_attachments_are_checked_by_content_not_by_name(frozen):
    need = NeedFactory()
    sme = SmeUserFactory()
    fake = SimpleUploadedFile("catalogue.pdf", b"MZ\x90\x00 this is a windows program", content_type="application/pdf")
    with pytest.raises(services.ApplicationError) as info:
        propose(sme, need, files=[fake])
    assert info.value.field == "attachments" and "catalogue.pdf" in info.value.message
    renamed = SimpleUploadedFile("photo.png", PDF_BYTES, content_type="image/png")
    with pytest.raises(services.ApplicationError):
        propose(sme, need, files=[renamed])
    assert not Proposal.objects.exists() and not Attachment.objects.exists()


def test_an_oversized_attachment_is_refused_and_nothing_is_saved(frozen, settings, _private_media):
    settings.MATCHING_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n")
    with pytest.raises(services.ApplicationError) as info:
        propose(SmeUserFactory(), NeedFactory(), files=[big])
    assert "大きすぎます" in info.value.message
    assert not Proposal.objects.exists()
    assert not [p for p in Path(_private_media).rglob("*") if p.is_file()]


def test_attachments_are_stored_privately_under_a_random_name(frozen, settings, _private_media):
    files = [
        SimpleUploadedFile("../../カタログ.pdf", PDF_BYTES),
        SimpleUploadedFile("写真.png", PNG_BYTES),
        SimpleUploadedFile("現場.JPG", JPEG_BYTES),
    ]
    proposal = propose(SmeUserFactory(), NeedFactory(), files=files)
    stored = list(proposal.attachments.all())
    assert [a.content_type for a in stored] == ["application/pdf", "image/png", "image/jpeg"]
    assert stored[0].original_name == "カタログ.pdf"
    for item in stored:
        path = Path(item.file.path)
        assert path.is_file() and path.is_relative_to(Path(_private_media))
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
        assert "カタログ" not in path.name


def test_at_most_five_attachments_per_proposal(frozen):
    sme = SmeUserFactory()
    proposal = propose(sme, NeedFactory(), files=[SimpleUploadedFile(f"{i}.pdf", PDF_BYTES) for i in range(5)])
    with pytest.raises(services.ApplicationError):
        services.proposal_update(
            user=sme, proposal_id=proposal.pk, offer="x", fit="y", files=[SimpleUploadedFile("6.pdf", PDF_BYTES)]
        )
    first = proposal.attachments.first()
    services.proposal_update(
        user=sme,
        proposal_id=proposal.pk,
        offer="x",
        fit="y",
        files=[SimpleUploadedFile("6.pdf", PDF_BYTES)],
        remove_ids=[first.pk],
    )
    assert proposal.attachments.count() == 5 and not proposal.attachments.filter(pk=first.pk).exists()


def test_the_self_check_level_travels_only_when_the_sme_chooses(frozen):
    from selfcheck import services as selfcheck_services
    from selfcheck.models import Sheet

    sme = SmeUserFactory()
    need = NeedFactory()
    with pytest.raises(services.ApplicationError) as info:
        propose(sme, need, share_selfcheck=True)
    assert info.value.field == "share_selfcheck"
    sheet = selfcheck_services.sheet_create(fiscal_year=2026, company=sme.company)
    Sheet.objects.filter(pk=sheet.pk).update(level=3)
    proposal = propose(sme, need, share_selfcheck=False)
    assert proposal.selfcheck_level is None
    proposal = services.proposal_update(user=sme, proposal_id=proposal.pk, offer="x", fit="y", share_selfcheck=True)
    assert (proposal.selfcheck_level, proposal.selfcheck_fiscal_year) == (3, 2026)


@pytest.mark.parametrize("kind", ["buyer", "institution", "staff"])
def test_only_sme_accounts_can_propose(frozen, kind):
    user = {
        "buyer": lambda: BuyerMemberFactory().user,
        "institution": InstitutionUserFactory,
        "staff": StaffUserFactory,
    }[kind]()
    with pytest.raises(NotAllowed):
        propose(user, NeedFactory())
    assert not Proposal.objects.exists()


# --- buyer review ------------------------------------------------------------------------------------------------


def test_only_allowed_transitions_happen(frozen):
    member = BuyerMemberFactory()
    proposal = ProposalFactory(need=NeedFactory(buyer=member.buyer))
    user = member.user
    with pytest.raises(services.ApplicationError):
        services.proposal_record_outcome(user=user, proposal_id=proposal.pk, outcome="deal")
    services.proposal_shortlist(user=user, proposal_id=proposal.pk)
    with pytest.raises(services.ApplicationError):
        services.proposal_shortlist(user=user, proposal_id=proposal.pk)
    services.proposal_decline(user=user, proposal_id=proposal.pk, reason="今回は数量が合いませんでした。")
    for action in (
        lambda: services.proposal_shortlist(user=user, proposal_id=proposal.pk),
        lambda: services.meeting_request(
            user=user, proposal_id=proposal.pk, times=[NOW + dt.timedelta(days=3)], mode="online"
        ),
    ):
        with pytest.raises(services.ApplicationError) as info:
            action()
        assert info.value.code == "transition"
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.DECLINED
    assert not Meeting.objects.exists()


def test_a_decline_needs_a_reason_and_tells_the_sme_kindly(frozen):
    member = BuyerMemberFactory()
    proposal = ProposalFactory(need=NeedFactory(buyer=member.buyer))
    with pytest.raises(services.ApplicationError) as info:
        services.proposal_decline(user=member.user, proposal_id=proposal.pk, reason="")
    assert info.value.field == "reason"
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED
    services.proposal_decline(user=member.user, proposal_id=proposal.pk, reason="必要な数量が確保できないため。")
    mail = MailOutbox.objects.get(key=f"matching.proposal:{proposal.pk}:declined")
    assert mail.to == [proposal.submitted_by.email]
    assert "ありがとうございました" in mail.body and "必要な数量が確保できないため。" in mail.body


def test_another_buyer_cannot_review_a_proposal(frozen):
    proposal = ProposalFactory()
    outsider = BuyerMemberFactory().user
    with pytest.raises(NotAllowed):
        services.proposal_shortlist(user=outsider, proposal_id=proposal.pk)
    with pytest.raises(NotAllowed):
        services.proposal_decline(user=outsider, proposal_id=proposal.pk, reason="他社の提案を見送る")
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED
    assert selectors.proposal_for_user(pk=proposal.pk, user=outsider) is None


def test_an_accepted_meeting_sends_an_ics_to_both_sides(frozen):
    member = BuyerMemberFactory()
    proposal = ProposalFactory(need=NeedFactory(buyer=member.buyer))
    times = [dt.datetime(2026, 12, 3, 14, 0, tzinfo=JST), dt.datetime(2026, 12, 4, 10, 0, tzinfo=JST)]
    meeting = services.meeting_request(
        user=member.user, proposal_id=proposal.pk, times=times, mode="online", location="https://meet.example.jp/x"
    )
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.MEETING_REQUESTED
    assert MailOutbox.objects.get(key=f"matching.meeting:{meeting.pk}:requested").to == [proposal.submitted_by.email]
    with pytest.raises(NotAllowed):
        services.meeting_accept(user=SmeUserFactory(), meeting_id=meeting.pk, slot_id=meeting.slots.first().pk)
    slot = meeting.slots.get(starts_at=times[1])
    services.meeting_accept(user=proposal.submitted_by, meeting_id=meeting.pk, slot_id=slot.pk)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.MEETING_SET and proposal.meeting_agreed_at == NOW
    sme_mail = MailOutbox.objects.get(key=f"matching.meeting:{meeting.pk}:accepted:sme")
    buyer_mail = MailOutbox.objects.get(key=f"matching.meeting:{meeting.pk}:accepted:buyer")
    assert sme_mail.to == [proposal.submitted_by.email] and buyer_mail.to == [member.user.email]
    for mail in (sme_mail, buyer_mail):
        assert "2026年12月04日 10:00" in mail.body
        (attachment,) = mail.attachments
        assert attachment["mimetype"] == "text/calendar"
        event = Calendar.from_ical(base64.b64decode(attachment["content"])).walk("VEVENT")[0]
        assert event.decoded("dtstart") == times[1]
        assert event.decoded("dtend") == times[1] + dt.timedelta(minutes=60)
        assert str(event["location"]) == "https://meet.example.jp/x"


def test_meeting_times_must_be_in_the_future_and_at_most_three(frozen):
    member = BuyerMemberFactory()
    proposal = ProposalFactory(need=NeedFactory(buyer=member.buyer))
    for times in ([NOW - dt.timedelta(hours=1)], [NOW + dt.timedelta(days=d) for d in range(1, 5)], []):
        with pytest.raises(services.ApplicationError):
            services.meeting_request(user=member.user, proposal_id=proposal.pk, times=times, mode="online")
    assert not Meeting.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


def test_when_no_time_fits_the_proposal_goes_back_to_the_candidates_and_can_be_asked_again(frozen):
    member = BuyerMemberFactory()
    proposal = ProposalFactory(need=NeedFactory(buyer=member.buyer))
    first = services.meeting_request(
        user=member.user, proposal_id=proposal.pk, times=[NOW + dt.timedelta(days=2)], mode="onsite"
    )
    services.meeting_decline(user=proposal.submitted_by, meeting_id=first.pk, note="来月なら可能です")
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SHORTLISTED
    assert Meeting.objects.get(pk=first.pk).status == MeetingStatus.DECLINED
    second = services.meeting_request(
        user=member.user, proposal_id=proposal.pk, times=[NOW + dt.timedelta(days=30)], mode="onsite"
    )
    services.meeting_accept(user=proposal.submitted_by, meeting_id=second.pk, slot_id=second.slots.get().pk)
    services.proposal_record_outcome(user=member.user, proposal_id=proposal.pk, outcome="deal", note="試験導入")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.outcome) == (ProposalStatus.CLOSED, "deal")


# --- weekly digest -----------------------------------------------------------------------------------------------


def test_the_weekly_digest_goes_once_per_user_and_week_with_last_weeks_needs_in_followed_themes(time_machine):
    follower = SmeUserFactory()
    services.theme_follows_set(user=follower, themes=["energy_saving", "logistics"])
    bystander = SmeUserFactory()
    services.theme_follows_set(user=bystander, themes=["renewables"])
    last_week = dt.datetime(2026, 11, 18, 9, 0, tzinfo=JST)  # Wednesday of the week before 2026-11-23
    hit = NeedFactory(title="冷凍倉庫の省エネ", theme="energy_saving", published_at=last_week)
    NeedFactory(title="別テーマ", theme="materials", published_at=last_week)
    NeedFactory(title="先々週のニーズ", theme="energy_saving", published_at=last_week - dt.timedelta(days=7))
    NeedFactory(title="今週のニーズ", theme="logistics", published_at=dt.datetime(2026, 11, 23, 0, 30, tzinfo=JST))

    time_machine.move_to(dt.datetime(2026, 11, 23, 8, 0, tzinfo=JST), tick=False)
    assert services.digest_send_weekly() == 1
    assert services.digest_send_weekly() == 0  # beat fired twice, or a retry: still one mail
    (mail,) = MailOutbox.objects.filter(key__startswith="matching.digest:")
    assert mail.key == f"matching.digest:{follower.pk}:2026-W47" and mail.to == [follower.email]
    assert hit.title in mail.body
    assert "別テーマ" not in mail.body and "先々週" not in mail.body and "今週のニーズ" not in mail.body

    time_machine.move_to(dt.datetime(2026, 11, 30, 8, 0, tzinfo=JST), tick=False)
    assert services.digest_send_weekly() == 1
    assert MailOutbox.objects.filter(key=f"matching.digest:{follower.pk}:2026-W48").exists()


def test_following_unknown_themes_is_refused(frozen):
    user = SmeUserFactory()
    with pytest.raises(services.ApplicationError):
        services.theme_follows_set(user=user, themes=["energy_saving", "nuclear"])
    assert selectors.followed_themes(user=user) == []


# --- statistics --------------------------------------------------------------------------------------------------


def test_statistics_count_buyers_needs_proposals_and_negotiations_per_fiscal_year(time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 1, 10, 0, tzinfo=JST), tick=False)
    a, b = BuyerMemberFactory(), BuyerMemberFactory()
    march = NeedFactory(buyer=a.buyer, published_at=dt.datetime(2026, 3, 31, 23, 0, tzinfo=JST))
    april = NeedFactory(buyer=a.buyer, published_at=dt.datetime(2026, 4, 1, 0, 30, tzinfo=JST))
    april_b = NeedFactory(buyer=b.buyer, published_at=dt.datetime(2026, 4, 2, 9, 0, tzinfo=JST))
    NeedFactory(buyer=b.buyer, status=NeedStatus.IN_REVIEW, published_at=None, fiscal_year=None)
    sme1, sme2 = SmeUserFactory(), SmeUserFactory()
    ProposalFactory(need=march, submitted_by=sme1)
    p1 = ProposalFactory(need=april, submitted_by=sme1)
    ProposalFactory(need=april, submitted_by=sme2)
    p3 = ProposalFactory(need=april_b, submitted_by=sme1)
    for proposal, member in ((p1, a), (p3, b)):
        meeting = services.meeting_request(
            user=member.user, proposal_id=proposal.pk, times=[dt.datetime(2026, 5, 8, 10, 0, tzinfo=JST)], mode="online"
        )
        services.meeting_accept(user=sme1, meeting_id=meeting.pk, slot_id=meeting.slots.get().pk)

    rows = {r.fiscal_year: r for r in selectors.statistics_by_fiscal_year()}
    assert set(rows) == {2025, 2026}
    assert (rows[2025].buyers, rows[2025].needs, rows[2025].proposals, rows[2025].negotiations) == (1, 1, 1, 0)
    fy26 = rows[2026]
    assert (fy26.buyers, fy26.needs, fy26.proposals, fy26.proposing_smes) == (2, 2, 3, 2)
    assert (fy26.negotiations, fy26.negotiating_firms) == (2, 1)


def test_the_source_figures_for_fy2021_and_fy2022_are_loaded_as_quoted():
    rows = {r.fiscal_year: r for r in selectors.source_rows()}
    fy21, fy22 = rows[2021], rows[2022]
    assert (fy21.buyers, fy21.needs, fy21.proposals, fy21.proposing_smes) == (23, 62, 788, 535)
    assert (fy21.negotiations, fy21.negotiating_firms) == (162, 129)
    assert (fy22.buyers, fy22.needs, fy22.proposals, fy22.proposing_smes) == (31, 88, 1100, 523)
    assert fy22.negotiations is None and fy22.negotiating_firms is None
    assert all("中小機構" in r.source for r in rows.values())
