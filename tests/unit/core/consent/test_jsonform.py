"""The strict JSON reader shared by every signed Tessera document."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from app.core.consent.jsonform import Fields, format_utc, loads_strict, parse_utc
from app.core.errors import InvalidInput


def _fields(value: object) -> Fields:
    return Fields(value, "doc", InvalidInput, required=("a",), optional=("b",))


@pytest.mark.parametrize(
    ("value", "read", "words"),
    [
        ({"a": None}, lambda f: f.text("a"), r"doc\.a: expected a string, got null"),
        ({"a": 1.5}, lambda f: f.text("a"), "got a number with a fraction"),
        ({"a": []}, lambda f: f.boolean("a"), "got an array"),
        ({"a": {}}, lambda f: f.integer("a"), "got an object"),
        ({"a": True}, lambda f: f.integer("a"), "got a boolean"),
        ({"a": 2**53}, lambda f: f.integer("a"), "must be between 0 and"),
        ({"a": "x"}, lambda f: f.array("a"), "expected an array, got a string"),
        ({"a": [1, 2]}, lambda f: f.array("a", max_items=1), "more than 1 items"),
        ({"a": "abc"}, lambda f: f.text("a", pattern=re.compile("[0-9]+")), "does not match"),
        ({"a": "2025-01-01T00:00:00Z"}, lambda f: f.time("a"), None),
        ({"a": 7}, lambda f: _fields(()), "expected an object, got tuple"),
    ],
)
def test_fields_name_what_is_wrong(
    value: object, read: Callable[[Fields], object], words: str | None
) -> None:
    fields = _fields(value)
    if words is None:
        assert read(fields) == datetime(2025, 1, 1, tzinfo=UTC)
        return
    with pytest.raises(InvalidInput, match=words):
        read(fields)


def test_missing_and_unknown_members() -> None:
    with pytest.raises(InvalidInput, match=r"doc\.a: missing"):
        _fields({"b": 1})
    with pytest.raises(InvalidInput, match="doc: unknown member 'c'"):
        _fields({"a": 1, "c": 2})
    assert _fields({"a": 1}).optional_text("b") is None


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(InvalidInput, match="nested too deeply"):
        loads_strict("[" * 100_000 + "]" * 100_000, what="doc")


def test_times_round_trip_and_need_a_zone() -> None:
    moment = datetime(2025, 6, 1, 12, 30, 5, tzinfo=UTC)
    assert parse_utc(format_utc(moment), where="t", error=InvalidInput) == moment
    with pytest.raises(ValueError, match="timezone-aware"):
        format_utc(datetime(2025, 6, 1))
    for text in ("2025-06-01T12:30:05.5Z", "2025-06-01T12:30:05+00:00", "2025-06-01 12:30:05Z"):
        with pytest.raises(InvalidInput, match="expected an RFC 3339 UTC time"):
            parse_utc(text, where="t", error=InvalidInput)
