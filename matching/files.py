"""Attachment checks: the type is decided by the file's first bytes, never by its name or the browser's claim."""

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileKind("application/pdf", (".pdf",), "PDF")
PNG = FileKind("image/png", (".png",), "PNG")
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"), "JPEG")
KINDS = (PDF, PNG, JPEG)
ACCEPT = ",".join(ext for kind in KINDS for ext in kind.extensions)


def max_bytes() -> int:
    return settings.MATCHING_ATTACHMENT_MAX_BYTES


def max_megabytes() -> int:
    return max_bytes() // (1024 * 1024)


def sniff(head: bytes, tail: bytes) -> FileKind | None:
    """Which allowed kind the content is, from its signature; None for anything else."""
    if head.startswith(b"%PDF-") and b"%%EOF" in tail:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def attachment_check(upload, *, field: str = "attachments") -> FileKind:
    """Refuse an empty, oversized or non-PDF/PNG/JPEG upload, or one whose name claims another type."""
    name = upload.name or ""
    if not upload.size:
        raise ApplicationError(_("「%(name)s」は空のファイルです。") % {"name": name}, field=field)
    if upload.size > max_bytes():
        raise ApplicationError(
            _("「%(name)s」は大きすぎます。1ファイル%(mb)sMBまでにしてください。")
            % {"name": name, "mb": max_megabytes()},
            field=field,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(max(0, upload.size - 1024))
    tail = upload.read(1024)
    upload.seek(0)
    kind = sniff(head, tail)
    if kind is None:
        raise ApplicationError(
            _("「%(name)s」はPDF・PNG・JPEGのいずれでもありません。ファイルの中身を確認してください。")
            % {"name": name},
            field=field,
        )
    if PurePath(name).suffix.lower() not in kind.extensions:
        raise ApplicationError(
            _("「%(name)s」は中身が%(kind)sですが、ファイル名の拡張子が異なります。")
            % {"name": name, "kind": kind.label},
            field=field,
        )
    return kind
