"""Demo data of this area for `manage.py load_demo` (idempotent): the demo SME's sheet for each fiscal year that has
a factor set (FY2026 today). Years without a set are skipped, never computed; sharing.demo shares them with the demo
chamber."""

from decimal import Decimal

from accounts.demo import DEMO_SME
from accounts.models import User

from . import services
from .models import FactorSet, Sheet

YEARS = {
    2025: {"electricity_kwh": Decimal(182_000), "lpg_kg": Decimal(3_100), "gasoline_l": Decimal(4_200)},
    2026: {"electricity_kwh": Decimal(165_500), "lpg_kg": Decimal(2_900), "gasoline_l": Decimal(3_900)},
}


def load_demo(*, stdout) -> None:
    sme = User.objects.filter(email=DEMO_SME).select_related("company").first()
    if not sme or not sme.company:
        return
    made = []
    for year, amounts in YEARS.items():
        if not FactorSet.objects.filter(fiscal_year=year).exists():
            continue
        made.append(str(year))
        if Sheet.objects.filter(company=sme.company, fiscal_year=year).exists():
            continue
        sheet = services.sheet_create(fiscal_year=year, company=sme.company)
        services.sheet_save_step1(sheet=sheet, data=amounts)
        services.sheet_save_step2(
            sheet=sheet,
            measures={
                "yameru_lighting": "done",
                "tomeru_empty_room": "done",
                "kaeru_led": "planned",
                "naosu_air_leak": "not_yet",
                "hirou_exhaust_heat": "na",
            },
            awareness={"customer_asked": True, "peer_cases": True},
        )
    stdout.write(f"  セルフチェック: デモ企業の{'・'.join(made)}年度のシート")
