from django.db import migrations

from core.migration_utils import grant_permissions

DESK_GROUP = "専門家派遣デスク"
SOURCE = "中小機構「中小機構のカーボンニュートラル支援」ハンズオン支援：17,500円（専門家1名・1日あたり）。適用開始日の記載なし"


def load(apps, schema_editor):
    DayRate = apps.get_model("dispatch", "DayRate")
    DayRate.objects.get_or_create(effective_from=None, defaults={"yen_per_expert_day": 17_500, "source": SOURCE})
    grant_permissions(
        apps,
        DESK_GROUP,
        [
            "dispatch.view_case",
            "dispatch.change_case",
            "dispatch.run_dispatch_desk",
            "dispatch.view_expert",
            "dispatch.add_expert",
            "dispatch.change_expert",
            "dispatch.view_dayrate",
            "dispatch.add_dayrate",
            "dispatch.change_dayrate",
            "dispatch.view_visit",
            "dispatch.view_deliverable",
            "dispatch.view_caseevent",
        ],
    )


def unload(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=DESK_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(load, unload)]
