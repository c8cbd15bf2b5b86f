import importlib

import pytest


@pytest.fixture(autouse=True)
def _initial_catalogue(request):
    """Transactional tests (here or in other apps) flush the data migration's rows; put them back if so."""
    if "django_db" not in {m.name for m in request.node.iter_markers()}:
        return
    if not _is_transactional(request):
        request.getfixturevalue("db")
    from django.apps import apps

    from subsidies.models import Measure

    if not Measure.objects.exists():
        importlib.import_module("subsidies.migrations.0002_initial_data").load(apps, None)
        importlib.import_module("subsidies.migrations.0004_honest_catalogue").apply(apps, None)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
