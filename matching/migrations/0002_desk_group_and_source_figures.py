from django.db import migrations

from core.migration_utils import grant_permissions
from matching.roles import MATCHING_DESK

# Quoted from reference/000 (中小機構「中小機構のカーボンニュートラルに係る取組みについて」), the page on the
# WEB商談 event with decarbonisation and carbon neutrality as main themes (中小機構関東本部, on J-GoodTech).
SOURCE = "中小機構「中小機構のカーボンニュートラルに係る取組みについて」（関東本部のWEB商談会、J-GoodTech）"
FIGURES = [
    {
        "fiscal_year": 2021,
        "buyers": 23,
        "needs": 62,
        "proposals": 788,
        "proposing_smes": 535,
        "negotiations": 162,
        "negotiating_firms": 129,
        "note": "令和3年度、2回開催（第1回 4月〜、第2回 10月〜）",
    },
    {
        "fiscal_year": 2022,
        "buyers": 31,
        "needs": 88,
        "proposals": 1100,
        "proposing_smes": 523,
        "negotiations": None,
        "negotiating_firms": None,
        "note": "令和4年度（5月〜）。商談は出典の時点で調整中のため件数なし",
    },
]


def load_figures(apps):
    SourceFigure = apps.get_model("matching", "SourceFigure")
    for row in FIGURES:
        SourceFigure.objects.update_or_create(fiscal_year=row["fiscal_year"], defaults={**row, "source": SOURCE})


def load(apps, schema_editor):
    load_figures(apps)
    grant_permissions(
        apps,
        MATCHING_DESK,
        [
            "accounts.view_company",
            "matching.view_buyer",
            "matching.change_buyer",
            "matching.add_buyer",
            "matching.view_buyermember",
            "matching.approve_buyermember",
            "matching.view_need",
            "matching.review_need",
            "matching.view_proposal",
            "matching.view_attachment",
            "matching.view_meeting",
            "matching.view_auditevent",
            "matching.view_sourcefigure",
            "matching.view_matching_statistics",
        ],
    )


def unload(apps, schema_editor):
    apps.get_model("matching", "SourceFigure").objects.filter(fiscal_year__in=[r["fiscal_year"] for r in FIGURES]).delete()
    apps.get_model("auth", "Group").objects.filter(name=MATCHING_DESK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("accounts", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(load, unload)]
