"""CN business matching: every write, its rules, its audit row and its mails."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.choices import Industry, Prefecture
from core.desk import desk_allows
from core.errors import ApplicationError
from core.ics import CalendarEvent, calendar_bytes
from core.jst import JA_DATE, JA_DATETIME, fiscal_year_of, format_jst, jst_date, jst_today, to_jst
from core.mail import Attachment as MailAttachment
from core.mail import outbox_enqueue
from core.site import absolute_url

from . import selectors
from .files import attachment_check
from .models import (
    REGION_CHOICES,
    Attachment,
    AuditAction,
    AuditEvent,
    Buyer,
    BuyerMember,
    Meeting,
    MeetingMode,
    MeetingSlot,
    MeetingStatus,
    MemberStatus,
    Need,
    NeedStatus,
    Outcome,
    Proposal,
    ProposalStatus,
    Theme,
    ThemeFollow,
)
from .roles import APPROVE_BUYER_MEMBERS, REVIEW_NEEDS

MAX_MEETING_TIMES = 3
MAX_DEADLINE_DAYS = 366


class NotAllowed(ApplicationError):
    """The person may not do this at all (the views answer 403), as opposed to a correctable input error."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="forbidden")


# --- transitions -------------------------------------------------------------------------------------------------

# The only moves a proposal can make; every service that changes a proposal's status goes through _move.
TRANSITIONS: dict[str, set[str]] = {
    ProposalStatus.SUBMITTED: {ProposalStatus.SHORTLISTED, ProposalStatus.DECLINED, ProposalStatus.MEETING_REQUESTED},
    ProposalStatus.SHORTLISTED: {ProposalStatus.DECLINED, ProposalStatus.MEETING_REQUESTED},
    ProposalStatus.MEETING_REQUESTED: {
        ProposalStatus.MEETING_SET,
        ProposalStatus.SHORTLISTED,
        ProposalStatus.DECLINED,
    },
    ProposalStatus.MEETING_SET: {ProposalStatus.CLOSED},
    ProposalStatus.CLOSED: set(),
    ProposalStatus.DECLINED: set(),
}


def can_move(proposal: Proposal, to: str) -> bool:
    return to in TRANSITIONS[proposal.status]


def _move(proposal: Proposal, to: str) -> None:
    if not can_move(proposal, to):
        raise ApplicationError(
            _("この提案は「%(now)s」のため、「%(to)s」にはできません。")
            % {"now": proposal.get_status_display(), "to": ProposalStatus(to).label},
            code="transition",
        )
    proposal.status = to


# --- buyers and their staff --------------------------------------------------------------------------------------


def _audit(*, actor, action: str, buyer=None, member=None, need=None, note: str = "") -> AuditEvent:
    return AuditEvent.objects.create(actor=actor, action=action, buyer=buyer, member=member, need=need, note=note)


def buyer_member_apply(
    *,
    user: User,
    buyer_name: str,
    profile: str,
    industry: str,
    prefecture: str,
    website: str = "",
    department: str,
    job_title: str = "",
) -> BuyerMember:
    """A logged-in person asks to act for a large company; SMRJ staff decide in the admin."""
    if user.is_staff or user.company_id or user.institution_id:
        raise NotAllowed(
            _(
                "中小企業・支援機関・中小機構のアカウントでは、大手企業の担当者として申請できません。別のアカウントをお使いください。"
            )
        )
    buyer_name = buyer_name.strip()
    if not buyer_name:
        raise ApplicationError(_("企業名を入力してください。"), field="buyer_name")
    if industry not in Industry.values:
        raise ApplicationError(_("業種を選んでください。"), field="industry")
    if prefecture not in Prefecture.values:
        raise ApplicationError(_("本社所在地を選んでください。"), field="prefecture")
    with transaction.atomic():
        existing = BuyerMember.objects.select_for_update().filter(user=user).first()
        if existing and existing.status in (MemberStatus.PENDING, MemberStatus.APPROVED):
            raise ApplicationError(_("すでに申請済みです。中小機構の確認をお待ちください。"))
        buyer, _created = Buyer.objects.get_or_create(
            name=buyer_name,
            defaults={"profile": profile, "industry": industry, "prefecture": prefecture, "website": website},
        )
        if existing:
            existing.buyer = buyer
            existing.department = department
            existing.job_title = job_title
            existing.status = MemberStatus.PENDING
            existing.decided_by = None
            existing.decided_at = None
            existing.decision_note = ""
            existing.save()
            member = existing
        else:
            member = BuyerMember.objects.create(
                user=user, buyer=buyer, department=department, job_title=job_title, status=MemberStatus.PENDING
            )
        event = _audit(actor=user, action=AuditAction.MEMBER_APPLIED, buyer=buyer, member=member)
        _mail(
            key=f"matching.member:{member.pk}:applied:{event.pk}",
            to=[settings.DESK_EMAIL],
            template="member_applied",
            subject=_("大手企業の担当者の登録申請：%(buyer)s") % {"buyer": buyer.name},
            context={"member": member, "buyer": buyer, "user": user},
        )
    return member


def _require_perm(actor: User, perm: str) -> None:
    if not desk_allows(actor, perm):  # the one desk rule (core.desk): the permission and an authenticator app
        raise NotAllowed(_("この操作には中小機構のビジネスマッチング担当の権限が必要です。"))


def _member_decide(*, member_id: int, actor: User, to: str, allowed_from: Sequence[str], action: str, note: str):
    _require_perm(actor, APPROVE_BUYER_MEMBERS)
    with transaction.atomic():
        member = BuyerMember.objects.select_for_update().select_related("buyer", "user").get(pk=member_id)
        if member.status not in allowed_from:
            raise ApplicationError(
                _("この担当者は「%(status)s」のため、この操作はできません。") % {"status": member.get_status_display()}
            )
        member.status = to
        member.decided_by = actor
        member.decided_at = timezone.now()
        member.decision_note = note
        member.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        event = _audit(actor=actor, action=action, buyer=member.buyer, member=member, note=note)
        _mail(
            key=f"matching.member:{member.pk}:{to}:{event.pk}",
            to=[member.user.email],
            template=f"member_{to}",
            subject={
                MemberStatus.APPROVED: _("大手企業の担当者として承認しました"),
                MemberStatus.REJECTED: _("大手企業の担当者の登録申請について"),
                MemberStatus.REVOKED: _("大手企業の担当者の承認を取り消しました"),
            }[to],
            context={"member": member, "buyer": member.buyer, "note": note},
        )
    return member


def buyer_member_approve(*, member_id: int, actor: User) -> BuyerMember:
    """SMRJ staff confirm that a person acts for the buyer; they may then post needs and read proposals."""
    return _member_decide(
        member_id=member_id,
        actor=actor,
        to=MemberStatus.APPROVED,
        allowed_from=[MemberStatus.PENDING],
        action=AuditAction.MEMBER_APPROVED,
        note="",
    )


def buyer_member_reject(*, member_id: int, actor: User, note: str) -> BuyerMember:
    """SMRJ staff turn an application down, with a reason the applicant is told."""
    if not note.strip():
        raise ApplicationError(_("不承認の理由を入力してください。"), field="note")
    return _member_decide(
        member_id=member_id,
        actor=actor,
        to=MemberStatus.REJECTED,
        allowed_from=[MemberStatus.PENDING],
        action=AuditAction.MEMBER_REJECTED,
        note=note.strip(),
    )


def buyer_member_revoke(*, member_id: int, actor: User, note: str) -> BuyerMember:
    """SMRJ staff withdraw an approval (the person left the company, or misused the portal)."""
    if not note.strip():
        raise ApplicationError(_("取り消しの理由を入力してください。"), field="note")
    return _member_decide(
        member_id=member_id,
        actor=actor,
        to=MemberStatus.REVOKED,
        allowed_from=[MemberStatus.APPROVED],
        action=AuditAction.MEMBER_REVOKED,
        note=note.strip(),
    )


# --- needs -------------------------------------------------------------------------------------------------------


def _approved_buyer(user: User) -> Buyer:
    buyer = selectors.buyer_of(user)
    if buyer is None:
        raise NotAllowed(_("ニーズを登録できるのは、中小機構が承認した大手企業の担当者だけです。"))
    return buyer


def _need_fields_check(*, theme: str, region: str, deadline: dt.date, today: dt.date) -> None:
    if theme not in Theme.values:
        raise ApplicationError(_("テーマを選んでください。"), field="theme")
    if region not in dict(REGION_CHOICES):
        raise ApplicationError(_("対象地域を選んでください。"), field="region")
    if deadline <= today:
        raise ApplicationError(_("締切日は明日以降の日付にしてください。"), field="deadline")
    if deadline > today + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ApplicationError(_("締切日は1年以内にしてください。"), field="deadline")


def _search_text(need: Need) -> str:
    return selectors.normalise(" ".join([need.title, need.summary, need.sought, need.conditions]))


def need_create(
    *,
    user: User,
    title: str,
    theme: str,
    summary: str,
    sought: str,
    conditions: str = "",
    region: str,
    deadline: dt.date,
) -> Need:
    """An approved buyer member posts a need; it waits for SMRJ review before anyone else sees it."""
    buyer = _approved_buyer(user)
    _need_fields_check(theme=theme, region=region, deadline=deadline, today=jst_today())
    with transaction.atomic():
        need = Need(
            buyer=buyer,
            created_by=user,
            title=title.strip(),
            theme=theme,
            summary=summary.strip(),
            sought=sought.strip(),
            conditions=conditions.strip(),
            region=region,
            deadline=deadline,
            status=NeedStatus.IN_REVIEW,
            submitted_at=timezone.now(),
        )
        need.search_text = _search_text(need)
        need.save()
        _need_submitted_mail(need)
    return need


def need_update(
    *,
    user: User,
    need_id: int,
    title: str,
    theme: str,
    summary: str,
    sought: str,
    conditions: str = "",
    region: str,
    deadline: dt.date,
) -> Need:
    """Edit a need under review or sent back; a returned need goes back to review."""
    buyer = _approved_buyer(user)
    _need_fields_check(theme=theme, region=region, deadline=deadline, today=jst_today())
    with transaction.atomic():
        need = Need.objects.select_for_update().filter(pk=need_id, buyer=buyer).first()
        if need is None:
            raise NotAllowed(_("このニーズは編集できません。"))
        if need.status == NeedStatus.PUBLISHED:
            raise ApplicationError(
                _("公開中のニーズは変更できません。変更が必要な場合は中小機構にご連絡ください。"), code="published"
            )
        need.title, need.theme, need.summary = title.strip(), theme, summary.strip()
        need.sought, need.conditions = sought.strip(), conditions.strip()
        need.region, need.deadline = region, deadline
        need.search_text = _search_text(need)
        resubmitted = need.status == NeedStatus.RETURNED
        need.status = NeedStatus.IN_REVIEW
        if resubmitted:
            need.submitted_at = timezone.now()
        need.save()
        if resubmitted:
            _need_submitted_mail(need)
    return need


def _need_submitted_mail(need: Need) -> None:
    _mail(
        # round 0 is the first submission, round n the resubmission after the n-th return
        key=f"matching.need:{need.pk}:submitted:{AuditEvent.objects.filter(need=need, action=AuditAction.NEED_RETURNED).count()}",
        to=[settings.DESK_EMAIL],
        template="need_submitted",
        subject=_("ニーズの審査依頼：%(title)s") % {"title": need.title},
        context={"need": need, "review_url": _url("matching:staff_review")},
    )


def need_publish(*, need_id: int, actor: User) -> Need:
    """SMRJ staff publish a reviewed need; from now on SMEs find it and may propose until its deadline."""
    _require_perm(actor, REVIEW_NEEDS)
    with transaction.atomic():
        need = Need.objects.select_for_update().select_related("buyer").get(pk=need_id)
        if need.status != NeedStatus.IN_REVIEW:
            raise ApplicationError(
                _("このニーズは「%(status)s」のため公開できません。") % {"status": need.get_status_display()}
            )
        if need.deadline < jst_today():
            raise ApplicationError(
                _("締切日を過ぎているため公開できません。差し戻して締切日を直してもらってください。")
            )
        now = timezone.now()
        need.status = NeedStatus.PUBLISHED
        need.published_at = now
        need.fiscal_year = fiscal_year_of(jst_date(now))
        need.reviewed_by = actor
        need.review_note = ""
        need.save()
        _audit(actor=actor, action=AuditAction.NEED_PUBLISHED, buyer=need.buyer, need=need)
        _mail(
            key=f"matching.need:{need.pk}:published",
            to=selectors.buyer_emails(need.buyer_id),
            template="need_published",
            subject=_("ニーズを公開しました：%(title)s") % {"title": need.title},
            context={"need": need, "url": _url("matching:buyer_need", need.pk)},
        )
    return need


def need_return(*, need_id: int, actor: User, note: str) -> Need:
    """SMRJ staff send a need back to the buyer with what to change."""
    _require_perm(actor, REVIEW_NEEDS)
    note = note.strip()
    if not note:
        raise ApplicationError(_("差し戻しの理由（直してほしい点）を入力してください。"), field="note")
    with transaction.atomic():
        need = Need.objects.select_for_update().select_related("buyer").get(pk=need_id)
        if need.status != NeedStatus.IN_REVIEW:
            raise ApplicationError(
                _("このニーズは「%(status)s」のため差し戻せません。") % {"status": need.get_status_display()}
            )
        need.status = NeedStatus.RETURNED
        need.reviewed_by = actor
        need.review_note = note
        need.save()
        event = _audit(actor=actor, action=AuditAction.NEED_RETURNED, buyer=need.buyer, need=need, note=note)
        _mail(
            key=f"matching.need:{need.pk}:returned:{event.pk}",
            to=selectors.buyer_emails(need.buyer_id),
            template="need_returned",
            subject=_("ニーズの修正のお願い：%(title)s") % {"title": need.title},
            context={"need": need, "note": note, "url": _url("matching:need_edit", need.pk)},
        )
    return need


def theme_follows_set(*, user: User, themes: Iterable[str]) -> list[str]:
    """Replace the themes a person follows for the weekly digest."""
    wanted = set(themes)
    unknown = wanted - set(Theme.values)
    if unknown:
        raise ApplicationError(_("テーマの指定が正しくありません。"), field="themes")
    with transaction.atomic():
        ThemeFollow.objects.filter(user=user).exclude(theme__in=wanted).delete()
        have = set(ThemeFollow.objects.filter(user=user).values_list("theme", flat=True))
        ThemeFollow.objects.bulk_create([ThemeFollow(user=user, theme=t) for t in wanted - have], ignore_conflicts=True)
    return sorted(wanted)


# --- proposals ---------------------------------------------------------------------------------------------------


def _require_sme(user: User) -> None:
    if not user.is_authenticated or user.is_staff or user.institution_id or selectors.membership_of(user):
        raise NotAllowed(_("提案できるのは中小企業のアカウントだけです。"))
    if not user.company_id:
        raise ApplicationError(_("提案の前に企業情報を登録してください。"), code="no_company")


def deadline_text(need: Need) -> str:
    """The last minute proposals are taken, as people read it (a deadline at 00:00 ends the day before)."""
    return format_jst(need.deadline_at - dt.timedelta(minutes=1), JA_DATETIME)


def _selfcheck_snapshot(proposal: Proposal, share: bool) -> None:
    proposal.selfcheck_level = None
    proposal.selfcheck_fiscal_year = None
    if not share:
        return
    sheet = selectors.latest_selfcheck(company=proposal.company)
    if sheet is None:
        raise ApplicationError(
            _("セルフチェックの結果がまだありません。セルフチェックを行うか、共有のチェックを外してください。"),
            field="share_selfcheck",
        )
    proposal.selfcheck_level = sheet.level
    proposal.selfcheck_fiscal_year = sheet.fiscal_year


def _check_files(files: Sequence, *, existing: int) -> list:
    checked = [(upload, attachment_check(upload)) for upload in files]
    limit = settings.MATCHING_ATTACHMENTS_PER_PROPOSAL
    if existing + len(checked) > limit:
        raise ApplicationError(_("添付ファイルは1件の提案につき%(n)s個までです。") % {"n": limit}, field="attachments")
    return checked


def _store_files(proposal: Proposal, checked: list, user: User, stored: list[str]) -> None:
    for upload, kind in checked:
        original = PurePath(upload.name).name[:200]
        item = Attachment(
            proposal=proposal,
            original_name=original,
            content_type=kind.content_type,
            size=upload.size,
            uploaded_by=user,
        )
        item.file.save(f"upload{kind.extensions[0]}", upload, save=False)
        stored.append(item.file.name)
        item.save()


def _forget_files(names: Iterable[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def proposal_create(
    *,
    user: User,
    need_id: int,
    offer: str,
    fit: str,
    company_pr: str = "",
    share_selfcheck: bool = False,
    files: Sequence = (),
) -> Proposal:
    """An SME proposes to an open need: one proposal per company and need, attachments checked by content."""
    _require_sme(user)
    checked = _check_files(files, existing=0)
    stored: list[str] = []
    try:
        with transaction.atomic():
            need = Need.objects.select_related("buyer").filter(pk=need_id, status=NeedStatus.PUBLISHED).first()
            if need is None:
                raise ApplicationError(_("このニーズは公開されていません。"), code="not_published")
            if not need.is_open_at(timezone.now()):
                raise ApplicationError(
                    _("このニーズの提案締切（%(at)s）を過ぎました。") % {"at": deadline_text(need)}, code="closed"
                )
            if Proposal.objects.filter(need=need, company_id=user.company_id).exists():
                raise ApplicationError(_duplicate_message(), code="duplicate")
            proposal = Proposal(
                need=need,
                company_id=user.company_id,
                submitted_by=user,
                offer=offer.strip(),
                fit=fit.strip(),
                company_pr=company_pr.strip(),
            )
            _selfcheck_snapshot(proposal, share_selfcheck)
            try:
                with transaction.atomic():
                    proposal.save()
            except IntegrityError as exc:
                raise ApplicationError(_duplicate_message(), code="duplicate") from exc
            _store_files(proposal, checked, user, stored)
            _mail(
                key=f"matching.proposal:{proposal.pk}:received",
                to=selectors.buyer_emails(need.buyer_id),
                template="proposal_received",
                subject=_("新しい提案が届きました：%(title)s") % {"title": need.title},
                context={"need": need, "proposal": proposal, "url": _url("matching:proposal", proposal.pk)},
            )
    except BaseException:
        _forget_files(stored)
        raise
    return proposal


def _duplicate_message() -> str:
    return _("このニーズには貴社からすでに提案しています（提案は1社1件です）。締切までは提案を編集できます。")


def proposal_update(
    *,
    user: User,
    proposal_id: int,
    offer: str,
    fit: str,
    company_pr: str = "",
    share_selfcheck: bool = False,
    files: Sequence = (),
    remove_ids: Iterable[int] = (),
) -> Proposal:
    """The proposing company edits its proposal until the need's deadline (JST), unless it was declined or closed."""
    _require_sme(user)
    stored: list[str] = []
    removed: list[str] = []
    try:
        with transaction.atomic():
            proposal = (
                Proposal.objects.select_for_update()
                .select_related("need", "company")
                .filter(pk=proposal_id, company_id=user.company_id)
                .first()
            )
            if proposal is None:
                raise NotAllowed(_("この提案は編集できません。"))
            if timezone.now() >= proposal.need.deadline_at:
                raise ApplicationError(
                    _("提案の締切（%(at)s）を過ぎたため、変更できません。") % {"at": deadline_text(proposal.need)},
                    code="closed",
                )
            if proposal.status in (ProposalStatus.DECLINED, ProposalStatus.CLOSED):
                raise ApplicationError(
                    _("この提案は「%(status)s」のため、変更できません。") % {"status": proposal.get_status_display()}
                )
            to_remove = list(proposal.attachments.filter(pk__in=list(remove_ids)))
            checked = _check_files(files, existing=proposal.attachments.count() - len(to_remove))
            proposal.offer, proposal.fit, proposal.company_pr = offer.strip(), fit.strip(), company_pr.strip()
            _selfcheck_snapshot(proposal, share_selfcheck)
            proposal.save()
            for item in to_remove:
                removed.append(item.file.name)
                item.delete()
            _store_files(proposal, checked, user, stored)
    except BaseException:
        _forget_files(stored)
        raise
    # The rows are gone for good only now; delete their files after the commit.
    transaction.on_commit(lambda: _forget_files(removed))
    return proposal


def _buyer_proposal(*, user: User, proposal_id: int) -> Proposal:
    buyer = selectors.buyer_of(user)
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("need", "need__buyer", "company", "submitted_by")
        .filter(pk=proposal_id)
        .first()
    )
    if buyer is None or proposal is None or proposal.need.buyer_id != buyer.pk:
        raise NotAllowed(_("この提案を操作できるのは、ニーズを出した大手企業の担当者だけです。"))
    return proposal


def proposal_shortlist(*, user: User, proposal_id: int) -> Proposal:
    """The buyer marks a proposal as a candidate (検討候補)."""
    with transaction.atomic():
        proposal = _buyer_proposal(user=user, proposal_id=proposal_id)
        _move(proposal, ProposalStatus.SHORTLISTED)
        proposal.shortlisted_at = timezone.now()
        proposal.save(update_fields=["status", "shortlisted_at", "updated_at"])
    return proposal


def proposal_decline(*, user: User, proposal_id: int, reason: str) -> Proposal:
    """The buyer declines with a reason; the SME gets a courteous mail with it, and any open meeting is cancelled."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ApplicationError(
            _("見送りの理由を5文字以上で入力してください。提案した企業にお伝えします。"), field="reason"
        )
    with transaction.atomic():
        proposal = _buyer_proposal(user=user, proposal_id=proposal_id)
        _move(proposal, ProposalStatus.DECLINED)
        proposal.decline_reason = reason
        proposal.declined_at = timezone.now()
        proposal.save(update_fields=["status", "decline_reason", "declined_at", "updated_at"])
        proposal.meetings.filter(status=MeetingStatus.REQUESTED).update(
            status=MeetingStatus.CANCELLED, updated_at=timezone.now()
        )
        _mail(
            key=f"matching.proposal:{proposal.pk}:declined",
            to=[proposal.submitted_by.email],
            template="proposal_declined",
            subject=_("ご提案へのご回答：%(title)s") % {"title": proposal.need.title},
            context={
                "proposal": proposal,
                "need": proposal.need,
                "reason": reason,
                "needs_url": _url("matching:index"),
            },
        )
    return proposal


def meeting_request(
    *,
    user: User,
    proposal_id: int,
    times: Sequence[dt.datetime],
    mode: str,
    location: str = "",
    duration_minutes: int = 60,
    message: str = "",
) -> Meeting:
    """The buyer asks for a 商談 and offers one to three times; the SME picks one."""
    if mode not in MeetingMode.values:
        raise ApplicationError(_("商談の形式を選んでください。"), field="mode")
    if not 15 <= duration_minutes <= 480:
        raise ApplicationError(_("所要時間は15分から480分の間にしてください。"), field="duration_minutes")
    unique_times = sorted(set(times))
    if not unique_times:
        raise ApplicationError(_("候補日時を1つ以上入力してください。"), field="time_1")
    if len(unique_times) > MAX_MEETING_TIMES:
        raise ApplicationError(_("候補日時は3つまでです。"), field="time_1")
    now = timezone.now()
    for value in unique_times:
        if timezone.is_naive(value):
            raise ValueError("meeting times must be aware")
        if value <= now + dt.timedelta(hours=1):
            raise ApplicationError(_("候補日時は1時間以上先の日時にしてください。"), field="time_1")
    with transaction.atomic():
        proposal = _buyer_proposal(user=user, proposal_id=proposal_id)
        _move(proposal, ProposalStatus.MEETING_REQUESTED)
        proposal.save(update_fields=["status", "updated_at"])
        meeting = Meeting.objects.create(
            proposal=proposal,
            requested_by=user,
            message=message.strip(),
            mode=mode,
            location=location.strip(),
            duration_minutes=duration_minutes,
        )
        MeetingSlot.objects.bulk_create([MeetingSlot(meeting=meeting, starts_at=t) for t in unique_times])
        _mail(
            key=f"matching.meeting:{meeting.pk}:requested",
            to=[proposal.submitted_by.email],
            template="meeting_requested",
            subject=_("商談のご依頼：%(title)s") % {"title": proposal.need.title},
            context={
                "proposal": proposal,
                "need": proposal.need,
                "meeting": meeting,
                "times": [format_jst(t, JA_DATETIME) for t in unique_times],
                "url": _url("matching:proposal", proposal.pk),
            },
        )
    return meeting


def _sme_meeting(*, user: User, meeting_id: int) -> Meeting:
    _require_sme(user)
    meeting = (
        Meeting.objects.select_for_update()
        .select_related("proposal", "proposal__need", "proposal__need__buyer", "proposal__company", "requested_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or meeting.proposal.company_id != user.company_id:
        raise NotAllowed(_("この商談に回答できるのは、提案した企業だけです。"))
    if meeting.status != MeetingStatus.REQUESTED:
        raise ApplicationError(
            _("この商談は「%(status)s」のため、回答できません。") % {"status": meeting.get_status_display()}
        )
    return meeting


def meeting_accept(*, user: User, meeting_id: int, slot_id: int) -> Meeting:
    """The SME accepts one proposed time: the meeting is set and both sides get an .ics invitation."""
    with transaction.atomic():
        meeting = _sme_meeting(user=user, meeting_id=meeting_id)
        slot = meeting.slots.filter(pk=slot_id).first()
        if slot is None:
            raise ApplicationError(_("候補日時から1つ選んでください。"), field="slot")
        if slot.starts_at <= timezone.now():
            raise ApplicationError(
                _("この候補日時はすでに過ぎています。別の日時を選ぶか、合わないとご回答ください。"), field="slot"
            )
        proposal = Proposal.objects.select_for_update().get(pk=meeting.proposal_id)
        _move(proposal, ProposalStatus.MEETING_SET)
        now = timezone.now()
        proposal.meeting_agreed_at = now
        proposal.save(update_fields=["status", "meeting_agreed_at", "updated_at"])
        meeting.status = MeetingStatus.ACCEPTED
        meeting.starts_at = slot.starts_at
        meeting.responded_by = user
        meeting.responded_at = now
        meeting.save(update_fields=["status", "starts_at", "responded_by", "responded_at", "updated_at"])
        _meeting_accepted_mails(meeting, proposal)
    return meeting


def meeting_calendar_event(meeting: Meeting) -> CalendarEvent:
    proposal = meeting.proposal
    need = proposal.need
    summary = _("商談：%(buyer)s × %(company)s") % {"buyer": need.buyer.name, "company": proposal.company.name}
    description = "\n".join(
        [
            _("ニーズ：%(title)s") % {"title": need.title},
            _("形式：%(mode)s") % {"mode": meeting.get_mode_display()},
            _url("matching:proposal", proposal.pk),
        ]
    )
    return CalendarEvent(
        uid=f"matching-meeting-{meeting.pk}@cn-portal",
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=summary,
        description=description,
        location=meeting.location or str(meeting.get_mode_display()),
        url=_url("matching:proposal", proposal.pk),
    )


def meeting_ics(meeting: Meeting) -> bytes:
    return calendar_bytes([meeting_calendar_event(meeting)], method="PUBLISH")


def _meeting_accepted_mails(meeting: Meeting, proposal: Proposal) -> None:
    ics = MailAttachment("meeting.ics", meeting_ics(meeting), "text/calendar")
    context = {
        "meeting": meeting,
        "proposal": proposal,
        "need": proposal.need,
        "starts": format_jst(meeting.starts_at, JA_DATETIME),
        "ends": format_jst(meeting.ends_at, "%H:%M"),
        "url": _url("matching:proposal", proposal.pk),
    }
    subject = _("商談が決まりました：%(title)s") % {"title": proposal.need.title}
    _mail(
        key=f"matching.meeting:{meeting.pk}:accepted:sme",
        to=[proposal.submitted_by.email],
        template="meeting_accepted_sme",
        subject=subject,
        context=context,
        attachments=[ics],
    )
    _mail(
        key=f"matching.meeting:{meeting.pk}:accepted:buyer",
        to=[meeting.requested_by.email],
        template="meeting_accepted_buyer",
        subject=subject,
        context=context,
        attachments=[ics],
    )


def meeting_decline(*, user: User, meeting_id: int, note: str = "") -> Meeting:
    """The SME says none of the times fits; the proposal goes back to the buyer's candidates."""
    with transaction.atomic():
        meeting = _sme_meeting(user=user, meeting_id=meeting_id)
        proposal = Proposal.objects.select_for_update().get(pk=meeting.proposal_id)
        _move(proposal, ProposalStatus.SHORTLISTED)
        proposal.save(update_fields=["status", "updated_at"])
        meeting.status = MeetingStatus.DECLINED
        meeting.responded_by = user
        meeting.responded_at = timezone.now()
        meeting.response_note = note.strip()
        meeting.save(update_fields=["status", "responded_by", "responded_at", "response_note", "updated_at"])
        _mail(
            key=f"matching.meeting:{meeting.pk}:declined",
            to=[meeting.requested_by.email],
            template="meeting_declined",
            subject=_("商談の候補日時が合いませんでした：%(title)s") % {"title": meeting.proposal.need.title},
            context={"meeting": meeting, "proposal": meeting.proposal, "url": _url("matching:proposal", proposal.pk)},
        )
    return meeting


def proposal_record_outcome(*, user: User, proposal_id: int, outcome: str, note: str = "") -> Proposal:
    """The buyer records how the 商談 ended."""
    if outcome not in Outcome.values:
        raise ApplicationError(_("商談の結果を選んでください。"), field="outcome")
    with transaction.atomic():
        proposal = _buyer_proposal(user=user, proposal_id=proposal_id)
        _move(proposal, ProposalStatus.CLOSED)
        proposal.outcome = outcome
        proposal.outcome_note = note.strip()
        proposal.outcome_at = timezone.now()
        proposal.save(update_fields=["status", "outcome", "outcome_note", "outcome_at", "updated_at"])
    return proposal


# --- weekly digest -----------------------------------------------------------------------------------------------


def digest_week(now: dt.datetime) -> tuple[dt.datetime, dt.datetime, str]:
    """The JST week (Monday 00:00 to Monday 00:00) before the one containing `now`, and its ISO label."""
    local = to_jst(now)
    this_monday = (local - dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_monday - dt.timedelta(days=7)
    year, week, _day = start.isocalendar()
    return start, this_monday, f"{year}-W{week:02d}"


def digest_send_weekly(*, now: dt.datetime | None = None) -> int:
    """Mail each follower the needs published last week in their themes; one mail per user and week."""
    now = now or timezone.now()
    start, end, label = digest_week(now)
    needs = [n for n in selectors.needs_published_between(start=start, end=end) if n.is_open_at(now)]
    if not needs:
        return 0
    by_theme: dict[str, list[Need]] = defaultdict(list)
    for need in needs:
        by_theme[need.theme].append(need)
    themes_of: dict[int, set[str]] = defaultdict(set)
    emails: dict[int, str] = {}
    for follow in selectors.follows_for_themes(themes=list(by_theme)):
        themes_of[follow.user_id].add(follow.theme)
        emails[follow.user_id] = follow.user.email
    queued = 0
    for user_id, themes in themes_of.items():
        items = sorted((n for t in themes for n in by_theme[t]), key=lambda n: (n.deadline, n.pk))
        row = _mail(
            key=f"matching.digest:{user_id}:{label}",
            to=[emails[user_id]],
            template="digest",
            subject=_("今週の新着ニーズ（%(n)s件）") % {"n": len(items)},
            context={
                "needs": [
                    {
                        "need": n,
                        "deadline": n.deadline.strftime(JA_DATE),
                        "url": _url("matching:need", n.pk),
                    }
                    for n in items
                ],
                "week_from": start.strftime(JA_DATE),
                "week_to": (end - dt.timedelta(days=1)).strftime("%m月%d日"),
                "themes_url": _url("matching:themes"),
            },
        )
        queued += row is not None
    return queued


# --- helpers -----------------------------------------------------------------------------------------------------


def _url(name: str, *args) -> str:
    return absolute_url(reverse(name, args=args))


def _mail(*, key: str, to: list[str], template: str, subject: str, context: dict, attachments=()):
    body = render_to_string(f"matching/email/{template}.txt", {**context, "site_url": absolute_url()})
    return outbox_enqueue(key=key, to=to, subject=f"[CN支援ポータル] {subject}", body=body, attachments=attachments)


# Account closing ------------------------------------------------------------------------------------------------

PROPOSAL_TEXTS = ("offer", "fit", "company_pr", "outcome_note")


def on_account_personal_texts(sender, *, user: User, company, **kwargs) -> list[str]:
    """The texts of a closing company's proposals and its answers to meetings, so that mails lose their copies."""
    if company is None:
        return []
    proposals = Proposal.objects.filter(company=company)
    texts = [t for row in proposals.values_list(*PROPOSAL_TEXTS) for t in row]
    texts += [t for t in Meeting.objects.filter(proposal__in=proposals).values_list("response_note", flat=True)]
    return [t for t in texts if t]


def on_account_closing(sender, *, user: User, company, **kwargs) -> None:
    if company is not None:
        proposals_forget_company(company=company)


def proposals_forget_company(*, company) -> int:
    """A closing company's proposals keep only their status and dates (the buyer's counts): their texts, its
    answers to meetings and the attached files go; running it again changes nothing."""
    done = 0
    for pk in Proposal.objects.filter(company=company).values_list("pk", flat=True):
        with transaction.atomic():
            proposal = Proposal.objects.select_for_update().get(pk=pk)
            for name in PROPOSAL_TEXTS:
                setattr(proposal, name, "")
            proposal.save()
            proposal.meetings.update(response_note="")
            for attachment in proposal.attachments.all():
                attachment.file.delete(save=False)
                attachment.delete()
        done += 1
    return done
