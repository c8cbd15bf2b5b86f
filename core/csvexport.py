"""CSV downloads that Excel in Japan opens correctly: UTF-8 with a byte-order mark."""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse


def csv_response(*, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """An attachment with the BOM first, then the header row and the data rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(cell) for cell in header])
    writer.writerows(rows)
    return response
