"""The API's errors are Japanese: pydantic's field errors through one table keyed by error type, and a body that is
not JSON answered with a 400 that names the problem and where it is (core.apierrors)."""

import re
import typing

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core.core_schema import ErrorType

from core.apierrors import FALLBACK, PYDANTIC_MESSAGES, pydantic_message

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ESTIMATE = "/api/v1/selfcheck/estimate"
SBT = "/api/v1/selfcheck/sbt-sme"


def test_the_table_is_keyed_by_pydantics_own_error_types():
    assert set(PYDANTIC_MESSAGES) <= set(typing.get_args(ErrorType))


@pytest.mark.parametrize("kind", typing.get_args(ErrorType))
def test_every_pydantic_error_type_gets_a_japanese_message(kind):
    ctx = {"min_length": 1, "max_length": 9, "gt": 0, "ge": 0, "lt": 9, "le": 9, "expected": "'a' or 'b'"}
    message = pydantic_message({"type": kind, "msg": "English text", "ctx": ctx})
    assert JAPANESE.search(message) and "English" not in message and "{" not in message


def test_the_message_comes_from_the_type_not_from_the_english_text():
    class Model(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str = Field(max_length=3)
        count: int = Field(ge=1)

    with pytest.raises(ValidationError) as info:
        Model.model_validate({"name": "長すぎる名前", "count": 0, "other": 1})
    messages = {tuple(e["loc"]): pydantic_message(e) for e in info.value.errors()}
    assert messages == {
        ("name",): "3文字以内で指定してください。",
        ("count",): "1以上の値にしてください。",
        ("other",): "この項目は受け付けていません（項目名を確認してください）。",
    }
    reworded = {"type": "missing", "msg": "This field is needed (pydantic 3 wording)", "loc": ("x",)}
    assert pydantic_message(reworded) == "必須の項目です。"
    assert pydantic_message({"type": "some_future_type"}) == str(FALLBACK)


def _errors(response) -> dict[str, str]:
    body = response.json()
    assert response.status_code == 400 and JAPANESE.search(body["detail"]), body
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.mark.django_db
def test_missing_and_extra_fields_are_answered_in_japanese_field_by_field(client):
    response = client.post(SBT, {"employees": 10, "unknown": 1}, content_type="application/json")
    errors = _errors(response)
    assert errors["revenue_yen"] == "必須の項目です。" and errors["total_assets_yen"] == "必須の項目です。"
    assert errors["unknown"] == "この項目は受け付けていません（項目名を確認してください）。"
    assert "Field required" not in response.content.decode() and "Extra inputs" not in response.content.decode()
    assert response.json()["detail"].startswith("入力内容に誤りがあります。「")


@pytest.mark.django_db
def test_out_of_range_and_wrong_types_are_answered_in_japanese(client):
    errors = _errors(client.post(ESTIMATE, {"electricity_kwh": -1}, content_type="application/json"))
    assert errors == {"electricity_kwh": "0以上の値にしてください。"}
    errors = _errors(client.post(SBT, {"scope1_2_t": 1, "employees": "十", "revenue_yen": 1, "total_assets_yen": 1},
                                 content_type="application/json"))  # fmt: skip
    assert errors == {"employees": '整数で指定してください（"10" のような文字列や小数は使えません）。'}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,problem",
    [
        (b'{"electricity_kwh": 1,}', "（1行目・23文字目）"),
        (b"{'electricity_kwh': 1}", "項目名は二重引用符"),
        (b'{"electricity_kwh": 1} trailing', "余分なデータ"),
        (b'{"electricity_kwh": "1', "閉じる二重引用符"),
        (b"\xff\xfe{}", "UTF-8の文字列ではありません（1バイト目）"),
        (b'{"fiscal_year": ' + b"1" * 5000 + b"}", "桁が多すぎる整数"),
    ],
)
def test_a_body_that_is_not_json_gets_a_japanese_400_naming_the_problem(client, body, problem):
    response = client.post(ESTIMATE, body, content_type="application/json")
    payload = response.json()
    assert response.status_code == 400 and payload["field"] == "body", payload
    assert "Cannot parse" not in payload["detail"] and problem in payload["detail"], payload["detail"]
    assert payload["errors"] == [{"field": "body", "message": payload["detail"]}]
