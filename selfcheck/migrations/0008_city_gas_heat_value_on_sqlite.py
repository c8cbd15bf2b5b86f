"""0007 matched the first set's city gas factor with a SQL comparison of 2.05, which SQLite (the local demo
database) can miss; this repeats its data step comparing in Python. Idempotent; nothing else changes."""

from decimal import Decimal

from django.db import migrations

FIRST_SET_NAME = "温対法 算定・報告・公表制度 排出係数（2024年改正の算定省令）"
CITY_GAS_GJ_PER_THOUSAND_NM3 = Decimal("40.0")


def forward(apps, schema_editor):
    Factor = apps.get_model("selfcheck", "Factor")
    Sheet = apps.get_model("selfcheck", "Sheet")
    candidates = Factor.objects.filter(
        factor_set__name=FIRST_SET_NAME,
        factor_set__fiscal_year=2026,
        factor_set__version=1,
        source="city_gas_nm3",
        gj_per_unit__isnull=True,
    )
    for factor in candidates:
        if Decimal(str(factor.t_per_unit)).quantize(Decimal("0.0000001")) != Decimal("2.0500000"):
            continue
        factor.gj_per_unit = CITY_GAS_GJ_PER_THOUSAND_NM3
        factor.save(update_fields=["gj_per_unit"])
        for sheet in Sheet.objects.filter(factor_set_id=factor.factor_set_id):
            row = sheet.factors_used.get("city_gas_nm3")
            if row is not None and "gj_per_unit" not in row:
                row["gj_per_unit"] = str(CITY_GAS_GJ_PER_THOUSAND_NM3)
                sheet.save(update_fields=["factors_used"])


class Migration(migrations.Migration):
    dependencies = [("selfcheck", "0007_bill_units_and_fiscal_months")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
