"""Demo: one CO2 diagnosis in its visits and one hands-on support under way, with fictional people."""

import datetime as dt

from accounts.demo import DEMO_ADMIN, DEMO_SME, _user, desk_steps
from accounts.models import Company, User
from core.choices import EmployeeBand, Industry, Prefecture, RevenueBand
from core.jst import JST, jst_today

from . import services
from .models import Case, Expert, Programme, Stage

DEMO_EXPERT = "expert@example.jp"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=JST)


def load_demo(*, stdout) -> None:
    expert_user = _user(DEMO_EXPERT, last_name="省エネ", first_name="次郎")
    expert, _ = Expert.objects.get_or_create(
        user=expert_user,
        defaults={"name": "省エネ 次郎（デモ）", "qualifications": "エネルギー管理士", "fields": "工場の省エネ"},
    )
    stdout.write(
        f"  派遣専門家 (dispatch expert): {DEMO_EXPERT}  → 初回ログイン後 /accounts/2fa/totp/activate/ で"
        "認証アプリを登録すると /dispatch/expert/ が開きます (a second factor, as for staff)"
    )
    if Case.objects.exists():
        return
    desk = User.objects.get(email=DEMO_ADMIN)
    today = jst_today()
    with desk_steps(desk, expert_user):
        _cases(desk=desk, expert=expert, expert_user=expert_user, today=today)


def _cases(*, desk: User, expert: Expert, expert_user: User, today: dt.date) -> None:
    sme = User.objects.get(email=DEMO_SME)
    diagnosis = services.case_apply(
        user=sme,
        programme=Programme.DIAGNOSIS,
        wants="主要な取引先からCO2排出量の報告を求められたので、まず自社の排出量を知りたい。",
        sites="愛知県 本社工場（約1,500m²）",
        equipment="コンプレッサ2台、空調、蛍光灯照明、フォークリフト",
        share_selfcheck=True,
        origin="catalogue",
    )
    services.case_transition(case=diagnosis, user=desk, to=Stage.ACCEPTED)
    services.case_transition(
        case=diagnosis,
        user=desk,
        to=Stage.EXPERT_ASSIGNED,
        expert=expert,
        period_start=today - dt.timedelta(days=30),
        period_end=today + dt.timedelta(days=60),
    )
    services.visit_schedule(
        case=diagnosis,
        user=expert_user,
        starts_at=_at(today - dt.timedelta(days=20)),
        expert_days="1.0",
        done="工場内を巡回し、電力と燃料の請求書を確認",
        readings="受電の月別使用量（12か月分）を記録",
    )
    services.visit_schedule(
        case=diagnosis, user=expert_user, starts_at=_at(today + dt.timedelta(days=7)), expert_days="1.0"
    )

    company, _ = Company.objects.get_or_create(
        name="有限会社あおば食品（デモ）",
        defaults={
            "prefecture": Prefecture.FUKUOKA,
            "industry": Industry.MANUFACTURING,
            "employee_band": EmployeeBand.UP_TO_50,
            "employees": 38,
            "revenue_band": RevenueBand.UP_TO_1B,
        },
    )
    owner = _user("aoba@example.jp", company=company, last_name="青葉", first_name="京子")
    handson = services.case_apply(
        user=owner,
        programme=Programme.HANDSON,
        wants="2030年度までにCO2を半減する計画を立て、設備更新の順番を決めたい。",
        sites="福岡県 本社・第一工場",
        equipment="ボイラ、冷凍機、配送車5台",
    )
    services.case_transition(case=handson, user=desk, to=Stage.INTERVIEW)
    services.case_transition(
        case=handson,
        user=desk,
        to=Stage.PLAN_AGREED,
        expert=expert,
        period_start=today - dt.timedelta(days=60),
        period_end=today + dt.timedelta(days=240),
        planned_expert_days="20",
        goals="5年分の請求書からCO2排出量を算出し、主要設備を計測して、2030年度に半減するロードマップをつくる。",
        schedule="月2〜3日の訪問（10か月）",
    )
    services.case_transition(case=handson, user=expert_user, to=Stage.KICKOFF)
    for days_ago in (45, 30, 15):
        services.visit_schedule(
            case=handson, user=expert_user, starts_at=_at(today - dt.timedelta(days=days_ago), 13), expert_days="1.0"
        )
