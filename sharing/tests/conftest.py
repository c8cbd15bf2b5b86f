import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def earlier_factor_sets(request):
    """Sheets of FY2024 and FY2025 need a factor set of their year (only FY2026 is loaded by migration)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("db")
    from selfcheck.models import FactorSet
    from selfcheck.tests.helpers import factor_set_for_test_year

    for year in (2024, 2025):
        if not FactorSet.objects.filter(fiscal_year=year).exists():
            factor_set_for_test_year(year)
