"""Factor sets become versions; each sheet freezes the factors its results were computed with.

Data: every existing set becomes version 1, 2, … of its fiscal year (in the order it was created); the first set's
factors get their sources and cross-checks (only where the value is still the one first loaded: a value staff have
changed keeps blank texts rather than a source that no longer describes it). Every sheet freezes the factors of the
set it points to today, and its stored total is recomputed with them, so the list, the CSV and the page agree.
"""

from decimal import ROUND_HALF_UP, Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# source -> divisor from the entered unit to the factor's unit, as in the calculator when this migration was written
DIVISORS = {
    "electricity_kwh": Decimal(1),
    "city_gas_nm3": Decimal(1000),
    "lpg_kg": Decimal(1000),
    "gasoline_l": Decimal(1000),
    "kerosene_l": Decimal(1000),
    "diesel_l": Decimal(1000),
    "heavy_oil_a_l": Decimal(1000),
    "heat_gj": Decimal(1),
}


def versions_and_frozen_factors(apps, schema_editor):
    from selfcheck.defaults import DEFAULT_FACTORS, FIRST_SET, FIRST_SET_FACTOR_TEXTS

    FactorSet = apps.get_model("selfcheck", "FactorSet")
    Factor = apps.get_model("selfcheck", "Factor")
    Sheet = apps.get_model("selfcheck", "Sheet")
    counters: dict[int, int] = {}
    for factor_set in FactorSet.objects.order_by("fiscal_year", "created_at", "pk"):
        counters[factor_set.fiscal_year] = counters.get(factor_set.fiscal_year, 0) + 1
        factor_set.version = counters[factor_set.fiscal_year]
        if factor_set.name == FIRST_SET["name"] and factor_set.fiscal_year == FIRST_SET["fiscal_year"]:
            factor_set.publication = FIRST_SET["publication"]
            factor_set.note = FIRST_SET["note"]
        factor_set.save(update_fields=["version", "publication", "note"])
        if factor_set.name != FIRST_SET["name"]:
            continue
        first_values = {source: value for source, _unit, value, _scope in DEFAULT_FACTORS}
        for factor in Factor.objects.filter(factor_set=factor_set):
            if factor.t_per_unit == first_values.get(factor.source):
                factor.source_text, factor.publication, factor.note = FIRST_SET_FACTOR_TEXTS[factor.source]
                factor.save(update_fields=["source_text", "publication", "note"])
    for sheet in Sheet.objects.all():
        rows = {f.source: f for f in Factor.objects.filter(factor_set_id=sheet.factor_set_id)}
        sheet.factors_used = {
            source: {"t_per_unit": str(f.t_per_unit), "unit": f.unit, "scope": f.scope} for source, f in rows.items()
        }
        total = None
        for source, divisor in DIVISORS.items():
            amount = getattr(sheet, source)
            if amount is not None and source in rows:
                total = (total or Decimal(0)) + amount / divisor * rows[source].t_per_unit
        sheet.total_t = None if total is None else total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        sheet.save(update_fields=["factors_used", "total_t"])


class Migration(migrations.Migration):

    dependencies = [
        ('selfcheck', '0003_market_factor_in_kg'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='factorset',
            options={'ordering': ['-fiscal_year', '-version'], 'verbose_name': '排出係数セット', 'verbose_name_plural': '排出係数セット'},
        ),
        migrations.RemoveConstraint(
            model_name='factorset',
            name='one_default_factor_set',
        ),
        migrations.RemoveConstraint(
            model_name='factorset',
            name='factor_set_name_year',
        ),
        migrations.RemoveField(
            model_name='factorset',
            name='is_default',
        ),
        migrations.AddField(
            model_name='factor',
            name='note',
            field=models.CharField(blank=True, max_length=500, verbose_name='算出方法・照合'),
        ),
        migrations.AddField(
            model_name='factor',
            name='publication',
            field=models.CharField(blank=True, help_text='空欄ならセットの公表資料', max_length=300, verbose_name='公表資料（この係数）'),
        ),
        migrations.AddField(
            model_name='factor',
            name='source_text',
            field=models.CharField(blank=True, help_text='空欄ならセットの出典', max_length=300, verbose_name='出典（この係数）'),
        ),
        migrations.AddField(
            model_name='factorset',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登録した人'),
        ),
        migrations.AddField(
            model_name='factorset',
            name='previous',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='next_versions', to='selfcheck.factorset', verbose_name='前の版'),
        ),
        migrations.AddField(
            model_name='factorset',
            name='publication',
            field=models.CharField(blank=True, help_text='係数を載せている資料の名称と公表時期', max_length=300, verbose_name='公表資料'),
        ),
        migrations.AddField(
            model_name='factorset',
            name='version',
            field=models.PositiveIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name='版'),
        ),
        migrations.AddField(
            model_name='sheet',
            name='factors_used',
            field=models.JSONField(blank=True, default=dict, verbose_name='計算に使った排出係数'),
        ),
        migrations.AlterField(
            model_name='factorset',
            name='fiscal_year',
            field=models.PositiveIntegerField(help_text='この係数を使うエネルギー使用の年度（4月〜翌年3月）', validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='対象年度'),
        ),
        migrations.RunPython(versions_and_frozen_factors, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='factorset',
            constraint=models.UniqueConstraint(fields=('fiscal_year', 'version'), name='factor_set_year_version'),
        ),
        migrations.AddConstraint(
            model_name='factorset',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='factor_set_version_positive'),
        ),
    ]
