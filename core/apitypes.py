"""Input types of the JSON API where pydantic's own are lenient.

pydantic reads a Decimal from a string as well as from a number ("100", "１００", "1e3" all pass), and describes it
in the OpenAPI document as "number or string". The API takes amounts as JSON numbers only, like its integers
(`strict=True`); the portal's pages are where a person's typing is normalised (core.forms.normalise_number)."""

from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticKnownError, core_schema


def _refuse_string(value: Any) -> Any:
    if isinstance(value, str | bytes):
        # pydantic's own type error for a Decimal of the wrong type: its Japanese message is in core.apierrors.
        raise PydanticKnownError("decimal_type")
    return value


class JsonNumber:
    """Annotate a Decimal with it, after its constraints: `Annotated[Decimal, Field(ge=0), JsonNumber]`. A string is
    refused before the Decimal is read, and the document says "number" with the constraints, never "or string"."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_refuse_string, handler(source))

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = json_schema.get("anyOf")
        if branches:
            numbers = [branch for branch in branches if branch.get("type") != "string"]
            if len(numbers) == 1:
                return {**numbers[0], **{k: v for k, v in json_schema.items() if k != "anyOf"}}
        return json_schema
