from django.apps import AppConfig


class TestsConfig(AppConfig):
    """Installed by the test settings only, for its `flush` command (tests/management/commands/flush.py)."""

    name = "tests"
    label = "portal_tests"
