"""The first emission factor set (温対法 算定・報告・公表制度) and settings, shared by data migrations and tests.

Values come from the repository's first data migration; where each value comes from is stated per factor
(docs/selfcheck.md). No document in reference/ or DOMAIN.md gives the year any of them was published, so the texts
say 「出典に公表年の記載なし」 rather than name a revision. Whether a value agrees with reference/004 (the Aichi call's
table of the annual energy use that equals 10,000 t-CO2) is computed from the stored value (selfcheck.crosscheck) and
shown by the factor list, not written here.
"""

from decimal import Decimal

# Frozen: what migration 0002 loaded (its model still had is_default). Do not change; use FIRST_SET below.
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

# The set's name from migration 0011 on: the name 0002 gave it named a revision year no source gives.
FIRST_SET_NAME = "温対法 算定・報告・公表制度 排出係数"
# Said on the page wherever the documents behind a factor do not give the year (or document) it was published in;
# nothing is called "before/after the revision" or "revised in <year>" unless a source says so.
NO_PUBLICATION_YEAR = "出典に公表年の記載なし"
# The same set as it is described from migration 0004 on (versioned, with a publication and per-factor sources).
# "name" stays the one 0002 gave: 0004 finds the set by it, and 0011 renames it to FIRST_SET_NAME.
FIRST_SET = {
    "name": DEFAULT_SET["name"],
    "fiscal_year": 2026,
    "version": 1,
    "source": DEFAULT_SET["source"],
    "publication": "算定省令 別表の燃料の係数と、電気の全国平均係数（どの係数も" + NO_PUBLICATION_YEAR + "）",
    "url": DEFAULT_SET["url"],
    "note": "",
}
FUEL_SOURCE = "温対法 算定省令 別表（単位発熱量×炭素排出係数×44/12、3桁に丸め）"

# source -> (source text, publication, note)
FIRST_SET_FACTOR_TEXTS = {
    "electricity_kwh": (
        "温対法 算定・報告・公表制度 電気事業者別排出係数（全国平均係数）",
        NO_PUBLICATION_YEAR + "（どの年度に公表された全国平均係数かは記録されていません）",
        "ロケーション基準のScope 2に使用。",
    ),
    "city_gas_nm3": (FUEL_SOURCE, NO_PUBLICATION_YEAR, "40.0 GJ/千Nm3 × 0.0140 t-C/GJ × 44/12"),
    "lpg_kg": (FUEL_SOURCE, NO_PUBLICATION_YEAR, ""),
    "gasoline_l": (FUEL_SOURCE, NO_PUBLICATION_YEAR, ""),
    "kerosene_l": (FUEL_SOURCE, NO_PUBLICATION_YEAR, "愛知県の募集要項の目安には灯油の行はありません。"),
    "diesel_l": (FUEL_SOURCE, NO_PUBLICATION_YEAR, ""),
    "heavy_oil_a_l": (FUEL_SOURCE, NO_PUBLICATION_YEAR, ""),
    "heat_gj": (
        "温対法 算定省令 別表（購入した熱）",
        NO_PUBLICATION_YEAR,
        "このポータルの出典資料には、この値と照合できる目安がありません。",
    ),
}


def load_default_factors(apps) -> None:
    """Frozen for migration 0002: create the first set, its factors and the settings row if missing."""
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
