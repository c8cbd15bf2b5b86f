"""Proposal attachments live under PRIVATE_MEDIA_ROOT: never under a URL, only served by a permission-checking view."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateMatchingStorage(FileSystemStorage):
    """Reads PRIVATE_MEDIA_ROOT on every use, so that a test or a deployment can move it."""

    @property
    def base_location(self) -> str:
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / "matching")

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    def url(self, name) -> str:
        raise ValueError("private files have no URL; use the matching:attachment view")


def private_storage() -> PrivateMatchingStorage:
    return PrivateMatchingStorage()
