"""Member lists as Excel writes them: UTF-8 with or without BOM, Shift_JIS; problems per row; 500 rows at most."""

import pytest

from institutions.csvimport import CsvError, parse

HEADER = "会社名,メールアドレス,担当者名\r\n"


def test_utf8_with_and_without_bom_and_shift_jis_read_the_same():
    text = HEADER + "株式会社みどり製作所,Midori@Example.jp,山田\r\n"
    for data in (text.encode("utf-8"), ("\ufeff" + text).encode("utf-8"), text.encode("cp932")):
        rows = parse(data)
        assert [(r.line, r.company_name, r.email, r.contact_name, r.ok) for r in rows] == [
            (2, "株式会社みどり製作所", "midori@example.jp", "山田", True)
        ]


def test_each_row_names_its_problems_with_its_line():
    data = (HEADER + "A社,a@example.jp,\r\n,b@example.jp,\r\nC社,not-an-address,\r\nD社,A@example.jp,\r\n\r\n").encode()
    rows = {r.line: r for r in parse(data)}
    assert rows[2].ok
    assert rows[3].problems == ["会社名が空です"]
    assert rows[4].problems == ["メールアドレスの形式が正しくありません"]
    assert rows[5].problems == ["2行目と同じメールアドレスです"]


def test_missing_columns_are_refused_naming_line_1():
    with pytest.raises(CsvError) as error:
        parse("会社名,電話\r\nA社,000\r\n".encode())
    assert "1行目" in error.value.message and "メールアドレス" in error.value.message


def test_a_wrong_encoding_is_refused():
    with pytest.raises(CsvError) as error:
        parse((HEADER + "A社,a@example.jp,\r\n").encode("utf-16"))
    assert "文字コード" in error.value.message
    with pytest.raises(CsvError) as error:  # EUC-JP: not decodable as Shift_JIS, or no usable header if it were
        parse((HEADER + "A社,a@example.jp,\r\n").encode("euc_jp"))
    assert "文字コード" in error.value.message


def test_500_rows_pass_and_501_are_refused_with_the_line_numbers():
    body = "".join(f"会社{i},c{i}@example.jp,\r\n" for i in range(500))
    assert len(parse((HEADER + body).encode())) == 500
    with pytest.raises(CsvError) as error:
        parse((HEADER + body + "会社500,c500@example.jp,\r\n").encode())
    assert "501行" in error.value.message and "502行目から502行目" in error.value.message


def test_an_empty_file_or_header_only_is_refused():
    for data in (b"", HEADER.encode()):
        with pytest.raises(CsvError):
            parse(data)
