from datetime import date, datetime

from django.db import migrations

from accounts.roles import CATALOGUE_EDITOR
from core.migration_utils import grant_permissions
from subsidies.initial_data import ACTION_PLANS, ACTION_PLANS_SOURCE, LAST_CHECKED, MEASURES, METI_SME_CN


def _codes(values) -> str:
    return f",{','.join(values)}," if values else ""


def load(apps, schema_editor):
    Measure = apps.get_model("subsidies", "Measure")
    Track = apps.get_model("subsidies", "Track")
    TrackCap = apps.get_model("subsidies", "TrackCap")
    ApplicationRound = apps.get_model("subsidies", "ApplicationRound")
    ActionPlan = apps.get_model("subsidies", "ActionPlan")
    for item in MEASURES:
        measure = Measure.objects.create(
            name=item["name"],
            kind=item["kind"],
            administering_body=item["administering_body"],
            step=item["step"],
            use_purpose=item.get("use_purpose", ""),
            description=item.get("description", ""),
            target_number_of_employees=item.get("target_number_of_employees", "従業員数の制約なし"),
            industry=_codes(item.get("industry", [])),
            target_area_search=_codes(item.get("target_area_search", [])),
            subsidy_max_limit=item.get("subsidy_max_limit"),
            subsidy_rate=item.get("subsidy_rate", ""),
            source_url=item.get("source_url", METI_SME_CN),
            last_checked=date.fromisoformat(LAST_CHECKED),
        )
        for position, (name, num, den, minimum, caps) in enumerate(item.get("tracks", [])):
            track = Track.objects.create(
                measure=measure,
                name=name,
                subsidy_rate=f"{num}/{den}",
                rate_numerator=num,
                rate_denominator=den,
                min_amount_yen=minimum,
                position=position,
            )
            for low, high, amount in caps:
                TrackCap.objects.create(track=track, min_employees=low, max_employees=high, max_amount_yen=amount)
        for name, start, end in item.get("rounds", []):
            ApplicationRound.objects.create(
                measure=measure,
                name=name,
                acceptance_start_datetime=datetime.fromisoformat(start),
                acceptance_end_datetime=datetime.fromisoformat(end),
            )
    for name, pref, area, plan_date, title, summary, activities in ACTION_PLANS:
        ActionPlan.objects.create(
            institution_name=name,
            kind="chamber",
            prefecture=pref,
            area=area,
            plan_date=date.fromisoformat(plan_date) if plan_date else None,
            title=title,
            summary=summary,
            activities=_codes(activities),
            url=ACTION_PLANS_SOURCE if title else "",
        )
    perms = [
        f"subsidies.{action}_{model}"
        for model in ("measure", "track", "trackcap", "applicationround", "actionplan")
        for action in ("view", "add", "change", "delete")
    ]
    grant_permissions(apps, CATALOGUE_EDITOR, perms + ["subsidies.view_follow"])


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
