"""The first set says where its documents give no publication year, and no longer calls a figure "pre-revision".

Issue 14: the electricity and purchased-heat factors of the first set have no publication year in any source of
the portal, and no source says the heat factor is a pre-revision value. Texts are replaced only where they are
still the ones migration 0004 wrote; a text staff have since edited is left alone. Values are not touched.
"""

from django.db import migrations

FIRST_SET_NAME = "温対法 算定・報告・公表制度 排出係数（2024年改正の算定省令）"
NO_YEAR = "出典に公表年の記載なし"

# (field, text written by 0004, text from now on); frozen here rather than read from selfcheck.defaults
SET_TEXTS = [
    (
        "publication",
        "算定省令 別表（2024年改正）の燃料の係数と、電気の全国平均係数",
        "算定省令 別表（2024年改正）の燃料の係数と、電気の全国平均係数（電気と購入した熱の係数は出典に公表年の記載なし）",
    ),
]
FACTOR_TEXTS = {
    "electricity_kwh": [
        (
            "publication",
            "全国平均係数（公表年度の記録なし：管理画面で確認してください）",
            NO_YEAR + "（どの年度に公表された全国平均係数かは記録されていません）",
        ),
    ],
    "heat_gj": [
        ("publication", "2024年改正前の算定省令の表の値", NO_YEAR),
        (
            "note",
            "改正前の値を引き継いでいます。最新の公表値と照合してください。",
            "このポータルの出典資料には、この値と照合できる目安がありません。",
        ),
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
    for factor_set in FactorSet.objects.filter(name=FIRST_SET_NAME, fiscal_year=2026, version=1):
        _replace(factor_set, SET_TEXTS, forward=forward)
        for factor in Factor.objects.filter(factor_set=factor_set, source__in=FACTOR_TEXTS):
            _replace(factor, FACTOR_TEXTS[factor.source], forward=forward)


def forward(apps, schema_editor):
    _run(apps, forward=True)


def backward(apps, schema_editor):
    _run(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("selfcheck", "0009_merge_history_and_city_gas")]

    operations = [migrations.RunPython(forward, backward)]
