"""Every validation message a schema produces is Chinese: no English sentence (pydantic's) leaks through."""

import re

import pytest
from pydantic import BaseModel, ValidationError

from miniback.api.validation import Schema, fields_of

# Inputs that trip each kind of check: wrong types, out of range, too long, unknown values, bad formats.
BAD_VALUES = [
    "bogus-value",
    "",
    "x" * 5000,
    -(10**30),
    10**30,
    1.5,
    True,
    [],
    ["bogus-value"] * 300,
    {},
    {"bogus": 1},
    "2026-13-45T99:99:99",
    "\x00",
]
ALLOWED_VALUES = re.compile(r"取值必须是以下之一：(.*)$")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def _schemas(app) -> list[type[BaseModel]]:
    found, pending = [], list(Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        found.append(schema)
        pending.extend(schema.__subclasses__())
    return sorted(set(found), key=lambda schema: f"{schema.__module__}.{schema.__qualname__}")


def _messages(schema: type[BaseModel]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    payloads = [{}, {"no_such_field": 1}, *({name: value} for name in schema.model_fields for value in BAD_VALUES)]
    for payload in payloads:
        try:
            schema.model_validate(payload)
        except ValidationError as exc:
            out |= {(field, message) for field, message in fields_of(exc).items()}
    return out


def test_every_validation_message_of_every_schema_is_chinese(app):
    # The API's words that are not English sentences: field names and identifiers in the message.
    messages = {(schema.__name__, field, message) for schema in _schemas(app) for field, message in _messages(schema)}
    assert len(messages) > 200  # the probe reached the schemas
    english = []
    for schema_name, field, message in sorted(messages):
        allowed = ALLOWED_VALUES.search(message)
        prose = message[: allowed.start()] if allowed else message
        if ENGLISH_WORD.search(prose) or " or " in message or "'" in message:
            english.append(f"{schema_name}.{field}: {message}")
    assert english == []


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("literal", "取值必须是以下之一：normal、adjusted、replaced、not_applicable、hazard"),
        ("enum", "取值必须是以下之一：gcj02、wgs84"),
    ],
)
def test_allowed_values_are_listed_in_chinese(annotation, expected):
    from enum import StrEnum
    from typing import Literal

    class CoordSystem(StrEnum):
        gcj02 = "gcj02"
        wgs84 = "wgs84"

    class Probe(Schema):
        literal: Literal["normal", "adjusted", "replaced", "not_applicable", "hazard"] | None = None
        enum: CoordSystem | None = None

    with pytest.raises(ValidationError) as caught:
        Probe.model_validate({annotation: "bogus"})
    assert fields_of(caught.value) == {annotation: expected}
