"""The default emission factor set (温対法 算定・報告・公表制度) and settings, shared by the data migration and tests."""

from decimal import Decimal

DEFAULT_SET = {
    "name": "温対法 算定・報告・公表制度 排出係数（2024年改正の算定省令）",
    "fiscal_year": 2026,
    "source": "地球温暖化対策の推進に関する法律 温室効果ガス排出量算定・報告・公表制度（算定省令 別表、電気事業者別排出係数）",
    "url": "https://ghg-santeikohyo.env.go.jp/calc",
    "is_default": True,
    "note": "電気は全国平均係数。燃料は単位発熱量×炭素排出係数×44/12。最新の公表値に合わせて管理画面で更新してください。",
}
# source, unit of the factor, t-CO2 per unit, scope
DEFAULT_FACTORS = [
    ("electricity_kwh", "kWh", Decimal("0.000423"), 2),
    ("city_gas_nm3", "千Nm3", Decimal("2.05"), 1),
    ("lpg_kg", "t", Decimal("2.99"), 1),
    ("gasoline_l", "kL", Decimal("2.29"), 1),
    ("kerosene_l", "kL", Decimal("2.50"), 1),
    ("diesel_l", "kL", Decimal("2.62"), 1),
    ("heavy_oil_a_l", "kL", Decimal("2.75"), 1),
    ("heat_gj", "GJ", Decimal("0.057"), 2),
]


def load_default_factors(apps) -> None:
    """Create the default set, its factors and the settings row if missing (idempotent)."""
    FactorSet = apps.get_model("selfcheck", "FactorSet")
    Factor = apps.get_model("selfcheck", "Factor")
    SelfcheckSettings = apps.get_model("selfcheck", "SelfcheckSettings")
    factor_set, _ = FactorSet.objects.get_or_create(
        name=DEFAULT_SET["name"], fiscal_year=DEFAULT_SET["fiscal_year"], defaults=DEFAULT_SET
    )
    for source, unit, value, scope in DEFAULT_FACTORS:
        Factor.objects.get_or_create(
            factor_set=factor_set, source=source, defaults={"unit": unit, "t_per_unit": value, "scope": scope}
        )
    if not SelfcheckSettings.objects.exists():
        SelfcheckSettings.objects.create(jpy_per_eur=Decimal(184))
