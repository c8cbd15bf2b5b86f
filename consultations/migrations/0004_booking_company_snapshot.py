"""Bookings keep the company's industry and bands as they were when booked; existing rows take today's values."""

from django.db import migrations, models

import core.choices


def backfill(apps, schema_editor):
    Booking = apps.get_model("consultations", "Booking")
    for booking in Booking.objects.select_related("company").iterator():
        company = booking.company
        booking.company_industry = company.industry
        booking.company_revenue_band = company.revenue_band
        booking.company_employee_band = company.employee_band
        booking.save(update_fields=["company_industry", "company_revenue_band", "company_employee_band"])


class Migration(migrations.Migration):
    dependencies = [("consultations", "0003_booking_no_overlap")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="company_industry",
            field=models.CharField(
                choices=core.choices.Industry.choices,
                default="",
                editable=False,
                max_length=20,
                verbose_name="予約時の業種",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="booking",
            name="company_revenue_band",
            field=models.CharField(
                choices=core.choices.RevenueBand.choices,
                default="",
                editable=False,
                max_length=20,
                verbose_name="予約時の売上高",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="booking",
            name="company_employee_band",
            field=models.CharField(
                choices=core.choices.EmployeeBand.choices,
                default="",
                editable=False,
                max_length=20,
                verbose_name="予約時の従業員数",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
