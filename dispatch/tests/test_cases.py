"""Dispatch cases: allowed moves only, who and when recorded, one mail per stage, visits within the rules."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from core.errors import ApplicationError
from core.models import MailOutbox
from core.site import absolute_url
from dispatch import services
from dispatch.models import Case, CaseEvent, DayRate, Programme, Stage, Visit

from .conftest import jst, make_expert

pytestmark = pytest.mark.django_db


def apply(user, programme=Programme.DIAGNOSIS, **extra):
    data = {"wants": "取引先からCO2排出量を求められた", "sites": "愛知県 本社工場 2,000m2", "equipment": "コンプレッサ"}
    data.update(extra)
    return services.case_apply(user=user, programme=programme, **data)


def assigned_diagnosis(sme_user, desk, expert) -> Case:
    case = apply(sme_user)
    services.case_transition(case=case, user=desk, to=Stage.ACCEPTED)
    return services.case_transition(
        case=case,
        user=desk,
        to=Stage.EXPERT_ASSIGNED,
        expert=expert,
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2027, 3, 31),
    )


def stage_mails(case):
    return MailOutbox.objects.filter(key__startswith=f"dispatch:case:{case.pk}:stage:")


def test_an_sme_applies_and_is_told_once(sme_user):
    case = apply(sme_user)
    assert case.stage == Stage.APPLIED and case.applied_at is not None
    assert list(stage_mails(case).values_list("to", flat=True)) == [[sme_user.email]]
    assert CaseEvent.objects.get(case=case).actor == sme_user


def test_a_second_open_application_for_the_same_programme_is_refused(sme_user):
    apply(sme_user)
    with pytest.raises(ApplicationError) as exc:
        apply(sme_user)
    assert exc.value.field == "programme"
    assert Case.objects.count() == 1


@pytest.mark.parametrize("field", ["wants", "sites"])
def test_empty_or_control_characters_are_refused_and_nothing_saved(sme_user, field):
    for bad in ("   ", "ab\x00cd"):
        with pytest.raises(ApplicationError) as exc:
            apply(sme_user, **{field: bad})
        assert exc.value.field == field
    assert not Case.objects.exists()


def test_impossible_transitions_are_refused_with_the_stage_named(sme_user, desk):
    case = apply(sme_user)
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(case=case, user=desk, to=Stage.REPORT_DELIVERED)
    assert "申込み受付" in exc.value.message
    with pytest.raises(ApplicationError):
        services.case_transition(case=case, user=desk, to=Stage.INTERVIEW)  # a hands-on stage
    case.refresh_from_db()
    assert case.stage == Stage.APPLIED


def test_only_the_desk_accepts_and_the_company_cannot_move_its_own_case(sme_user, desk, expert):
    case = apply(sme_user)
    with pytest.raises(ApplicationError):
        services.case_transition(case=case, user=sme_user, to=Stage.ACCEPTED)
    with pytest.raises(ApplicationError):
        services.case_transition(case=case, user=expert.user, to=Stage.ACCEPTED)
    services.case_transition(case=case, user=desk, to=Stage.ACCEPTED)
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.from_stage, event.to_stage, event.actor) == (Stage.APPLIED, Stage.ACCEPTED, desk)


def test_declining_needs_a_reason_and_the_company_reads_it(sme_user, desk):
    case = apply(sme_user)
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(case=case, user=desk, to=Stage.DECLINED, reason="")
    assert exc.value.field == "reason"
    services.case_transition(case=case, user=desk, to=Stage.DECLINED, reason="対象地域の専門家の手配がつかないため")
    mail = stage_mails(case).get(key__endswith=":declined")
    assert "対象地域の専門家の手配がつかないため" in mail.body


def test_each_stage_mails_the_company_once_through_the_whole_diagnosis(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    services.visit_schedule(
        case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=1, done="コンプレッサ室を確認"
    )
    services.case_update_report(
        case=case, user=expert.user, findings="コンプレッサの空転が多い", target_year=2030, target_reduction_pct=30
    )
    services.measure_add(
        case=case,
        user=expert.user,
        family="tomeru",
        description="昼休みのコンプレッサ停止",
        cost=1,
        effect=2,
        difficulty=1,
    )
    services.case_transition(case=case, user=expert.user, to=Stage.REPORT_DELIVERED)
    services.case_transition(case=case, user=desk, to=Stage.CLOSED)
    stages = sorted(k.rsplit(":", 1)[1] for k in stage_mails(case).values_list("key", flat=True))
    assert stages == sorted(["applied", "accepted", "expert_assigned", "visits", "report_delivered", "closed"])
    assert stage_mails(case).count() == 6


def test_the_diagnosis_stops_at_three_visits(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    for day in (2, 9, 16):
        services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, day), expert_days=1)
    with pytest.raises(ApplicationError) as exc:
        services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, 23), expert_days=1)
    assert "3回まで" in exc.value.message and exc.value.field == "starts_at"
    assert Visit.objects.filter(case=case).count() == 3


@pytest.mark.parametrize("days", ["-1", "0", "0.3", "3.5", "1e12", "NaN", "abc", ""])
def test_absurd_expert_days_are_refused(sme_user, desk, expert, days):
    case = assigned_diagnosis(sme_user, desk, expert)
    with pytest.raises(ApplicationError) as exc:
        services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=days)
    assert exc.value.field == "expert_days"
    assert not Visit.objects.exists()


def test_a_visit_outside_the_case_period_is_refused(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    with pytest.raises(ApplicationError) as exc:
        services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 4, 1), expert_days=1)
    assert "支援期間" in exc.value.message
    # 00:30 JST on 1 December is still 30 November in UTC: the JST day counts.
    services.visit_schedule(
        case=case,
        user=expert.user,
        starts_at=dt.datetime(2026, 12, 1, 0, 30, tzinfo=jst(2026, 12, 1).tzinfo),
        expert_days=1,
    )
    assert Visit.objects.count() == 1


def test_an_unassigned_expert_cannot_log_visits(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    other = make_expert(email="other@example.jp", name="別の専門家")
    with pytest.raises(ApplicationError):
        services.visit_schedule(case=case, user=other.user, starts_at=jst(2026, 12, 2), expert_days=1)
    assert not Visit.objects.exists()


def test_a_visit_sends_an_ics_to_company_and_expert(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    visit = services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, 2, 13), expert_days=1)
    company = MailOutbox.objects.get(key=f"dispatch:visit:{visit.pk}:scheduled")
    to_expert = MailOutbox.objects.get(key=f"dispatch:visit:{visit.pk}:scheduled:expert")
    assert company.to == [sme_user.email] and to_expert.to == [expert.user.email]
    for mail in (company, to_expert):
        assert mail.subject.startswith("【CN支援ポータル】") and "2026年12月02日 13:00" in mail.subject
        assert mail.attachments[0]["mimetype"] == "text/calendar"
        assert absolute_url(f"/dispatch/cases/{case.pk}/") in mail.body and absolute_url().startswith("http")
        assert "中小企業カーボンニュートラル支援ポータル" in mail.body.split("\n--\n", 1)[1]  # the signature
    assert company.body.startswith(f"{sme_user.company.name} ご担当者様")
    assert to_expert.body.startswith(f"{expert.name} 様")


def handson_in_support(sme_user, desk, expert) -> Case:
    case = apply(sme_user, programme=Programme.HANDSON)
    services.case_transition(case=case, user=desk, to=Stage.INTERVIEW)
    services.case_transition(
        case=case,
        user=desk,
        to=Stage.PLAN_AGREED,
        expert=expert,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2027, 10, 31),
        planned_expert_days="20",
        goals="2030年度に2022年度比でCO2を50%削減する計画をつくる",
        schedule="月2〜3日",
    )
    services.case_transition(case=case, user=expert.user, to=Stage.KICKOFF)
    return case


def test_handson_cost_uses_the_rate_in_force_on_each_visit_day(sme_user, desk, expert):
    case = handson_in_support(sme_user, desk, expert)
    services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 1, 12), expert_days="1.0")
    services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 4, 12), expert_days="2.0")
    case.refresh_from_db()
    assert case.stage == Stage.SUPPORT  # the first visit starts the support
    costs = services.case_costs(case)
    assert costs["used_days"] == Decimal("3.0") and costs["cost_yen"] == 3 * 17_500
    assert costs["planned_days"] == Decimal("20.0") and costs["planned_cost_yen"] == 20 * 17_500
    DayRate.objects.create(yen_per_expert_day=18_000, effective_from=dt.date(2027, 4, 1), source="テスト用の改定")
    assert services.case_costs(case)["cost_yen"] == 17_500 + 2 * 18_000


def test_the_final_report_needs_before_and_after_figures_and_a_roadmap(sme_user, desk, expert):
    case = handson_in_support(sme_user, desk, expert)
    services.visit_schedule(
        case=case, user=expert.user, starts_at=jst(2026, 11, 12), expert_days=1, done="請求書を確認"
    )
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(case=case, user=expert.user, to=Stage.FINAL_REPORT)
    assert exc.value.field == "after_t"
    services.case_update_report(case=case, user=expert.user, baseline_t="120.5", after_t="98.0", roadmap="2030年 -50%")
    services.case_transition(case=case, user=expert.user, to=Stage.FINAL_REPORT)
    case.refresh_from_db()
    assert case.stage == Stage.FINAL_REPORT


@pytest.mark.parametrize("value", ["-5", "1e15", "x"])
def test_report_figures_out_of_range_are_refused(sme_user, desk, expert, value):
    case = handson_in_support(sme_user, desk, expert)
    with pytest.raises(ApplicationError) as exc:
        services.case_update_report(case=case, user=expert.user, after_t=value)
    assert exc.value.field == "after_t"
    case.refresh_from_db()
    assert case.after_t is None


def test_an_institution_applies_for_a_member_who_must_confirm(sme_user):
    staff = InstitutionUserFactory()
    case = services.case_apply_on_behalf(
        user=staff, company_email=sme_user.email, programme=Programme.DIAGNOSIS, wants="CO2を知りたい", sites="本社"
    )
    assert case.stage == Stage.AWAITING_COMPANY and case.on_behalf_of == staff.institution
    assert not stage_mails(case).exists()
    assert MailOutbox.objects.filter(key=f"dispatch:case:{case.pk}:confirm", to=[sme_user.email]).exists()
    stranger = SmeUserFactory()
    with pytest.raises(ApplicationError):
        services.case_confirm(user=stranger, case=case)
    case = services.case_confirm(user=sme_user, case=case, share_selfcheck=True)
    assert case.stage == Stage.APPLIED and case.share_selfcheck and case.applied_at


def test_an_unknown_member_address_is_named_in_the_error():
    staff = InstitutionUserFactory()
    with pytest.raises(ApplicationError) as exc:
        services.case_apply_on_behalf(
            user=staff, company_email="nobody@example.jp", programme=Programme.DIAGNOSIS, wants="x", sites="y"
        )
    assert exc.value.field == "company_email"
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_visits_on_a_diagnosis_give_exactly_three(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    barrier = threading.Barrier(6)
    outcomes = []

    def attempt(day):
        try:
            barrier.wait()
            services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, day), expert_days=1)
            outcomes.append("ok")
        except ApplicationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(day,)) for day in range(2, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"six concurrent visits: {outcomes.count('ok')} scheduled, {outcomes.count('refused')} refused")
    assert outcomes.count("ok") == 3 and Visit.objects.filter(case=case).count() == 3
    assert sorted(Visit.objects.values_list("number", flat=True)) == [1, 2, 3]


def test_closing_the_account_withdraws_open_cases_and_blanks_their_text(sme_user, desk, expert):
    from accounts.services import account_close

    case = assigned_diagnosis(sme_user, desk, expert)
    services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=1, done="工場を確認")
    services.measure_add(
        case=case, user=expert.user, family="kaeru", description="LED化", cost=2, effect=2, difficulty=1
    )
    deliverable = services.deliverable_request(case=case, kind="diagnosis_report")
    services.deliverable_render(pk=deliverable.pk)
    deliverable.refresh_from_db()
    pdf = services.pdf_directory() / deliverable.path
    assert pdf.exists()
    account_close(user=sme_user)
    case.refresh_from_db()
    assert case.stage == Stage.WITHDRAWN and case.wants == "" and case.sites == "" and not case.share_selfcheck
    assert not case.measures.exists() and not case.deliverables.exists() and not pdf.exists()
    assert case.visits.get().done == "" and case.visits.get().expert_days == Decimal("1.0")  # statistics keep days


# ---------------------------------------------------------------------------------------------------------------
# Item 9 of issue 26: a report (and the end of a case) only after a visit has happened. The clock stands on
# 6 December 2026 (JST), inside the period of assigned_diagnosis, so "past" and "ahead" stay so.

AT = time_machine.travel(dt.datetime(2026, 12, 6, 12, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=True)


def ready_for_report(case, expert):
    services.case_update_report(
        case=case, user=expert.user, findings="空転が多い", target_year=2030, target_reduction_pct=30
    )
    services.measure_add(
        case=case, user=expert.user, family="tomeru", description="昼休みの停止", cost=1, effect=2, difficulty=1
    )


@AT
def test_a_report_cannot_be_filed_while_every_visit_is_still_ahead_or_unrecorded(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    ahead = services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 3, 1), expert_days=1)
    past = services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=1)
    ready_for_report(case, expert)
    for _attempt in range(2):
        with pytest.raises(ApplicationError) as exc:
            services.case_transition(case=case, user=expert.user, to=Stage.REPORT_DELIVERED)
        assert exc.value.field == "visits" and "訪問の後に" in exc.value.message
        case.refresh_from_db()
        assert case.stage == Stage.VISITS and not case.deliverables.exists()
        with pytest.raises(ApplicationError) as exc:  # a visit still ahead cannot be marked done
            services.visit_log(visit=ahead, user=expert.user, done="まだ行っていない")
        assert "まだ終わっていません" in exc.value.message
    services.visit_log(visit=past, user=expert.user, done="照明と空調を確認")
    services.case_transition(case=case, user=expert.user, to=Stage.REPORT_DELIVERED)
    case.refresh_from_db()
    assert case.stage == Stage.REPORT_DELIVERED


@AT
def test_a_future_visit_cannot_be_scheduled_with_a_record_of_what_was_done(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    with pytest.raises(ApplicationError) as exc:
        services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 3, 1), expert_days=1, done="実施")
    assert exc.value.field == "done"
    assert not Visit.objects.exists()


@AT
def test_a_case_without_a_visit_that_happened_cannot_be_closed(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    Case.objects.filter(pk=case.pk).update(stage=Stage.REPORT_DELIVERED)  # as a case reported before the rule
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(case=case, user=desk, to=Stage.CLOSED)
    assert exc.value.field == "visits" and "終了できません" in exc.value.message
    case.refresh_from_db()
    assert case.stage == Stage.REPORT_DELIVERED


@AT
def test_statistics_leave_out_a_report_filed_before_any_visit_happened(sme_user, desk, expert):
    from core.jst import jst_today
    from dispatch import selectors

    case = assigned_diagnosis(sme_user, desk, expert)
    services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 3, 1), expert_days=1)
    Case.objects.filter(pk=case.pk).update(stage=Stage.REPORT_DELIVERED)
    CaseEvent.objects.create(case=case, from_stage=Stage.VISITS, to_stage=Stage.REPORT_DELIVERED, actor=desk)
    today = jst_today()
    stats = selectors.statistics(date_from=today - dt.timedelta(days=30), date_to=today)
    assert stats["total"] == 1 and stats["reports"] == 0 and stats["months_median"] is None


@AT
def test_the_report_pdf_lists_only_visits_that_happened_as_done(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    services.visit_schedule(case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=1, done="実施した")
    services.visit_schedule(case=case, user=expert.user, starts_at=jst(2027, 3, 1), expert_days=1)
    context = services.deliverable_context(Case.objects.get(pk=case.pk))
    assert [v.number for v in context["visits"]] == [1]
    assert [v.number for v in context["planned_visits"]] == [2]


def test_stage_mails_carry_the_portal_prefix_salutation_and_a_clickable_address(sme_user, desk):
    case = apply(sme_user)
    services.case_transition(case=case, user=desk, to=Stage.ACCEPTED)
    for mail in stage_mails(case):
        assert mail.subject.startswith("【CN支援ポータル】専門家派遣")
        assert mail.body.startswith(f"{sme_user.company.name} ご担当者様")
        assert absolute_url(f"/dispatch/cases/{case.pk}/") in mail.body
        assert "\n--\n中小企業カーボンニュートラル支援ポータル" in mail.body
