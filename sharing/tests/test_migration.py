"""Today's institution shares and their download log move onto sharing.Share with their data."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("selfcheck", "0002_default_factors"), ("sharing", "0001_initial")]


@pytest.fixture
def migrated_back(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # whatever happened, leave the schema as found


@pytest.mark.django_db(transaction=True)
def test_sheet_shares_and_downloads_become_shares_and_accesses(migrated_back):
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    Company = old.get_model("accounts", "Company")
    Institution = old.get_model("accounts", "SupportInstitution")
    Sheet = old.get_model("selfcheck", "Sheet")
    FactorSet = old.get_model("selfcheck", "FactorSet")
    SheetShare = old.get_model("selfcheck", "SheetShare")
    ReportDownload = old.get_model("selfcheck", "ReportDownload")

    company = Company.objects.create(
        name="移行工業", prefecture="aichi", industry="manufacturing", revenue_band="le_100m", employee_band="le_20"
    )
    owner = User.objects.create(email="owner@example.jp", company=company)
    institution = Institution.objects.create(name="移行商工会", kind="chamber_of_commerce", prefecture="aichi")
    other = Institution.objects.create(name="別の信金", kind="bank", prefecture="aichi")
    staff = User.objects.create(email="staff@example.jp", institution=institution)
    factor_set = FactorSet.objects.create(
        name="移行テストの係数", fiscal_year=2025, source="テスト", url="https://example.jp/factors"
    )
    sheet_2024 = Sheet.objects.create(company=company, fiscal_year=2024, factor_set=factor_set)
    sheet_2025 = Sheet.objects.create(company=company, fiscal_year=2025, factor_set=factor_set)
    created = timezone.now() - dt.timedelta(days=40)
    active = SheetShare.objects.create(sheet=sheet_2025, institution=institution, granted_by=owner)
    SheetShare.objects.filter(pk=active.pk).update(created_at=created)
    revoked_at = timezone.now() - dt.timedelta(days=2)
    SheetShare.objects.create(sheet=sheet_2024, institution=other, granted_by=owner, revoked_at=revoked_at)
    download = ReportDownload.objects.create(sheet=sheet_2025, user=staff, institution=institution)
    downloaded_at = timezone.now() - dt.timedelta(days=10)
    ReportDownload.objects.filter(pk=download.pk).update(downloaded_at=downloaded_at)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from sharing.models import Share, ShareAccess

    shares = {s.institution.name: s for s in Share.objects.select_related("institution")}
    assert set(shares) == {"移行商工会", "別の信金"}
    moved = shares["移行商工会"]
    assert (moved.company_id, moved.kind, moved.fiscal_year, moved.granted_by_id, moved.revoked_at) == (
        company.pk,
        "institution",
        2025,
        owner.pk,
        None,
    )
    assert moved.created_at == created
    assert shares["別の信金"].fiscal_year == 2024 and shares["別の信金"].revoked_at == revoked_at
    access = ShareAccess.objects.get()
    assert (access.share_id, access.user_id, access.action, access.fiscal_year, access.at) == (
        moved.pk,
        staff.pk,
        "pdf",
        2025,
        downloaded_at,
    )
    assert "selfcheck_sheetshare" not in connection.introspection.table_names()
