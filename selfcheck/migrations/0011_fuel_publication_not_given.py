"""The first set no longer names a revision year of the calculation ordinance: no source of the portal gives one.

Issue 14: the fuel factors of the first set said 「算定省令 別表（2024年改正）」 and the set was named 「…（2024年改正の
算定省令）」, but no document in reference/ or DOMAIN.md gives that year or revision. The fuel rows now say
「出典に公表年の記載なし」, like the electricity and heat rows since 0010. The per-row "照合：…" notes go too: they named
the Aichi call with an author and year the call does not state as such, and the factor list now computes from the
stored value whether it agrees with the call's table (selfcheck.crosscheck). Texts are replaced only where they are
still the ones 0004 (and 0010) wrote; a text staff have since edited is left alone. Values are not touched.
"""

from django.db import migrations

OLD_NAME = "温対法 算定・報告・公表制度 排出係数（2024年改正の算定省令）"
NEW_NAME = "温対法 算定・報告・公表制度 排出係数"
NO_YEAR = "出典に公表年の記載なし"
OLD_FUEL_PUBLICATION = "算定省令 別表（2024年改正）"
OLD_AICHI = "愛知県「令和8年度中小企業脱炭素経営強化促進事業 募集要項」（愛知県環境局地球温暖化対策課、2026年）"


def _old_aichi_note(amount: str) -> str:
    return f"照合：{OLD_AICHI}の目安「{amount}」で10,000 t-CO2"


# (field, text written by 0004 or 0010, text from now on); frozen here rather than read from selfcheck.defaults
SET_TEXTS = [
    ("name", OLD_NAME, NEW_NAME),
    (
        "publication",
        "算定省令 別表（2024年改正）の燃料の係数と、電気の全国平均係数（電気と購入した熱の係数は出典に公表年の記載なし）",
        "算定省令 別表の燃料の係数と、電気の全国平均係数（どの係数も出典に公表年の記載なし）",
    ),
    (
        "note",
        "2026年度の値として、" + OLD_AICHI + "の「CO2排出量が10,000tとなる場合の年間エネルギー使用量の目安」"
        "と照合しています（電気・都市ガス・LPG・ガソリン・A重油・軽油、差はいずれも1.5%以内）。",
        "",
    ),
]
FACTOR_TEXTS = {
    "electricity_kwh": [
        (
            "note",
            "ロケーション基準のScope 2に使用。" + _old_aichi_note("電気 約23,750千kWh") + "（差0.5%以内）",
            "ロケーション基準のScope 2に使用。",
        ),
    ],
    "city_gas_nm3": [
        ("publication", OLD_FUEL_PUBLICATION, NO_YEAR),
        (
            "note",
            "40.0 GJ/千Nm3 × 0.0140 t-C/GJ × 44/12。" + _old_aichi_note("都市ガス 約4,880千Nm3"),
            "40.0 GJ/千Nm3 × 0.0140 t-C/GJ × 44/12",
        ),
    ],
    "lpg_kg": [
        ("publication", OLD_FUEL_PUBLICATION, NO_YEAR),
        ("note", _old_aichi_note("LPG 約3,340t"), ""),
    ],
    "gasoline_l": [
        ("publication", OLD_FUEL_PUBLICATION, NO_YEAR),
        ("note", _old_aichi_note("ガソリン 約4,370kL"), ""),
    ],
    "kerosene_l": [("publication", OLD_FUEL_PUBLICATION, NO_YEAR)],
    "diesel_l": [
        ("publication", OLD_FUEL_PUBLICATION, NO_YEAR),
        ("note", _old_aichi_note("軽油 約3,820kL"), ""),
    ],
    "heavy_oil_a_l": [
        ("publication", OLD_FUEL_PUBLICATION, NO_YEAR),
        ("note", _old_aichi_note("A重油 約3,630kL"), ""),
    ],
}


def _replace(row, texts, *, forward: bool) -> None:
    changed = []
    for field, old, new in texts:
        before, after = (old, new) if forward else (new, old)
        if getattr(row, field) == before:
            setattr(row, field, after)
            changed.append(field)
    if changed:
        row.save(update_fields=changed)


def _run(apps, *, forward: bool) -> None:
    FactorSet = apps.get_model("selfcheck", "FactorSet")
    Factor = apps.get_model("selfcheck", "Factor")
    for factor_set in FactorSet.objects.filter(name__in=[OLD_NAME, NEW_NAME], fiscal_year=2026, version=1):
        _replace(factor_set, SET_TEXTS, forward=forward)
        for factor in Factor.objects.filter(factor_set=factor_set, source__in=FACTOR_TEXTS):
            _replace(factor, FACTOR_TEXTS[factor.source], forward=forward)


def forward(apps, schema_editor):
    _run(apps, forward=True)


def backward(apps, schema_editor):
    _run(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("selfcheck", "0010_factor_publication_not_given")]

    operations = [migrations.RunPython(forward, backward)]
