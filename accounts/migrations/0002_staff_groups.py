from django.db import migrations

from accounts.roles import (
    ACCOUNT_ADMIN,
    ALL_GROUPS,
    CATALOGUE_EDITOR,
    CONSULTATION_DESK,
    SELFCHECK_DESK,
    SEMINAR_DESK,
)
from core.migration_utils import grant_permissions


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ALL_GROUPS:
        Group.objects.get_or_create(name=name)
    view_orgs = ["accounts.view_company", "accounts.view_supportinstitution"]
    grant_permissions(apps, CONSULTATION_DESK, view_orgs + ["accounts.view_user"])
    grant_permissions(apps, SEMINAR_DESK, view_orgs + ["accounts.view_user"])
    grant_permissions(apps, SELFCHECK_DESK, view_orgs)
    grant_permissions(apps, CATALOGUE_EDITOR, ["accounts.view_supportinstitution"])
    grant_permissions(
        apps,
        ACCOUNT_ADMIN,
        view_orgs
        + [
            "accounts.add_supportinstitution",
            "accounts.change_supportinstitution",
            "accounts.view_user",
            "accounts.change_user",
            "accounts.change_company",
            "core.view_mailoutbox",
        ],
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ALL_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
