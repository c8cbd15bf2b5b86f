"""Demo data of this area for `manage.py load_demo` (idempotent): fictional advisors, a closure, a few bookings."""

import datetime as dt

from .models import Advisor, AdvisorAvailability, Closure, ConsultationWindow

# name, expertise, qualification, years, windows, the intake topics each covers (routing by expertise)
ADVISORS = [
    (
        "山田 太一（デモ）",
        "工場の省エネ・ボイラー更新",
        "エネルギー管理士",
        22,
        ["hq", "chubu"],
        ["current_state", "subsidy"],
    ),
    (
        "佐藤 みなみ（デモ）",
        "環境マネジメント・CO2算定",
        "中小企業診断士",
        12,
        ["hq", "tohoku"],
        ["current_state", "supply_chain"],
    ),
    ("鈴木 健（デモ）", "建物の省エネ・空調", "技術士（衛生工学）", 18, ["hq", "kinki"], ["renewables", "subsidy"]),
    ("高橋 彩（デモ）", "LCA・カーボンフットプリント", "公害防止管理者", 9, ["hq", "chugoku"], ["pr", "supply_chain"]),
    (
        "伊藤 修（デモ）",
        "IoT・AIによる見える化",
        "エネルギー管理士",
        15,
        ["hq", "kyushu"],
        ["current_state", "renewables"],
    ),
]

# The demo advisor who signs in to the advisors' workspace (advisors.demo gives this address its login).
DEMO_EMAILS = {"山田 太一（デモ）": "advisor@example.jp"}


def load_demo(*, stdout) -> None:
    windows = {w.code: w for w in ConsultationWindow.objects.all()}
    for name, expertise, qualification, years, codes, topics in ADVISORS:
        advisor, created = Advisor.objects.get_or_create(
            name=name,
            defaults={
                "expertise": expertise,
                "qualifications": qualification,
                "years_of_experience": years,
                "bio": f"{expertise}を専門とする架空の専門家です（デモデータ）。",
                "topics": topics,
            },
        )
        if name in DEMO_EMAILS and advisor.email != DEMO_EMAILS[name]:
            advisor.email = DEMO_EMAILS[name]
            advisor.save(update_fields=["email", "updated_at"])
        advisor.windows.set([windows[c] for c in codes if c in windows])
        if created:
            for weekday in (1, 3):
                AdvisorAvailability.objects.create(advisor=advisor, weekday=weekday, start=dt.time(9), end=dt.time(17))
    for year in (2026, 2027):
        for day in (dt.date(year, 12, 29), dt.date(year, 12, 30), dt.date(year, 12, 31)):
            Closure.objects.get_or_create(window=None, date=day, defaults={"reason": "年末休業"})
    stdout.write(f"consultations: {Advisor.objects.count()} advisors, {len(windows)} windows")
