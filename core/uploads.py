"""Uploaded files are what they claim to be: the whole file is parsed as the type its name gives, by a kept library.

First bytes prove nothing (a PNG signature followed by an HTML page passes a magic-byte check and is a page to a
browser that sniffs). So the name's extension picks the type, and the file must then parse from end to end as that
type: a PDF through pypdf (every page's object read, nothing but whitespace after the last %%EOF), a PNG or JPEG
through Pillow (decoded in full, ending where the format ends, within a pixel budget), a Word, Excel or PowerPoint
file through zipfile (every member's CRC checked, its main part and content types present, no macros, no bomb).
"""

import io
import threading
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageFile, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from .errors import ApplicationError

MAX_PIXELS = 40_000_000  # 40 megapixels: any photo or scan; a decompression bomb is far above
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000


class NotThatKind(Exception):
    """The file does not parse as the type it claims."""


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    label: object
    parse: Callable[[bytes], None]


def _parse_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise NotThatKind("no PDF header at the start")
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip():
        raise NotThatKind("something after the end of the PDF")
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise NotThatKind("encrypted")
        pages = reader.pages
        if len(pages) == 0:
            raise NotThatKind("no pages")
        for page in pages:
            page.mediabox  # noqa: B018 - reading each page resolves its objects
            page.get_contents()
    except NotThatKind:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise NotThatKind(str(exc)) from exc


_DECODING = threading.Lock()


@contextmanager
def _strict_decoding():
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is imported (it renders what it
    can); a check must not accept a truncated image, so decoding here runs with the flag off, one check at a time."""
    with _DECODING:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _image_parser(pillow_format: str, trailer: bytes) -> Callable[[bytes], None]:
    def parse(data: bytes) -> None:
        if not data.rstrip(b"\x00" if pillow_format == "JPEG" else b"").endswith(trailer):
            raise NotThatKind("something after the end of the image")
        try:
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotThatKind("too many pixels")
                image.verify()  # a PNG's chunks and their checksums, up to IEND
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image, _strict_decoding():
                image.load()  # decodes every pixel: a truncated or corrupt image fails here
        except NotThatKind:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise NotThatKind(str(exc)) from exc

    return parse


def _office_parser(main_part: str) -> Callable[[bytes], None]:
    def parse(data: bytes) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
                names = {m.filename for m in members}
                if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                    raise NotThatKind("too large unzipped")
                if "[Content_Types].xml" not in names or main_part not in names:
                    raise NotThatKind("not an Office Open XML file of this kind")
                if any(PurePath(n).name.lower() == "vbaproject.bin" for n in names):
                    raise NotThatKind("macros")
                if archive.testzip() is not None:
                    raise NotThatKind("corrupt member")
        except NotThatKind:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise NotThatKind(str(exc)) from exc

    return parse


PDF = FileKind("application/pdf", (".pdf",), "PDF", _parse_pdf)
PNG = FileKind("image/png", (".png",), "PNG", _image_parser("PNG", b"IEND\xaeB`\x82"))
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"), "JPEG", _image_parser("JPEG", b"\xff\xd9"))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    gettext_lazy("Word文書"),
    _office_parser("word/document.xml"),
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    gettext_lazy("Excelブック"),
    _office_parser("xl/workbook.xml"),
)
PPTX = FileKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
    gettext_lazy("PowerPointプレゼンテーション"),
    _office_parser("ppt/presentation.xml"),
)


def kind_by_name(name: str, kinds: tuple[FileKind, ...]) -> FileKind | None:
    suffix = PurePath(name).suffix.lower()
    return next((kind for kind in kinds if suffix in kind.extensions), None)


def upload_check(upload: IO[bytes], *, name: str, kinds: tuple[FileKind, ...], field: str) -> FileKind:
    """The kind the file's name claims, once the whole file has parsed as that kind; ApplicationError otherwise."""
    kind = kind_by_name(name, kinds)
    if kind is None:
        allowed = "・".join(str(k.label) for k in kinds)
        raise ApplicationError(
            _("「%(name)s」は受け付けられない種類のファイルです（%(allowed)sのみ）。")
            % {"name": name, "allowed": allowed},
            field=field,
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        kind.parse(data)
    except NotThatKind as exc:
        raise ApplicationError(
            _("「%(name)s」は%(kind)sとして読み取れません。壊れているか、中身が別の種類のファイルです。")
            % {"name": name, "kind": kind.label},
            field=field,
            code="file_kind",
        ) from exc
    return kind
