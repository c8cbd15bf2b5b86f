"""Every PDF the portal renders is a tagged PDF/UA-1 document (JIS X 8341-3 covers documents on the web too).

WeasyPrint tags what the HTML says: the document language from `<html lang>`, the title from `<title>` (shown by
viewers instead of the file name), headings, table headers with their cells, and an image's text alternative from
`alt` or, for an inline SVG chart, its `<title>`. The templates give each of those; this module only asks for the
variant, so that no renderer can forget it.
"""

from django.conf import settings

PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(*, html: str) -> bytes:
    """A tagged PDF/UA-1 of an HTML document whose relative URLs start at the project's folder."""
    from weasyprint import HTML  # a heavy import, paid by the worker that renders, not by every web process

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant=PDF_VARIANT)
