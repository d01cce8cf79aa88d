"""RFC 8785 canonical JSON: the fast path agrees with the reference, I-JSON is enforced."""

from __future__ import annotations

import enum
import hashlib
import json
from collections import OrderedDict
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import canonical
from app.core.canonical import (
    MAX_SAFE_INTEGER,
    NotIJSON,
    canonical_json,
    loads_strict,
    sha256_canonical,
    sha256_canonical_hex,
)
from app.core.errors import InvalidInput

# Text over all of Unicode except lone surrogates, weighted toward the
# characters where code point order and UTF-16 order disagree.
_TRICKY = st.sampled_from(
    ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud7ff", "\ue000", "\ufb33", "\uffff", "😀", "𐀀"]
)
_TEXT = st.lists(st.one_of(_TRICKY, st.characters(exclude_categories=("Cs",))), max_size=6).map(
    "".join
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 1e16, 1e21, 1e-7, 1e-4, 5e-324, 1.7976931348623157e308]),
    _TEXT,
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=300)
@given(JSON_VALUES)
def test_matches_the_reference_implementation(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=100)
@given(JSON_VALUES)
def test_canonical_form_is_a_fixed_point(value: Any) -> None:
    once = canonical_json(value)
    # A whole float of 2^53 or more is spelled like an integer; read it back as the float it was.
    assert canonical_json(json.loads(once, parse_int=_int_or_float)) == once


def _int_or_float(spelled: str) -> int | float:
    number = int(spelled)
    return number if abs(number) <= MAX_SAFE_INTEGER else float(number)


def test_rfc8785_sorting_example() -> None:
    """RFC 8785 section 3.2.3: keys sort by UTF-16 code units, not code points."""
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_rfc8785_serialization_example() -> None:
    """RFC 8785 section 3.2.4."""
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("number", "spelled"),
    [
        (1.0, b"1"),
        (-0.0, b"0"),
        (1e21, b"1e+21"),
        (1e20, b"100000000000000000000"),
        (1e-7, b"1e-7"),
        (1e-6, b"0.000001"),
        (0.1, b"0.1"),
        (123456789012345.6, b"123456789012345.6"),
        (-2.5, b"-2.5"),
    ],
)
def test_numbers_use_ecmascript_spelling(number: float, spelled: bytes) -> None:
    assert canonical_json(number) == spelled
    assert canonical_json([number]) == b"[" + spelled + b"]"


def test_subclasses_and_tuples_serialise_as_their_json_meaning() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Size(enum.IntEnum):
        BIG = 3

    value = OrderedDict([("b", (1, 2)), ("a", Colour.RED), ("c", Size.BIG)])
    assert canonical_json(value) == b'{"a":"red","b":[1,2],"c":3}'


def test_typical_records_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hashing every record through the pure-Python reference would dominate a prepare."""

    def refuse(_value: object) -> bytes:
        raise AssertionError("the reference path was taken")

    monkeypatch.setattr(canonical.rfc8785, "dumps", refuse)
    record = {"id": 7, "q": "Où est la gare ?", "a": "Tout droit.", "score": 0.25, "ok": True}
    assert canonical_json(record) == (
        '{"a":"Tout droit.","id":7,"ok":true,"q":"Où est la gare ?","score":0.25}'.encode()
    )
    with pytest.raises(AssertionError):
        canonical_json({"score": 1.5e300})


def test_sha256_helpers() -> None:
    expected = hashlib.sha256(b'{"a":1,"b":[true,null]}')
    assert sha256_canonical({"b": [True, None], "a": 1}) == expected.digest()
    assert sha256_canonical_hex({"b": [True, None], "a": 1}) == expected.hexdigest()


@pytest.mark.parametrize(
    ("value", "where", "problem"),
    [
        (float("nan"), "at $ ", "NaN or infinite"),
        ({"price": [1, float("inf")]}, "at $.price[1]", "NaN or infinite"),
        ({"n": 2**53}, "at $.n", "outside"),
        ({"n": -(2**53)}, "at $.n", "outside"),
        ({"rows": [{1: "x"}]}, "at $.rows[0]", "key that is not a string"),
        ({"text": "ok \ud800 secret"}, "at $.text", "unpaired surrogate"),
        ({"k\udc00": 1}, "at $", "unpaired surrogate"),
        ({"blob": b"bytes"}, "at $.blob", "not a JSON type"),
        ({"s": {1, 2}}, "at $.s", "not a JSON type"),
    ],
)
def test_non_i_json_is_refused_with_a_path(value: object, where: str, problem: str) -> None:
    with pytest.raises(NotIJSON) as caught:
        canonical_json(value, what="record 7")
    message = str(caught.value)
    assert message.startswith("record 7: ")
    assert where in message + " "
    assert problem in message
    assert "secret" not in message
    assert isinstance(caught.value, InvalidInput)


def test_limits_of_the_integer_range_are_accepted() -> None:
    assert canonical_json([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == (
        b"[9007199254740991,-9007199254740991]"
    )


def test_keys_that_are_not_field_names_are_not_echoed() -> None:
    with pytest.raises(NotIJSON) as caught:
        canonical_json({"alice@example.com": {"x": float("nan")}})
    assert "alice" not in str(caught.value)
    assert "<key 1>" in str(caught.value)


def test_runaway_nesting_is_an_input_error() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(NotIJSON, match="nested too deeply"):
        canonical_json(deep)
    circular: dict[str, object] = {}
    circular["self"] = circular
    with pytest.raises(NotIJSON, match="nested too deeply"):
        canonical_json(circular)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"a": 1, "a": 2}', "same key twice"),
        (b"[NaN]", "NaN is not JSON"),
        (b"[-Infinity]", "-Infinity is not JSON"),
        (b"\xc3\x28", "not UTF-8"),
        (b'{"a": ', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_strict_reader_refuses_ambiguous_json(text: bytes, message: str) -> None:
    with pytest.raises(NotIJSON, match=message):
        loads_strict(text, what="proof")


def test_strict_reader_reads_plain_json() -> None:
    assert loads_strict('{"a": [1, 2.5, "x"]}', what="doc") == {"a": [1, 2.5, "x"]}
    assert loads_strict(b'{"nested": {"a": null}}', what="doc") == {"nested": {"a": None}}


def test_what_the_fast_encoder_refuses_still_has_its_canonical_form() -> None:
    deep: list[object] = [0.5, "é\x1f"]
    for _ in range(300):  # deeper than orjson writes
        deep = [deep, {"b": 1, "a": "\u2028"}]
    assert canonical_json(deep) == bytes(rfc8785.dumps(deep))
    with pytest.raises(NotIJSON, match="unpaired surrogate"):
        canonical_json({"a": "x\ud800"})
