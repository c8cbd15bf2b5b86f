"""The six consultation windows with the default opening (Tue and Thu, 9:00-17:00), and desk permissions."""

from django.db import migrations

from accounts import roles
from consultations.defaults import create_default_windows
from core.migration_utils import grant_permissions

def forwards(apps, schema_editor):
    Window = apps.get_model("consultations", "ConsultationWindow")
    Rule = apps.get_model("consultations", "OpeningRule")
    create_default_windows(Window, Rule)
    models = ["consultationwindow", "openingrule", "advisor", "advisoravailability", "advisordayoff", "closure"]
    perms = [f"consultations.{verb}_{m}" for m in models for verb in ("view", "add", "change", "delete")]
    perms += ["consultations.view_booking", "consultations.change_booking"]
    grant_permissions(apps, roles.CONSULTATION_DESK, perms)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial"), ("accounts", "0002_staff_groups")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
