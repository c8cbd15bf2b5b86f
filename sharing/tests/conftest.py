import pytest


@pytest.fixture(autouse=True)
def default_factor_set(request):
    """Transactional tests flush the tables: put back the data migration's factor set (idempotent)."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    from django.apps import apps

    from selfcheck.defaults import load_default_factors

    load_default_factors(apps)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
