"""Every change to a dispatch case goes through here: the allowed transitions, the visit rules, the mails, the PDFs."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Company, SupportInstitution, User
from core.desk import has_second_factor, is_desk_member
from core.errors import ApplicationError
from core.ics import CalendarEvent, calendar_bytes
from core.jst import JA_DATETIME, format_jst, jst_date
from core.mail import Attachment, outbox_enqueue
from core.pdf import html_to_pdf
from core.queue import task_named
from core.site import absolute_url

from . import selectors
from .models import (
    DIAGNOSIS_MAX_VISITS,
    VISIT_DAYS_MAX,
    VISIT_DAYS_MIN,
    Case,
    CaseEvent,
    DayRate,
    Deliverable,
    Expert,
    Family,
    Programme,
    ProposedMeasure,
    Rank,
    Stage,
    Visit,
)

logger = logging.getLogger(__name__)

RENDER_DELIVERABLE = "dispatch.tasks.render_deliverable"  # dispatch/tasks.py calls this module: named, not imported
DESK = "desk"
EXPERT = "expert"
COMPANY = "company"

# (programme, from, to) -> who may make the move. Anything not listed is impossible.
TRANSITIONS: dict[tuple[str, str, str], frozenset[str]] = {
    # 診断・助言
    (Programme.DIAGNOSIS, Stage.AWAITING_COMPANY, Stage.APPLIED): frozenset({COMPANY}),
    (Programme.DIAGNOSIS, Stage.AWAITING_COMPANY, Stage.WITHDRAWN): frozenset({COMPANY}),
    (Programme.DIAGNOSIS, Stage.APPLIED, Stage.WITHDRAWN): frozenset({COMPANY}),
    (Programme.DIAGNOSIS, Stage.APPLIED, Stage.ACCEPTED): frozenset({DESK}),
    (Programme.DIAGNOSIS, Stage.APPLIED, Stage.DECLINED): frozenset({DESK}),
    (Programme.DIAGNOSIS, Stage.ACCEPTED, Stage.EXPERT_ASSIGNED): frozenset({DESK}),
    (Programme.DIAGNOSIS, Stage.EXPERT_ASSIGNED, Stage.VISITS): frozenset({DESK, EXPERT}),
    (Programme.DIAGNOSIS, Stage.VISITS, Stage.REPORT_DELIVERED): frozenset({DESK, EXPERT}),
    (Programme.DIAGNOSIS, Stage.REPORT_DELIVERED, Stage.CLOSED): frozenset({DESK}),
    # ハンズオン支援
    (Programme.HANDSON, Stage.AWAITING_COMPANY, Stage.APPLIED): frozenset({COMPANY}),
    (Programme.HANDSON, Stage.AWAITING_COMPANY, Stage.WITHDRAWN): frozenset({COMPANY}),
    (Programme.HANDSON, Stage.APPLIED, Stage.WITHDRAWN): frozenset({COMPANY}),
    (Programme.HANDSON, Stage.APPLIED, Stage.INTERVIEW): frozenset({DESK}),
    (Programme.HANDSON, Stage.APPLIED, Stage.DECLINED): frozenset({DESK}),
    (Programme.HANDSON, Stage.INTERVIEW, Stage.PLAN_AGREED): frozenset({DESK}),
    (Programme.HANDSON, Stage.INTERVIEW, Stage.DECLINED): frozenset({DESK}),
    (Programme.HANDSON, Stage.PLAN_AGREED, Stage.KICKOFF): frozenset({DESK, EXPERT}),
    (Programme.HANDSON, Stage.KICKOFF, Stage.SUPPORT): frozenset({DESK, EXPERT}),
    (Programme.HANDSON, Stage.SUPPORT, Stage.FINAL_REPORT): frozenset({DESK, EXPERT}),
    (Programme.HANDSON, Stage.FINAL_REPORT, Stage.FOLLOW_UP): frozenset({DESK}),
    (Programme.HANDSON, Stage.FOLLOW_UP, Stage.CLOSED): frozenset({DESK}),
}

# Stages in which visits are scheduled, per programme.
VISIT_STAGES = {
    Programme.DIAGNOSIS: {Stage.EXPERT_ASSIGNED, Stage.VISITS},
    Programme.HANDSON: {Stage.KICKOFF, Stage.SUPPORT},
}

# The stages of each programme in order, for the progress shown to people.
FLOWS = {
    Programme.DIAGNOSIS: [
        Stage.APPLIED,
        Stage.ACCEPTED,
        Stage.EXPERT_ASSIGNED,
        Stage.VISITS,
        Stage.REPORT_DELIVERED,
        Stage.CLOSED,
    ],
    Programme.HANDSON: [
        Stage.APPLIED,
        Stage.INTERVIEW,
        Stage.PLAN_AGREED,
        Stage.KICKOFF,
        Stage.SUPPORT,
        Stage.FINAL_REPORT,
        Stage.FOLLOW_UP,
        Stage.CLOSED,
    ],
}

STAGE_MESSAGES = {
    Stage.APPLIED: gettext_noop("お申込みを受け付けました。窓口から内容の確認のご連絡をします。"),
    Stage.ACCEPTED: gettext_noop("お申込みをお受けしました。担当の専門家が決まりしだいお知らせします。"),
    Stage.DECLINED: gettext_noop("申し訳ありませんが、今回はお受けできませんでした。理由は次のとおりです。"),
    Stage.EXPERT_ASSIGNED: gettext_noop("担当の専門家が決まりました。訪問の日程は専門家からご相談します。"),
    Stage.VISITS: gettext_noop("訪問診断が始まりました。"),
    Stage.REPORT_DELIVERED: gettext_noop("診断報告書ができました。ポータルの案件ページからダウンロードできます。"),
    Stage.INTERVIEW: gettext_noop("訪問調査・インタビューの段階に進みました。日程は窓口からご相談します。"),
    Stage.PLAN_AGREED: gettext_noop("支援計画書がまとまりました。案件ページからダウンロードできます。"),
    Stage.KICKOFF: gettext_noop("キックオフの段階に進みました。"),
    Stage.SUPPORT: gettext_noop("専門家による支援が始まりました。"),
    Stage.FINAL_REPORT: gettext_noop("最終報告書ができました。案件ページからダウンロードできます。"),
    Stage.FOLLOW_UP: gettext_noop("支援が終わり、フォローアップの段階に進みました。"),
    Stage.CLOSED: gettext_noop("この案件は終了しました。ご利用ありがとうございました。"),
    Stage.WITHDRAWN: gettext_noop("お申込みを取り下げました。"),
}


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _enqueue(task, *args) -> None:
    """Queue a task after commit; a broker outage never turns a committed write into an error page."""

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001 - the row stays queued and the sweep picks it up
            logger.exception("could not queue %s%r; the sweep will retry", task.name, args)

    transaction.on_commit(send)


def _clean_text(value: str | None, *, field: str, label: str, required: bool = False, limit: int = 2000) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ApplicationError(_("%(label)sを入力してください。") % {"label": label}, field=field)
    if len(text) > limit:
        raise ApplicationError(
            _("%(label)sは%(n)s文字以内で入力してください。") % {"label": label, "n": limit}, field=field
        )
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise ApplicationError(_("%(label)sに使えない文字が含まれています。") % {"label": label}, field=field)
    return text


DESK_PERMISSION = "dispatch.run_dispatch_desk"


def _position_of(*, user: User, case: Case) -> str | None:
    """The role a user's position gives on a case, before the second factor is asked for."""
    if is_desk_member(user, DESK_PERMISSION):
        return DESK
    expert = getattr(user, "expert", None) if user.is_authenticated else None
    if expert is not None and case.expert_id == expert.pk:
        return EXPERT
    if user.is_authenticated and user.company_id and user.company_id == case.company_id:
        return COMPANY
    return None


def role_of(*, user: User, case: Case) -> str | None:
    """The role in which a user acts on a case, or None if the case is none of theirs.

    The desk and the expert act on other companies' cases: only with an authenticator app (core.desk's rule)."""
    role = _position_of(user=user, case=case)
    if role in (DESK, EXPERT) and not has_second_factor(user):
        return None
    return role


def role_awaits_second_factor(*, user: User, case: Case) -> bool:
    """The desk or the case's expert, held back only by a missing authenticator app (sent to enrol)."""
    return _position_of(user=user, case=case) in (DESK, EXPERT) and not has_second_factor(user)


def allowed_moves(*, case: Case, role: str | None) -> list[str]:
    return [
        to
        for (programme, frm, to), roles in TRANSITIONS.items()
        if programme == case.programme and frm == case.stage and role in roles
    ]


def _company_recipients(case: Case) -> list[str]:
    return sorted(case.company.mail_addresses())


# The subject prefix every mail of the portal carries (institutions, advisors, the outbox digest).
SUBJECT_PREFIX = "【CN支援ポータル】"


def case_url(case: Case) -> str:
    """The case page as a full address, for mails (clickable in any mail program)."""
    return absolute_url(reverse("dispatch:case", args=[case.pk]))


def _notify_stage(case: Case, stage: str) -> None:
    body = render_to_string(
        "dispatch/mail/stage.txt",
        {
            "case": case,
            "stage_label": Stage(stage).label,
            "message": _(STAGE_MESSAGES[stage]),
            "stage": stage,
            "url": case_url(case),
        },
    )
    outbox_enqueue(
        key=f"dispatch:case:{case.pk}:stage:{stage}",
        to=_company_recipients(case),
        subject=SUBJECT_PREFIX
        + _("専門家派遣（%(programme)s）：%(stage)s")
        % {"programme": case.get_programme_display(), "stage": Stage(stage).label},
        body=body,
    )


# ---------------------------------------------------------------------------------------------------------------
# Application


def case_apply(
    *,
    user: User,
    programme: str,
    wants: str,
    sites: str,
    equipment: str = "",
    share_selfcheck: bool = False,
    shared_with: SupportInstitution | None = None,
    origin: str = "",
) -> Case:
    """An SME applies for itself; the case starts as applied and the company is told by mail."""
    if not user.company_id:
        raise ApplicationError(_("申込みの前に企業情報を登録してください。"), field="company")
    return _create_case(
        company=user.company,
        applied_by=user,
        institution=None,
        programme=programme,
        wants=wants,
        sites=sites,
        equipment=equipment,
        share_selfcheck=share_selfcheck,
        shared_with=shared_with,
        origin=origin,
    )


def case_apply_on_behalf(
    *,
    user: User,
    company_email: str,
    programme: str,
    wants: str,
    sites: str,
    equipment: str = "",
) -> Case:
    """A support institution applies for a member company; nothing moves until the company confirms."""
    if not user.institution_id:
        raise ApplicationError(_("支援機関の職員だけが代理で申し込めます。"), field="company_email")
    email = (company_email or "").strip().lower()
    member = User.objects.filter(email=email, company__isnull=False, is_active=True).select_related("company").first()
    if member is None:
        raise ApplicationError(
            _("このメールアドレスで企業情報を登録した利用者が見つかりません。先にポータルへの登録をご案内ください。"),
            field="company_email",
        )
    return _create_case(
        company=member.company,
        applied_by=user,
        institution=user.institution,
        programme=programme,
        wants=wants,
        sites=sites,
        equipment=equipment,
        share_selfcheck=False,
        shared_with=user.institution,
        origin="institution",
    )


def _create_case(
    *,
    company: Company,
    applied_by: User,
    institution: SupportInstitution | None,
    programme: str,
    wants: str,
    sites: str,
    equipment: str,
    share_selfcheck: bool,
    shared_with: SupportInstitution | None,
    origin: str,
) -> Case:
    if programme not in Programme.values:
        raise ApplicationError(_("支援メニューを選んでください。"), field="programme")
    wants = _clean_text(wants, field="wants", label=_("相談したいこと"), required=True)
    sites = _clean_text(sites, field="sites", label=_("事業所・工場"), required=True)
    equipment = _clean_text(equipment, field="equipment", label=_("主な設備"))
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=company.pk)
        open_case = (
            Case.objects.filter(company=company, programme=programme)
            .exclude(stage__in=[Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN])
            .exists()
        )
        if open_case:
            raise ApplicationError(
                _("この支援メニューには進行中のお申込みがあります。案件ページからご確認ください。"), field="programme"
            )
        stage = Stage.AWAITING_COMPANY if institution else Stage.APPLIED
        case = Case.objects.create(
            programme=programme,
            stage=stage,
            company=company,
            applied_by=applied_by,
            on_behalf_of=institution,
            shared_with=shared_with,
            origin=origin[:20],
            wants=wants,
            sites=sites,
            equipment=equipment,
            share_selfcheck=share_selfcheck,
            applied_at=None if institution else timezone.now(),
        )
        CaseEvent.objects.create(case=case, from_stage="", to_stage=stage, actor=applied_by)
        if stage == Stage.APPLIED:
            _notify_stage(case, stage)
        else:
            outbox_enqueue(
                key=f"dispatch:case:{case.pk}:confirm",
                to=_company_recipients(case),
                subject=SUBJECT_PREFIX
                + _("専門家派遣：%(name)sから代理のお申込みがありました") % {"name": institution.name},
                body=render_to_string("dispatch/mail/confirm.txt", {"case": case, "url": case_url(case)}),
            )
    return case


def case_confirm(*, user: User, case: Case, share_selfcheck: bool = False) -> Case:
    """The company confirms an institution's application on its behalf (or turns it down)."""
    case = case_transition(case=case, user=user, to=Stage.APPLIED)
    Case.objects.filter(pk=case.pk).update(applied_at=timezone.now(), share_selfcheck=share_selfcheck)
    case.refresh_from_db()
    return case


# ---------------------------------------------------------------------------------------------------------------
# Transitions


def _decimal(value, *, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("%(label)sは数字で入力してください。") % {"label": label}, field=field) from None
    if not number.is_finite():
        raise ApplicationError(_("%(label)sは数字で入力してください。") % {"label": label}, field=field)
    return number


def case_transition(*, case: Case, user: User, to: str, **data) -> Case:
    """Move a case to the next stage if the rules allow it for this user; record who and when; mail the company once."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("company").get(pk=case.pk)
        role = role_of(user=user, case=case)
        if role is None:
            raise ApplicationError(_("この案件を操作する権限がありません。"), field="stage")
        roles = TRANSITIONS.get((case.programme, case.stage, to))
        if roles is None:
            raise ApplicationError(
                _("「%(frm)s」から「%(to)s」には進めません。")
                % {"frm": case.get_stage_display(), "to": Stage(to).label if to in Stage.values else to},
                field="stage",
            )
        if role not in roles:
            raise ApplicationError(_("この段階の変更は担当の窓口が行います。"), field="stage")
        changed = _apply_stage_data(case, to, data)
        previous = case.stage
        case.stage = to
        case.save(update_fields=["stage", "updated_at", *changed])
        CaseEvent.objects.create(
            case=case, from_stage=previous, to_stage=to, actor=user, note=data.get("note", "")[:2000]
        )
        _notify_stage(case, to)
        kind = {
            Stage.REPORT_DELIVERED: Deliverable.Kind.DIAGNOSIS_REPORT,
            Stage.PLAN_AGREED: Deliverable.Kind.SUPPORT_PLAN,
            Stage.FINAL_REPORT: Deliverable.Kind.FINAL_REPORT,
        }.get(to)
        if kind:
            deliverable_request(case=case, kind=kind)
    return case


def _apply_stage_data(case: Case, to: str, data: dict) -> list[str]:
    """Check and set what a stage needs before it can be entered; returns the fields changed."""
    changed: list[str] = []
    if to == Stage.DECLINED:
        case.decline_reason = _clean_text(data.get("reason"), field="reason", label=_("お断りの理由"), required=True)
        changed.append("decline_reason")
    if to in (Stage.EXPERT_ASSIGNED, Stage.PLAN_AGREED):
        expert = data.get("expert") or case.expert
        if not isinstance(expert, Expert) or not expert.is_active:
            raise ApplicationError(_("担当の専門家を選んでください。"), field="expert")
        start, end = data.get("period_start") or case.period_start, data.get("period_end") or case.period_end
        if not start or not end:
            raise ApplicationError(_("支援期間の開始日と終了日を入力してください。"), field="period_start")
        if end < start:
            raise ApplicationError(_("支援期間の終了日は開始日より後にしてください。"), field="period_end")
        if (end - start).days > 366:
            raise ApplicationError(_("支援期間は1年以内にしてください。"), field="period_end")
        case.expert, case.period_start, case.period_end = expert, start, end
        changed += ["expert", "period_start", "period_end"]
    if to == Stage.PLAN_AGREED:
        days = _decimal(
            data.get("planned_expert_days", case.planned_expert_days), field="planned_expert_days", label=_("計画人日")
        )
        if days is None or not (Decimal("0.5") <= days <= Decimal("60")):
            raise ApplicationError(
                _("計画人日は0.5〜60の範囲で入力してください（目安は20人日程度）。"), field="planned_expert_days"
            )
        case.planned_expert_days = days.quantize(Decimal("0.1"))
        case.goals = _clean_text(
            data.get("goals", case.goals), field="goals", label=_("支援の目標"), required=True, limit=3000
        )
        case.schedule = _clean_text(
            data.get("schedule", case.schedule), field="schedule", label=_("スケジュール"), required=True, limit=3000
        )
        changed += ["planned_expert_days", "goals", "schedule"]
    if to in (Stage.REPORT_DELIVERED, Stage.FINAL_REPORT, Stage.CLOSED) and not _a_visit_happened(case):
        message = (
            _("訪問が1回も実施されていないため、案件を終了できません。実施した訪問の内容を記録してください。")
            if to == Stage.CLOSED
            else _(
                "報告書は訪問の後に提出します。日時が過ぎた訪問に「実施内容」を記録してから進めてください"
                "（予定の訪問は実施済みになりません）。"
            )
        )
        raise ApplicationError(message, field="visits")
    if to == Stage.REPORT_DELIVERED:
        if not case.findings.strip():
            raise ApplicationError(_("報告書の前に、診断の所見を記入してください。"), field="findings")
        if not case.measures.exists():
            raise ApplicationError(_("報告書の前に、提案する対策を1つ以上登録してください。"), field="measures")
        if case.target_year is None or case.target_reduction_pct is None:
            raise ApplicationError(_("報告書の前に、削減目標（年度と%）を記入してください。"), field="target_year")
    if to == Stage.FINAL_REPORT:
        if case.baseline_t is None or case.after_t is None:
            raise ApplicationError(_("最終報告の前に、支援前後のCO2排出量を記入してください。"), field="after_t")
        if not case.roadmap.strip():
            raise ApplicationError(_("最終報告の前に、ロードマップを記入してください。"), field="roadmap")
    return changed


# Who acts next at each stage and what they do, for the case page's 「次の対応」 (translated where shown).
NEXT_ACTIONS = {
    Stage.AWAITING_COMPANY: (COMPANY, gettext_noop("代理のお申込みの内容を確認し、申し込むか取り下げる。")),
    Stage.APPLIED: (DESK, gettext_noop("お申込みの内容を確認し、お受けするかお断りするかを決める。")),
    Stage.ACCEPTED: (DESK, gettext_noop("担当の専門家と支援期間を決める。")),
    Stage.EXPERT_ASSIGNED: (EXPERT, gettext_noop("企業と日程を調整し、初回の訪問を登録する。")),
    Stage.VISITS: (
        EXPERT,
        gettext_noop("訪問の後に実施内容を記録し、所見・対策・削減目標を書いて診断報告書を提出する。"),
    ),
    Stage.REPORT_DELIVERED: (DESK, gettext_noop("診断報告書が企業に届いたことを確かめ、案件を終了する。")),
    Stage.INTERVIEW: (
        DESK,
        gettext_noop("訪問調査の後、担当専門家・支援期間・計画人日・目標・スケジュールを決めて支援計画に合意する。"),
    ),
    Stage.PLAN_AGREED: (EXPERT, gettext_noop("キックオフを行う。")),
    Stage.KICKOFF: (EXPERT, gettext_noop("初回の訪問を登録する。")),
    Stage.SUPPORT: (EXPERT, gettext_noop("訪問を重ね、支援前後のCO2排出量とロードマップを書いて最終報告をする。")),
    Stage.FINAL_REPORT: (DESK, gettext_noop("最終報告書が企業に届いたことを確かめ、フォローアップに進める。")),
    Stage.FOLLOW_UP: (DESK, gettext_noop("フォローアップを終えたら案件を終了する。")),
}
ROLE_LABELS = {DESK: gettext_noop("窓口"), EXPERT: gettext_noop("担当専門家"), COMPANY: gettext_noop("企業")}


def case_next_action(case: Case) -> dict | None:
    """The next step of an open case: who, what, and what is still missing before the report can be filed."""
    if case.stage not in NEXT_ACTIONS:
        return None
    who, what = NEXT_ACTIONS[case.stage]
    now = timezone.now()
    visits = list(case.visits.all())
    missing = []
    if case.stage in (Stage.VISITS, Stage.SUPPORT):
        if not any(v.happened(now) for v in visits):
            missing.append(_("実施済みの訪問（日時が過ぎ、実施内容を記録したもの）"))
        if case.stage == Stage.VISITS:
            if not case.findings.strip():
                missing.append(_("診断の所見"))
            if not case.measures.all():
                missing.append(_("提案する対策（1つ以上）"))
            if case.target_year is None or case.target_reduction_pct is None:
                missing.append(_("削減目標（年度と%）"))
        else:
            if case.baseline_t is None or case.after_t is None:
                missing.append(_("支援前後のCO2排出量"))
            if not case.roadmap.strip():
                missing.append(_("ロードマップ"))
    unlogged = [v.number for v in visits if v.ends_at <= now and not v.done.strip()]
    return {"who": _(ROLE_LABELS[who]), "what": _(what), "missing": missing, "unlogged": unlogged}


def _a_visit_happened(case: Case) -> bool:
    now = timezone.now()
    return any(visit.happened(now) for visit in case.visits.all())


def case_update_report(*, case: Case, user: User, **data) -> Case:
    """The expert (or the desk) writes what the deliverables will say: findings, figures, targets, roadmap."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if role_of(user=user, case=case) not in (DESK, EXPERT):
            raise ApplicationError(_("この案件を操作する権限がありません。"), field="findings")
        if case.stage in (Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN):
            raise ApplicationError(_("終了した案件は変更できません。"), field="findings")
        fields = []
        for name, label, limit in (
            ("findings", _("診断の所見"), 5000),
            ("roadmap", _("ロードマップ"), 3000),
        ):
            if name in data:
                setattr(case, name, _clean_text(data[name], field=name, label=label, limit=limit))
                fields.append(name)
        for name, label in (("baseline_t", _("基準年のCO2排出量")), ("after_t", _("支援後のCO2排出量"))):
            if name in data:
                value = _decimal(data[name], field=name, label=label)
                if value is not None and not (Decimal(0) <= value <= Decimal("1000000000")):
                    raise ApplicationError(
                        _("%(label)sは0〜10億t-CO2の範囲で入力してください。") % {"label": label}, field=name
                    )
                setattr(case, name, None if value is None else value.quantize(Decimal("0.1")))
                fields.append(name)
        if "target_year" in data:
            year = data["target_year"]
            if year in (None, ""):
                case.target_year = None
            else:
                try:
                    year = int(year)
                except (TypeError, ValueError):
                    raise ApplicationError(_("目標年度は西暦4桁で入力してください。"), field="target_year") from None
                this_year = jst_date(timezone.now()).year
                if not (this_year <= year <= 2050):
                    raise ApplicationError(
                        _("目標年度は%(y)s〜2050年度で入力してください。") % {"y": this_year}, field="target_year"
                    )
                case.target_year = year
            fields.append("target_year")
        if "target_reduction_pct" in data:
            pct = data["target_reduction_pct"]
            if pct in (None, ""):
                case.target_reduction_pct = None
            else:
                try:
                    pct = int(pct)
                except (TypeError, ValueError):
                    raise ApplicationError(
                        _("削減目標は1〜100の整数で入力してください。"), field="target_reduction_pct"
                    ) from None
                if not 1 <= pct <= 100:
                    raise ApplicationError(
                        _("削減目標は1〜100の整数で入力してください。"), field="target_reduction_pct"
                    )
                case.target_reduction_pct = pct
            fields.append("target_reduction_pct")
        case.save(update_fields=[*fields, "updated_at"])
    return case


def measure_add(
    *, case: Case, user: User, family: str, description: str, cost: int, effect: int, difficulty: int
) -> ProposedMeasure:

    if role_of(user=user, case=case) not in (DESK, EXPERT):
        raise ApplicationError(_("この案件を操作する権限がありません。"), field="description")
    if family not in Family.values:
        raise ApplicationError(_("省エネの視点を選んでください。"), field="family")
    description = _clean_text(description, field="description", label=_("対策"), required=True, limit=300)
    if "\n" in description or "\r" in description:
        raise ApplicationError(_("対策は1行で入力してください。"), field="description")
    ranks = {}
    for name, value in (("cost", cost), ("effect", effect), ("difficulty", difficulty)):
        try:
            ranks[name] = int(value)
        except (TypeError, ValueError):
            ranks[name] = 0
        if ranks[name] not in Rank.values:
            raise ApplicationError(_("費用・効果・難しさは「小・中・大」から選んでください。"), field=name)
    return ProposedMeasure.objects.create(case=case, family=family, description=description, **ranks)


# ---------------------------------------------------------------------------------------------------------------
# Visits


def visit_schedule(
    *,
    case: Case,
    user: User,
    starts_at: dt.datetime,
    hours: int | Decimal = 3,
    expert_days,
    done: str = "",
    readings: str = "",
) -> Visit:
    """Schedule (or log) a visit: in the right stage, within the case's period, at most 3 for a diagnosis."""
    days = _decimal(expert_days, field="expert_days", label=_("人日"))
    if days is None or not (VISIT_DAYS_MIN <= days <= VISIT_DAYS_MAX) or days % Decimal("0.5"):
        raise ApplicationError(_("人日は0.5〜3.0の範囲で、0.5刻みで入力してください。"), field="expert_days")
    if starts_at is None or timezone.is_naive(starts_at):
        raise ApplicationError(_("訪問日時を入力してください。"), field="starts_at")
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        hours = Decimal(0)
    if not (Decimal(1) <= hours <= Decimal(10)):
        raise ApplicationError(_("訪問の時間は1〜10時間で入力してください。"), field="hours")
    done = _clean_text(done, field="done", label=_("実施内容"), limit=3000)
    readings = _clean_text(readings, field="readings", label=_("計測・検針の記録"), limit=3000)
    ends_at = starts_at + dt.timedelta(hours=float(hours))
    if (done or readings) and ends_at > timezone.now():
        raise ApplicationError(_("実施内容と計測の記録は、訪問の終了後に記録してください。"), field="done")
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("company", "expert__user").get(pk=case.pk)
        if role_of(user=user, case=case) not in (DESK, EXPERT):
            raise ApplicationError(_("この案件を操作する権限がありません。"), field="starts_at")
        if case.stage not in VISIT_STAGES[case.programme]:
            raise ApplicationError(
                _("「%(stage)s」の段階では訪問を登録できません。") % {"stage": case.get_stage_display()},
                field="starts_at",
            )
        day = jst_date(starts_at)
        if case.period_start and case.period_end and not (case.period_start <= day <= case.period_end):
            raise ApplicationError(
                _("訪問日は支援期間（%(start)s〜%(end)s）の中にしてください。")
                % {"start": f"{case.period_start:%Y-%m-%d}", "end": f"{case.period_end:%Y-%m-%d}"},
                field="starts_at",
            )
        count = case.visits.count()
        if case.programme == Programme.DIAGNOSIS and count >= DIAGNOSIS_MAX_VISITS:
            raise ApplicationError(
                _("診断・助言の訪問は%(n)s回までです。") % {"n": DIAGNOSIS_MAX_VISITS}, field="starts_at"
            )
        visit = Visit.objects.create(
            case=case,
            number=count + 1,
            starts_at=starts_at,
            ends_at=ends_at,
            expert_days=days,
            done=done,
            readings=readings,
        )
        if case.stage in (Stage.EXPERT_ASSIGNED, Stage.KICKOFF):
            following = Stage.VISITS if case.programme == Programme.DIAGNOSIS else Stage.SUPPORT
            previous, case.stage = case.stage, following
            case.save(update_fields=["stage", "updated_at"])
            CaseEvent.objects.create(
                case=case, from_stage=previous, to_stage=following, actor=user, note=_("初回の訪問を登録")
            )
            _notify_stage(case, following)
        _notify_visit(case, visit)
    return visit


def visit_log(*, visit: Visit, user: User, done: str, readings: str = "") -> Visit:
    """After the visit: what was done and which readings were taken; this marks the visit as done."""
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("case").get(pk=visit.pk)
        if role_of(user=user, case=visit.case) not in (DESK, EXPERT):
            raise ApplicationError(_("この案件を操作する権限がありません。"), field="done")
        if visit.case.stage in (Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN):
            raise ApplicationError(_("終了した案件は変更できません。"), field="done")
        if visit.ends_at > timezone.now():
            raise ApplicationError(
                _("第%(n)s回の訪問はまだ終わっていません（%(when)s まで）。訪問の後に記録してください。")
                % {"n": visit.number, "when": format_jst(visit.ends_at, JA_DATETIME)},
                field="done",
            )
        visit.done = _clean_text(done, field="done", label=_("実施内容"), required=True, limit=3000)
        visit.readings = _clean_text(readings, field="readings", label=_("計測・検針の記録"), limit=3000)
        visit.save(update_fields=["done", "readings", "updated_at"])
    return visit


def visit_ics(visit: Visit) -> bytes:
    case = visit.case
    event = CalendarEvent(
        uid=f"dispatch-visit-{visit.pk}@cn-portal",
        start=visit.starts_at,
        end=visit.ends_at,
        summary=_("専門家の訪問（%(programme)s 第%(n)s回）")
        % {"programme": case.get_programme_display(), "n": visit.number},
        description=_("%(company)s ／ 担当専門家：%(expert)s")
        % {"company": case.company.name, "expert": case.expert or "—"},
        location=case.company.name,
    )
    return calendar_bytes([event], method="REQUEST")


def _notify_visit(case: Case, visit: Visit) -> None:
    """One notice to the company and one to the expert, each addressed to its reader."""
    when = format_jst(visit.starts_at, JA_DATETIME)
    subject = SUBJECT_PREFIX + _("専門家派遣：訪問日時のお知らせ（%(when)s）") % {"when": when}
    ics = [Attachment(filename="visit.ics", content=visit_ics(visit), mimetype="text/calendar")]
    readers = [("", _company_recipients(case), _("%(name)s ご担当者様") % {"name": case.company.name})]
    if case.expert_id:
        readers.append((":expert", [case.expert.user.email], _("%(name)s 様") % {"name": case.expert.name}))
    for suffix, to, addressee in readers:
        outbox_enqueue(
            key=f"dispatch:visit:{visit.pk}:scheduled{suffix}",
            to=to,
            subject=subject,
            body=render_to_string(
                "dispatch/mail/visit.txt",
                {"case": case, "visit": visit, "when": when, "addressee": addressee, "url": case_url(case)},
            ),
            attachments=ics,
        )


# ---------------------------------------------------------------------------------------------------------------
# Money and time


def _rates() -> list[DayRate]:
    """Dated rates newest first, then the undated one (in force before any dated rate)."""
    return list(DayRate.objects.order_by(F("effective_from").desc(nulls_last=True)))


def _rate_for(rates: list[DayRate], day: dt.date) -> DayRate | None:
    return next((r for r in rates if r.effective_from is None or r.effective_from <= day), None)


def rate_on(day: dt.date) -> DayRate | None:
    return _rate_for(_rates(), day)


def case_costs(case: Case) -> dict:
    """Expert-days used against the plan, and the cost so far at the rate in force on each visit's day."""
    visits = list(case.visits.all())
    used = sum((v.expert_days for v in visits), Decimal(0))
    if case.programme != Programme.HANDSON:
        return {"used_days": used, "planned_days": None, "cost_yen": 0, "missing_rate": False}
    rates = _rates()
    cost = Decimal(0)
    missing = False
    for visit in visits:
        day = jst_date(visit.starts_at)
        rate = _rate_for(rates, day)
        if rate is None:
            missing = True
            continue
        cost += visit.expert_days * rate.yen_per_expert_day
    planned_cost = None
    if case.planned_expert_days is not None and case.period_start:
        rate = _rate_for(rates, case.period_start)
        if rate is not None:
            planned_cost = int(case.planned_expert_days * rate.yen_per_expert_day)
    return {
        "used_days": used,
        "planned_days": case.planned_expert_days,
        "cost_yen": int(cost),
        "planned_cost_yen": planned_cost,
        "missing_rate": missing,
    }


# ---------------------------------------------------------------------------------------------------------------
# Deliverables


def pdf_directory() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "dispatch"
    path.mkdir(parents=True, exist_ok=True)
    return path


def deliverable_request(*, case: Case, kind: str) -> Deliverable:
    """Queue (again) the rendering of one deliverable."""
    deliverable, _created = Deliverable.objects.get_or_create(case=case, kind=kind)
    Deliverable.objects.filter(pk=deliverable.pk).update(
        status=Deliverable.Status.QUEUED, error="", updated_at=timezone.now()
    )
    _enqueue(task_named(RENDER_DELIVERABLE), deliverable.pk)
    return deliverable


def deliverable_context(case: Case) -> dict:

    now = timezone.now()
    visits = list(case.visits.all())
    return {
        "case": case,
        # Only visits whose time is over and whose record is written count as done; the rest are still planned.
        "visits": [v for v in visits if v.happened(now)],
        "planned_visits": [v for v in visits if not v.happened(now)],
        "measures": list(case.measures.all()),
        "costs": case_costs(case),
        "selfcheck": selectors.shared_selfcheck(case),
        "generated_at": timezone.now(),
    }


def deliverable_pdf_bytes(deliverable: Deliverable) -> bytes:
    case = Case.objects.select_related("company", "expert").get(pk=deliverable.case_id)
    html = render_to_string(
        f"dispatch/pdf/{deliverable.kind}.html", {**deliverable_context(case), "kind": deliverable.get_kind_display()}
    )
    return html_to_pdf(html=html)


def deliverable_render(*, pk: int) -> Deliverable | None:
    """Render one deliverable to a private file; a failure is recorded and the task retries."""
    deliverable = Deliverable.objects.filter(pk=pk).first()
    if deliverable is None:
        return None
    try:
        data = deliverable_pdf_bytes(deliverable)
        name = f"case-{deliverable.case_id}-{deliverable.kind}.pdf"
        target = pdf_directory() / name
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    except Exception as exc:
        Deliverable.objects.filter(pk=pk).update(status=Deliverable.Status.FAILED, error=repr(exc)[:2000])
        raise
    Deliverable.objects.filter(pk=pk).update(
        status=Deliverable.Status.READY, path=name, rendered_at=timezone.now(), error=""
    )
    deliverable.refresh_from_db()
    return deliverable


def deliverables_sweep(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Re-queue deliverables still waiting after a broker outage or a killed worker."""
    stale = Deliverable.objects.filter(status=Deliverable.Status.QUEUED, updated_at__lt=timezone.now() - older_than)
    count = 0
    for pk in stale.values_list("pk", flat=True):
        try:
            task_named(RENDER_DELIVERABLE).delay(pk)
            count += 1
        except Exception:  # noqa: BLE001
            logger.exception("could not queue deliverable %s", pk)
    return count


# ---------------------------------------------------------------------------------------------------------------
# Account closing


CASE_TEXTS = ("wants", "sites", "equipment", "decline_reason", "findings", "goals", "schedule", "roadmap")


def on_account_personal_texts(sender, *, user: User, company, **kwargs) -> list[str]:
    """The free texts of a closing company's cases and visits, so that copies of them in mails can be cut out."""
    if company is None:
        return []
    cases = Case.objects.filter(company=company)
    texts = [t for row in cases.values_list(*CASE_TEXTS) for t in row]
    texts += [t for row in Visit.objects.filter(case__in=cases).values_list("done", "readings") for t in row]
    return [t for t in texts if t]


def on_account_closing(sender, *, user: User, company, **kwargs) -> None:
    """A closing company's cases keep only what anonymous statistics need; open ones are withdrawn."""
    if company is None:
        return
    cases_forget_company(company=company, actor=user)


def cases_forget_company(*, company: Company, actor: User) -> int:
    """Blank every free text, drop the PDFs and withdraw what is still open; running it again changes nothing."""
    done = 0
    for pk in Case.objects.filter(company=company).values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            if case.stage not in (Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN):
                CaseEvent.objects.create(
                    case=case, from_stage=case.stage, to_stage=Stage.WITHDRAWN, actor=actor, note=_("アカウントの削除")
                )
                case.stage = Stage.WITHDRAWN
            for name in CASE_TEXTS:
                setattr(case, name, "")
            case.share_selfcheck = False
            case.shared_with = None
            case.save()
            case.visits.update(done="", readings="")
            case.measures.all().delete()
            for deliverable in case.deliverables.all():
                if deliverable.path:
                    (pdf_directory() / Path(deliverable.path).name).unlink(missing_ok=True)
                deliverable.delete()
        done += 1
    return done
