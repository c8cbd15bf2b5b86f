"""Catalogue honesty (issue 14, finding 7): forget the invented "last checked" date, name each entry's source
document and its date, say who may use the 中堅企業 track, and call the chambers' plans 環境アクションプラン."""

from django.db import migrations

from accounts.roles import CATALOGUE_EDITOR
from core.migration_utils import grant_permissions
from subsidies.initial_data import (
    ACTION_PLANS,
    MEASURE_SOURCES,
    PLAN_TYPE_OF_CHAMBERS,
    SOURCES,
    TRACK_ELIGIBILITY,
)


def apply(apps, schema_editor):
    Measure = apps.get_model("subsidies", "Measure")
    Track = apps.get_model("subsidies", "Track")
    ActionPlan = apps.get_model("subsidies", "ActionPlan")
    # Nobody has checked any entry yet: the dates the first load and the jGrants import stamped were not checks.
    Measure.objects.update(last_checked=None, last_checked_by=None)
    for name, key in MEASURE_SOURCES.items():
        title, when = SOURCES[key]
        Measure.objects.filter(name=name, source_title="").update(source_title=title, source_date=when)
    for measure in Measure.objects.filter(from_jgrants=True, source_title=""):
        measure.source_title = f"Jグランツ掲載情報（ID: {measure.jgrants_id}）"
        measure.save(update_fields=["source_title"])
    for (measure_name, track_name), (low, high, note) in TRACK_ELIGIBILITY.items():
        Track.objects.filter(measure__name=measure_name, name=track_name).update(
            eligible_min_employees=low, eligible_max_employees=high, eligibility_note=note
        )
    chambers = [row[0] for row in ACTION_PLANS]
    ActionPlan.objects.filter(institution_name__in=chambers, kind="chamber").update(plan_type=PLAN_TYPE_OF_CHAMBERS)


def grant(apps, schema_editor):
    grant_permissions(apps, CATALOGUE_EDITOR, ["subsidies.view_measurecheck"])


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0003_check_record_source_eligibility_plan_type"), ("accounts", "0002_staff_groups")]

    operations = [
        migrations.RunPython(apply, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
