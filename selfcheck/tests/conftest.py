import pytest


@pytest.fixture(autouse=True)
def default_factor_set(request):
    """Transactional tests (live Celery worker, live server) flush the tables: restore the data migration's rows."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    from django.apps import apps

    from selfcheck.defaults import ensure_first_factor_set

    ensure_first_factor_set(apps)
