"""Decimal numbers the C lane writes as they are, without a round trip through a double,
are spelled as the Python lane spells them (repr, then ECMAScript's rules)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import nativelane
from tests.unit.core.datasets.test_fastlane_native import ANCHOR_BYTES, _batch, _check_lines

pytestmark = pytest.mark.skipif(not nativelane.available(), reason="the C fast lane is not built")

if nativelane.available():
    from app.core.datasets import _fastlane

DIGITS = st.text("0123456789", min_size=1, max_size=17)
WHOLE = st.one_of(st.just("0"), st.integers(1, 10**16).map(str))
DECIMAL = st.builds(
    lambda sign, whole, fraction: f"{sign}{whole}.{fraction}",
    st.sampled_from(["", "-"]),
    WHOLE,
    st.one_of(DIGITS, st.sampled_from(["0", "00", "000", "0001", "00001", "10", "5"])),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(DECIMAL, min_size=1, max_size=8))
def test_decimals_as_the_python_lane_spells_them(numbers: list[str]) -> None:
    lines = [f'{{"x": {number}, "y": [{number}]}}' for number in numbers]
    _check_lines(_batch(lines).data)


@pytest.mark.parametrize(
    ("number", "spelled"),
    [
        ("0.1166", "0.1166"), ("-0.5", "-0.5"), ("1.50", "1.5"), ("0.0001", "0.0001"),
        ("0.00010", "0.0001"), ("12345678901234.5", "12345678901234.5"),
        ("0.123456789012345", "0.123456789012345"), ("0.1234567890123456", None),
        ("0.0", None), ("-0.0", None), ("100.0", None), ("1.0000000000000001", None),
        ("0.00001", None),  # repr: 1e-05, the full way
    ],
)  # fmt: skip
def test_spellings(number: str, spelled: str | None) -> None:
    data = _batch([f'{{"x": {number}}}']).data
    canonical = _fastlane.scan(data, ANCHOR_BYTES, 1 << 20, False, False)[0][0]
    expected = None if spelled is None else json.dumps({"x": json.loads(spelled)}).replace(" ", "")
    assert canonical == (None if expected is None else expected.encode("ascii"))
    _check_lines(data)
