"""An institution sits in on one consultation at a time (issue 26: it could be booked twice at the same hour).

Everywhere: a partial unique constraint on (sitting_in, start) over active bookings. PostgreSQL also gets an
exclusion constraint over tstzrange(start, "end", '[)'), as for advisors and companies in 0003, so windows whose
slots are not on the hour cannot overlap either; SQLite has no exclusion constraints."""

from django.db import migrations, models

ACTIVE = "('requested', 'confirmed', 'done')"
NAME = "booking_sitting_in_no_overlap_active"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("consultations", "Booking")._meta.db_table)
    schema_editor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {NAME} EXCLUDE USING gist "
        f'(sitting_in_id WITH =, tstzrange("start", "end", \'[)\') WITH &&) '
        f"WHERE (status IN {ACTIVE} AND sitting_in_id IS NOT NULL)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("consultations", "Booking")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_company_for_institution"),
        ("consultations", "0006_booking_history_without_token"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("sitting_in__isnull", False), ("status__in", ["requested", "confirmed", "done"])),
                fields=("sitting_in", "start"),
                name="booking_sitting_in_slot_unique_active",
                violation_error_message="この支援機関はこの時間に別の相談に同席する予定です。",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
