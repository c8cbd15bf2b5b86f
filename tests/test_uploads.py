"""Attachments are parsed whole as the type their name claims (core.uploads), never judged by their first bytes."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import ApplicationError
from core.uploads import DOCX, JPEG, PDF, PNG, PPTX, XLSX, upload_check
from matching.files import KINDS, attachment_check
from matching.tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _office(main_part: str, *, macro: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main_part, '<?xml version="1.0"?><root/>')
        if macro:
            archive.writestr("xl/vbaProject.bin", b"\x00" * 32)
    return out.getvalue()


def _check(name: str, data: bytes):
    return upload_check(SimpleUploadedFile(name, data), name=name, kinds=KINDS, field="attachments")


@pytest.mark.parametrize(
    "name,data,kind",
    [
        ("catalogue.pdf", PDF_BYTES, PDF),
        ("photo.png", PNG_BYTES, PNG),
        ("photo.JPG", JPEG_BYTES, JPEG),
        ("spec.docx", _office("word/document.xml"), DOCX),
        ("figures.xlsx", _office("xl/workbook.xml"), XLSX),
        ("slides.pptx", _office("ppt/presentation.xml"), PPTX),
    ],
)
def test_a_whole_file_of_the_claimed_type_is_accepted(name, data, kind):
    assert _check(name, data) is kind


@pytest.mark.parametrize(
    "name,data",
    [
        ("photo.png", PNG_BYTES[:16] + HTML),  # the case: a PNG signature, then an HTML page
        ("photo.png", PNG_BYTES + HTML),  # a whole PNG with a page after its end
        ("photo.png", PNG_BYTES[:-30] + b"IEND\xaeB`\x82"),  # truncated image data
        ("photo.jpg", b"\xff\xd8\xff\xe0" + HTML + b"\xff\xd9"),
        ("photo.jpg", JPEG_BYTES + HTML),
        ("catalogue.pdf", b"%PDF-1.4\n" + HTML + b"\n%%EOF\n"),
        ("catalogue.pdf", PDF_BYTES + HTML),  # a page after the PDF's end
        ("catalogue.pdf", PNG_BYTES),  # another type under the name
        ("figures.xlsx", b"PK\x03\x04" + HTML),
        ("figures.xlsx", _office("word/document.xml")),  # a Word file named .xlsx
        ("figures.xlsx", _office("xl/workbook.xml", macro=True)),
        ("spec.docx", _office("word/document.xml")[:-40]),  # a cut-off archive
    ],
)
def test_a_file_that_does_not_parse_as_its_type_is_refused_with_a_japanese_message(name, data):
    with pytest.raises(ApplicationError) as refused:
        _check(name, data)
    assert refused.value.field == "attachments"
    assert f"「{name}」は" in refused.value.message and "として読み取れません" in refused.value.message


def test_a_truncated_png_is_refused_even_after_weasyprint_let_pillow_load_truncated_images():
    """(A JPEG cut short with its end marker put back still decodes: libjpeg fills the rest and Pillow raises
    nothing. It is an image, not a page, so it is accepted; what follows its end marker is not.)"""
    import weasyprint  # noqa: F401 - sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True for the process
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(ApplicationError):
        _check("cut.png", PNG_BYTES[:-30] + b"IEND\xaeB`\x82")
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as WeasyPrint wants it


def test_a_type_not_listed_is_refused_whatever_its_content(settings):
    with pytest.raises(ApplicationError) as refused:
        _check("page.html", HTML)
    assert "受け付けられない種類のファイル" in refused.value.message


def test_an_image_bomb_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 megapixels in a few kilobytes
    with pytest.raises(ApplicationError):
        _check("bomb.png", out.getvalue())


def test_matching_attachments_go_through_the_whole_file_check(settings):
    settings.MATCHING_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    assert attachment_check(SimpleUploadedFile("a.png", PNG_BYTES)) is PNG
    with pytest.raises(ApplicationError):
        attachment_check(SimpleUploadedFile("a.png", PNG_BYTES[:16] + HTML))


def test_a_seminar_handout_is_parsed_whole_before_the_admin_stores_it():
    from seminars.admin import MaterialForm

    disguised = MaterialForm(
        data={"title": "資料"}, files={"file": SimpleUploadedFile("資料.png", PNG_BYTES[:16] + HTML)}
    )
    assert not disguised.is_valid() and "PNGとして読み取れません" in str(disguised.errors["file"])
    whole = MaterialForm(data={"title": "資料"}, files={"file": SimpleUploadedFile("資料.pdf", PDF_BYTES)})
    assert whole.is_valid(), whole.errors
