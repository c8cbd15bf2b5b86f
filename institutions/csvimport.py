"""Reading a member list exported from Excel: UTF-8 (with or without BOM) or Shift_JIS, at most 500 rows."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_ROWS = 500
MAX_BYTES = 1024 * 1024
COLUMNS = {
    "company_name": ("会社名", "企業名", "company_name", "company"),
    "email": ("メールアドレス", "メール", "email", "e-mail"),
    "contact_name": ("担当者名", "担当者", "contact_name", "contact"),
}
REQUIRED = ("company_name", "email")


class CsvError(Exception):
    """The whole file is refused; `message` says why, with line numbers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    line: int
    company_name: str
    email: str
    contact_name: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or Shift_JIS as Excel writes it (cp932); anything else is refused."""
    if len(data) > MAX_BYTES:
        raise CsvError(_("ファイルが大きすぎます（1MBまで）。"))
    if b"\x00" in data:
        raise CsvError(_("文字コードを読み取れません。UTF-8またはShift_JIS（Excelの「CSV」形式）で保存してください。"))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError(_("文字コードを読み取れません。UTF-8またはShift_JIS（Excelの「CSV」形式）で保存してください。"))


def parse(data: bytes) -> list[Row]:
    """Rows with their line numbers and problems; raises CsvError for the file as a whole."""
    text = decode(data)
    lines = list(csv.reader(io.StringIO(text, newline="")))
    while lines and not any(cell.strip() for cell in lines[-1]):
        lines.pop()
    if not lines:
        raise CsvError(_("ファイルが空です。1行目に見出し（会社名、メールアドレス）を入れてください。"))
    header = [cell.strip().lower() for cell in lines[0]]
    positions: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for index, cell in enumerate(header):
            if cell in [n.lower() for n in names]:
                positions[key] = index
                break
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise CsvError(
            _("1行目の見出しに「%(cols)s」の列がありません（文字コードが違う場合もこう表示されます）。")
            % {"cols": "」「".join(missing)}
        )
    body = lines[1:]
    if len(body) > MAX_ROWS:
        raise CsvError(
            _(
                "データは%(max)s行までです。このファイルには%(n)s行あります（%(first)s行目から%(last)s行目が上限を超えています）。"
            )
            % {"max": MAX_ROWS, "n": len(body), "first": MAX_ROWS + 2, "last": len(body) + 1}
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for offset, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(key: str, cells=cells) -> str:
            index = positions.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = Row(
            line=offset,
            company_name=cell("company_name"),
            email=cell("email").lower(),
            contact_name=cell("contact_name"),
        )
        if not row.company_name:
            row.problems.append(_("会社名が空です"))
        elif len(row.company_name) > 200:
            row.problems.append(_("会社名が長すぎます（200文字まで）"))
        if any(ch in row.company_name + row.contact_name for ch in "\r\n\x00"):
            row.problems.append(_("改行などの使えない文字が含まれています"))
        if len(row.contact_name) > 100:
            row.problems.append(_("担当者名が長すぎます（100文字まで）"))
        if not row.email:
            row.problems.append(_("メールアドレスが空です"))
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                row.problems.append(_("メールアドレスの形式が正しくありません"))
        if row.email and row.email in seen:
            row.problems.append(_("%(line)s行目と同じメールアドレスです") % {"line": seen[row.email]})
        elif row.email:
            seen[row.email] = offset
        rows.append(row)
    if not rows:
        raise CsvError(_("2行目以降にデータがありません。"))
    return rows
