"""Field types shared by request schemas (constraints and Chinese validation messages)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from miniback.api.validation import Schema
from miniback.records.signature import check_signature_text
from miniback.registry.credit_code import credit_code_problem


def _credit_code(value: str) -> str:
    value = value.upper()
    problem = credit_code_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _no_control_chars(value: str) -> str:
    if any(ord(char) < 32 for char in value):
        raise ValueError("不能包含控制字符")
    return value


def _length(max_length: int, min_length: int = 1) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=max_length)


def _line_breaks_only(value: str) -> str:
    """Text typed into a multi-line box: line breaks (CR LF kept as LF) but no other control character."""
    value = value.replace("\r\n", "\n")
    if any(ord(char) < 32 and char != "\n" for char in value):
        raise ValueError("不能包含控制字符（换行除外）")
    return value


_NO_CONTROL_CHARS = AfterValidator(_no_control_chars)
_LINE_BREAKS_ONLY = AfterValidator(_line_breaks_only)

# Text of at most N characters (at least one; ``Text16`` at least four), without control characters. Written out
# one by one: a type checker reads an alias, not a type a function call builds.
Text16 = Annotated[str, _length(16, 4), _NO_CONTROL_CHARS]
Text32 = Annotated[str, _length(32), _NO_CONTROL_CHARS]
Text50 = Annotated[str, _length(50), _NO_CONTROL_CHARS]
Text64 = Annotated[str, _length(64), _NO_CONTROL_CHARS]
Text100 = Annotated[str, _length(100), _NO_CONTROL_CHARS]
Text128 = Annotated[str, _length(128), _NO_CONTROL_CHARS]
Text200 = Annotated[str, _length(200), _NO_CONTROL_CHARS]
Text500 = Annotated[str, _length(500), _NO_CONTROL_CHARS]
Text2000 = Annotated[str, _length(2000), _NO_CONTROL_CHARS]
# What a person writes in a multi-line box (an explanation, a reason, remarks): paragraphs may break.
Paragraphs500 = Annotated[str, _length(500), _LINE_BREAKS_ONLY]
Paragraphs2000 = Annotated[str, _length(2000), _LINE_BREAKS_ONLY]


CreditCode = Annotated[str, StringConstraints(min_length=18, max_length=18), AfterValidator(_credit_code)]
Mobile = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
# Landlines (020-12345678), mobiles, and short service numbers such as 96333.
Phone = Annotated[str, StringConstraints(pattern=r"^(\d{3,4}-?)?\d{5,8}$|^1[3-9]\d{9}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{3,64}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,32}$")]
# Technician's and manager's signatures: one size rule, the configured decoded SIGNATURE_MAX_BYTES.
SignatureB64 = Annotated[
    str,
    StringConstraints(min_length=1),
    AfterValidator(check_signature_text),
    Field(
        description="签名：PNG 图片的 Base64 编码（可带 data:image/png;base64, 前缀），"
        "解码后不超过 SIGNATURE_MAX_BYTES（默认 200 KB）"
    ),
]


class Page(Schema):
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(20, ge=1, le=100)


class Out(BaseModel):
    """Base of response schemas: built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, obj: object) -> dict[str, Any]:
        """The JSON body for ``obj``, built the same way as every item of a list (``paginate``)."""
        return cls.model_validate(obj).model_dump(mode="json")
