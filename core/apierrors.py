"""The API's errors in Japanese: pydantic's validation errors translated by their `type` (never by their English
text, which pydantic may reword), and a request body that is not JSON named for what is wrong with it."""

import json
from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# One message per pydantic error type (pydantic-core's ErrorType); {name} is filled from the error's ctx.
PYDANTIC_MESSAGES: dict[str, object] = {
    "missing": gettext_lazy("必須の項目です。"),
    "extra_forbidden": gettext_lazy("この項目は受け付けていません（項目名を確認してください）。"),
    "string_type": gettext_lazy("文字列で指定してください。"),
    "string_too_short": gettext_lazy("{min_length}文字以上で指定してください。"),
    "string_too_long": gettext_lazy("{max_length}文字以内で指定してください。"),
    "string_pattern_mismatch": gettext_lazy("形式が正しくありません。"),
    "string_unicode": gettext_lazy("文字列として読み取れません（UTF-8で送ってください）。"),
    "int_type": gettext_lazy('整数で指定してください（"10" のような文字列や小数は使えません）。'),
    "int_parsing": gettext_lazy("整数で指定してください。"),
    "int_parsing_size": gettext_lazy("整数が大きすぎます。"),
    "int_from_float": gettext_lazy("小数ではなく整数で指定してください。"),
    "float_type": gettext_lazy("数値で指定してください。"),
    "float_parsing": gettext_lazy("数値で指定してください。"),
    "finite_number": gettext_lazy("有限の数値で指定してください（NaNや無限大は使えません）。"),
    "decimal_type": gettext_lazy('数値で指定してください（"100" のような文字列は使えません）。'),
    "decimal_parsing": gettext_lazy("数値で指定してください。"),
    "decimal_max_digits": gettext_lazy("桁数が多すぎます（全体で{max_digits}桁まで）。"),
    "decimal_max_places": gettext_lazy("小数点以下は{decimal_places}桁までにしてください。"),
    "decimal_whole_digits": gettext_lazy("整数部分の桁数が多すぎます（{whole_digits}桁まで）。"),
    "bool_type": gettext_lazy("true か false で指定してください。"),
    "bool_parsing": gettext_lazy("true か false で指定してください。"),
    "greater_than": gettext_lazy("{gt}より大きい値にしてください。"),
    "greater_than_equal": gettext_lazy("{ge}以上の値にしてください。"),
    "less_than": gettext_lazy("{lt}より小さい値にしてください。"),
    "less_than_equal": gettext_lazy("{le}以下の値にしてください。"),
    "multiple_of": gettext_lazy("{multiple_of}の倍数にしてください。"),
    "date_type": gettext_lazy("日付をYYYY-MM-DDの形で指定してください。"),
    "date_parsing": gettext_lazy("日付をYYYY-MM-DDの形で指定してください。"),
    "date_from_datetime_parsing": gettext_lazy("日付をYYYY-MM-DDの形で指定してください。"),
    "date_from_datetime_inexact": gettext_lazy("時刻を含まない日付で指定してください。"),
    "date_past": gettext_lazy("過去の日付を指定してください。"),
    "date_future": gettext_lazy("未来の日付を指定してください。"),
    "datetime_type": gettext_lazy("日時をISO 8601の形（2026-04-23T10:00:00+09:00）で指定してください。"),
    "datetime_parsing": gettext_lazy("日時をISO 8601の形（2026-04-23T10:00:00+09:00）で指定してください。"),
    "datetime_from_date_parsing": gettext_lazy("日時をISO 8601の形（2026-04-23T10:00:00+09:00）で指定してください。"),
    "datetime_object_invalid": gettext_lazy("日時として正しくありません。"),
    "time_type": gettext_lazy("時刻をHH:MMの形で指定してください。"),
    "time_parsing": gettext_lazy("時刻をHH:MMの形で指定してください。"),
    "timezone_naive": gettext_lazy("タイムゾーンを含めない日時で指定してください。"),
    "timezone_aware": gettext_lazy("タイムゾーン（+09:00など）を含めて指定してください。"),
    "literal_error": gettext_lazy("次のいずれかを指定してください：{expected}"),
    "enum": gettext_lazy("次のいずれかを指定してください：{expected}"),
    "list_type": gettext_lazy("配列（リスト）で指定してください。"),
    "tuple_type": gettext_lazy("配列（リスト）で指定してください。"),
    "set_type": gettext_lazy("配列（リスト）で指定してください。"),
    "too_short": gettext_lazy("{min_length}個以上指定してください。"),
    "too_long": gettext_lazy("{max_length}個以内にしてください。"),
    "dict_type": gettext_lazy("オブジェクト（項目名と値の組）で指定してください。"),
    "model_type": gettext_lazy("オブジェクト（項目名と値の組）で指定してください。"),
    "model_attributes_type": gettext_lazy("オブジェクト（項目名と値の組）で指定してください。"),
    "json_invalid": gettext_lazy("JSONとして読み取れません。"),
    "json_type": gettext_lazy("JSONの文字列で指定してください。"),
    "uuid_type": gettext_lazy("UUIDの形で指定してください。"),
    "uuid_parsing": gettext_lazy("UUIDの形で指定してください。"),
    "url_type": gettext_lazy("URLで指定してください。"),
    "url_parsing": gettext_lazy("URLの形が正しくありません。"),
    "url_scheme": gettext_lazy("URLは http または https で始めてください。"),
    "url_too_long": gettext_lazy("URLが長すぎます（{max_length}文字まで）。"),
    "union_tag_invalid": gettext_lazy("種類の指定が正しくありません：{expected_tags}のいずれかにしてください。"),
    "union_tag_not_found": gettext_lazy("種類を指定してください（{discriminator}）。"),
    "none_required": gettext_lazy("値は指定できません（nullにしてください）。"),
    "bytes_type": gettext_lazy("文字列で指定してください。"),
    "is_instance_of": gettext_lazy("値の種類が正しくありません。"),
    "frozen_field": gettext_lazy("この項目は変更できません。"),
    "recursion_loop": gettext_lazy("入れ子が深すぎます。"),
}
FALLBACK = gettext_lazy("値が正しくありません。")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def _context_value(value: object) -> str:
    text = str(value)
    # pydantic writes an enum's choices as "'a', 'b' or 'c'": the Japanese list is separated by 、
    return text.replace("' or '", "'、'").replace("', '", "'、'")


def pydantic_message(error: Mapping) -> str:
    """The Japanese message for one pydantic error (a dict from ValidationError.errors()), by its type."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        # our own validators raise ValueError with a Japanese message; pydantic keeps it in ctx["error"]
        reason = str(ctx.get("error", "")).strip()
        return reason if reason and not reason.isascii() else str(FALLBACK)
    template = PYDANTIC_MESSAGES.get(kind, FALLBACK)
    return str(template).format_map(_Blank({k: _context_value(v) for k, v in ctx.items()}))


class BodyParseError(Exception):
    """The request body could not be read as JSON: `message` says what is wrong, in Japanese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# The json module's complaints (the start of JSONDecodeError.msg, which is fixed in CPython) in Japanese.
JSON_PROBLEMS = {
    "Expecting value": gettext_lazy("値がありません（本文が空か、値の書き方が違います）"),
    "Expecting property name enclosed in double quotes": gettext_lazy('項目名は二重引用符（"）で囲んでください'),
    "Expecting ',' delimiter": gettext_lazy("項目の区切りのカンマ（,）がありません"),
    "Expecting ':' delimiter": gettext_lazy("項目名の後のコロン（:）がありません"),
    "Unterminated string starting at": gettext_lazy('文字列の閉じる二重引用符（"）がありません'),
    "Invalid control character at": gettext_lazy("文字列に改行などの制御文字がそのまま入っています"),
    "Invalid \\escape": gettext_lazy("文字列のバックスラッシュ（\\）の使い方が正しくありません"),
    "Invalid \\uXXXX escape": gettext_lazy("文字列の \\u の後は16進数4桁にしてください"),
    "Extra data": gettext_lazy("JSONの値の後に余分なデータがあります"),
    "Illegal trailing comma before end of object": gettext_lazy("最後の項目の後にカンマ（,）があります"),
    "Illegal trailing comma before end of array": gettext_lazy("配列の最後の要素の後にカンマ（,）があります"),
}


def json_body(raw: bytes) -> object:
    """The request body as JSON, or BodyParseError naming the problem and where it is. A number with a fraction or an
    exponent is read as a Decimal, exactly as written: amounts are sent as JSON numbers (never strings), so a value
    such as the estimate's total_t_exact keeps every digit on its way to a threshold."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyParseError(
            _(
                "リクエストの本文がUTF-8の文字列ではありません（%(position)sバイト目）。文字コードをUTF-8にしてください。"
            )
            % {"position": exc.start + 1}
        ) from exc
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        problem = next(
            (str(label) for start, label in JSON_PROBLEMS.items() if exc.msg.startswith(start)),
            str(_("JSONの書き方が正しくありません")),
        )
        raise BodyParseError(
            _("リクエストの本文をJSONとして読み取れません：%(problem)s（%(line)s行目・%(column)s文字目）。")
            % {"problem": problem, "line": exc.lineno, "column": exc.colno}
        ) from exc
    except ValueError as exc:  # an integer longer than Python reads (sys.int_info.str_digits_check_threshold)
        raise BodyParseError(_("リクエストの本文のJSONに、桁が多すぎる整数があります。")) from exc
    except RecursionError as exc:
        raise BodyParseError(_("リクエストの本文のJSONは入れ子が深すぎます。")) from exc
