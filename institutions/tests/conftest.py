import pytest

from consultations.tests.conftest import advisor, frozen  # noqa: F401 - the booking tests' clock and advisor


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
