"""Only HQ's online window has the source's timetable (reference/000); a regional window is a contact until staff set
one (issue 25). Rules staff changed are kept."""

from django.db import migrations

from consultations.defaults import regional_windows_contact_only


def apply(apps, schema_editor):
    regional_windows_contact_only(apps.get_model("consultations", "ConsultationWindow"), apps.get_model("consultations", "OpeningRule"))


class Migration(migrations.Migration):
    dependencies = [("consultations", "0009_booking_hold")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
