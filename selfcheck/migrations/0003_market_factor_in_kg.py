"""The retailer's electricity factor is entered in kg-CO2/kWh, as retailers publish it (it was t-CO2/kWh).

Stored values are converted: up to 0.002 they were genuine t-CO2/kWh figures (x 1,000); above that they were
kg-CO2/kWh figures typed into the t-CO2/kWh field (0.421 for 0.421 kg), which the old form accepted and used
1,000 times too large, so they are kept as they were typed.
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import Q

T_LIMIT = Decimal("0.002")


def to_kg(apps, schema_editor):
    Sheet = apps.get_model("selfcheck", "Sheet")
    for sheet in Sheet.objects.filter(market_electricity_factor__isnull=False).only("pk", "market_electricity_factor"):
        value = sheet.market_electricity_factor
        kg = value * 1000 if value <= T_LIMIT else value
        Sheet.objects.filter(pk=sheet.pk).update(market_electricity_kg_per_kwh=kg if kg <= 2 else None)


def to_t(apps, schema_editor):
    Sheet = apps.get_model("selfcheck", "Sheet")
    for sheet in Sheet.objects.filter(market_electricity_kg_per_kwh__isnull=False):
        Sheet.objects.filter(pk=sheet.pk).update(market_electricity_factor=sheet.market_electricity_kg_per_kwh / 1000)


class Migration(migrations.Migration):
    dependencies = [("selfcheck", "0002_default_factors")]

    operations = [
        migrations.AddField(
            model_name="sheet",
            name="market_electricity_kg_per_kwh",
            field=models.DecimalField(
                blank=True,
                decimal_places=6,
                max_digits=9,
                null=True,
                verbose_name="電力会社の排出係数（kg-CO2/kWh）",
            ),
        ),
        migrations.RunPython(to_kg, to_t),
        migrations.RemoveField(model_name="sheet", name="market_electricity_factor"),
        migrations.AddConstraint(
            model_name="sheet",
            constraint=models.CheckConstraint(
                condition=Q(market_electricity_kg_per_kwh__isnull=True)
                | Q(market_electricity_kg_per_kwh__gte=0, market_electricity_kg_per_kwh__lte=2),
                name="sheet_market_factor_kg_range",
            ),
        ),
    ]
