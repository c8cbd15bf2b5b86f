"""The default emission factor set (温対法 算定・報告・公表制度), the SBT exchange rate and staff permissions."""

from django.db import migrations

from accounts.roles import SELFCHECK_DESK
from core.migration_utils import grant_permissions
from selfcheck.defaults import load_default_factors

def load(apps, schema_editor):
    load_default_factors(apps)
    grant_permissions(
        apps,
        SELFCHECK_DESK,
        [
            "selfcheck.view_factorset",
            "selfcheck.add_factorset",
            "selfcheck.change_factorset",
            "selfcheck.view_factor",
            "selfcheck.add_factor",
            "selfcheck.change_factor",
            "selfcheck.view_selfchecksettings",
            "selfcheck.change_selfchecksettings",
            "selfcheck.view_sheet",
            "selfcheck.view_sheetshare",
            "selfcheck.view_reportdownload",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("selfcheck", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
