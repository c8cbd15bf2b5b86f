"""Move today's institution sharing (selfcheck.SheetShare and its ReportDownload log) onto sharing.Share."""

import secrets

from django.db import migrations


def forward(apps, schema_editor):
    SheetShare = apps.get_model("selfcheck", "SheetShare")
    ReportDownload = apps.get_model("selfcheck", "ReportDownload")
    Share = apps.get_model("sharing", "Share")
    ShareAccess = apps.get_model("sharing", "ShareAccess")
    for old in SheetShare.objects.select_related("sheet").order_by("created_at", "pk"):
        if old.sheet.company_id is None:
            continue
        new = Share.objects.create(
            company_id=old.sheet.company_id,
            kind="institution",
            institution_id=old.institution_id,
            fiscal_year=old.sheet.fiscal_year,
            granted_by_id=old.granted_by_id,
            revoked_at=old.revoked_at,
            revoke_reason="",
            nonce=secrets.token_urlsafe(16),
        )
        Share.objects.filter(pk=new.pk).update(created_at=old.created_at, updated_at=old.updated_at)
    for row in ReportDownload.objects.select_related("sheet").order_by("downloaded_at", "pk"):
        candidates = Share.objects.filter(
            kind="institution",
            company_id=row.sheet.company_id,
            institution_id=row.institution_id,
            fiscal_year=row.sheet.fiscal_year,
        )
        share = (
            candidates.filter(created_at__lte=row.downloaded_at).order_by("-created_at").first()
            or candidates.order_by("created_at").first()
        )
        if share is None:  # a download without any share of that institution cannot be attributed
            continue
        access = ShareAccess.objects.create(
            share=share, user_id=row.user_id, action="pdf", fiscal_year=row.sheet.fiscal_year
        )
        ShareAccess.objects.filter(pk=access.pk).update(at=row.downloaded_at)


def backward(apps, schema_editor):
    SheetShare = apps.get_model("selfcheck", "SheetShare")
    ReportDownload = apps.get_model("selfcheck", "ReportDownload")
    Sheet = apps.get_model("selfcheck", "Sheet")
    Share = apps.get_model("sharing", "Share")
    ShareAccess = apps.get_model("sharing", "ShareAccess")
    for share in Share.objects.filter(kind="institution").order_by("created_at", "pk"):
        sheets = Sheet.objects.filter(company_id=share.company_id)
        if share.fiscal_year is not None:
            sheets = sheets.filter(fiscal_year=share.fiscal_year)
        for sheet in sheets:
            if share.revoked_at is None and SheetShare.objects.filter(
                sheet=sheet, institution_id=share.institution_id, revoked_at__isnull=True
            ).exists():
                continue
            old = SheetShare.objects.create(
                sheet=sheet, institution_id=share.institution_id, granted_by_id=share.granted_by_id, revoked_at=share.revoked_at
            )
            SheetShare.objects.filter(pk=old.pk).update(created_at=share.created_at, updated_at=share.updated_at)
    for access in ShareAccess.objects.filter(action="pdf", share__kind="institution", user__isnull=False).select_related(
        "share"
    ):
        sheet = Sheet.objects.filter(company_id=access.share.company_id, fiscal_year=access.fiscal_year).first()
        if sheet is None:
            continue
        row = ReportDownload.objects.create(sheet=sheet, user_id=access.user_id, institution_id=access.share.institution_id)
        ReportDownload.objects.filter(pk=row.pk).update(downloaded_at=access.at)


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0001_initial"),
        ("selfcheck", "0002_default_factors"),
    ]

    operations = [migrations.RunPython(forward, backward)]
