"""Attachment checks: the whole file must parse as the type its name claims (core.uploads), within the size limits."""

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.uploads import DOCX, JPEG, PDF, PNG, PPTX, XLSX, FileKind, upload_check

KINDS = (PDF, PNG, JPEG, DOCX, XLSX, PPTX)
ACCEPT = ",".join(ext for kind in KINDS for ext in kind.extensions)


def max_bytes() -> int:
    return settings.MATCHING_ATTACHMENT_MAX_BYTES


def max_megabytes() -> int:
    return max_bytes() // (1024 * 1024)


def attachment_check(upload, *, field: str = "attachments") -> FileKind:
    """Refuse an empty or oversized upload, one of a type not listed, or one that does not parse as its type."""
    name = upload.name or ""
    if not upload.size:
        raise ApplicationError(_("「%(name)s」は空のファイルです。") % {"name": name}, field=field)
    if upload.size > max_bytes():
        raise ApplicationError(
            _("「%(name)s」は大きすぎます。1ファイル%(mb)sMBまでにしてください。")
            % {"name": name, "mb": max_megabytes()},
            field=field,
        )
    return upload_check(upload, name=name, kinds=KINDS, field=field)
