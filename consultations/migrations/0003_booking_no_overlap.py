"""No advisor and no company may hold two overlapping active bookings, whatever the windows and their grids.

PostgreSQL only: exclusion constraints over tstzrange(start, "end", '[)') with btree_gist for the equality
on the foreign key. SQLite (the zero-configuration `make run`) keeps the per-(advisor, start) unique
constraint of 0001 and the service's checks; it has no exclusion constraints, so nothing is done there.
"""

from django.db import migrations

ACTIVE = "('requested', 'confirmed', 'done')"
CONSTRAINTS = {
    "booking_advisor_no_overlap_active": "advisor_id",
    "booking_company_no_overlap_active": "company_id",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    table = schema_editor.quote_name(apps.get_model("consultations", "Booking")._meta.db_table)
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f'({column} WITH =, tstzrange("start", "end", \'[)\') WITH &&) WHERE (status IN {ACTIVE})'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("consultations", "Booking")._meta.db_table)
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0002_default_windows")]
    operations = [migrations.RunPython(forwards, backwards)]
