"""North American numbers read without ``phonenumbers.parse`` are read as it reads them."""

from __future__ import annotations

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.datasets.pii import digits

SEPARATOR = st.sampled_from(["", " ", "-", ".", "  ", "/"])


def _parsed(run: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(run, None)
    except phonenumbers.NumberParseException:
        return None


def _ours(run: str) -> phonenumbers.PhoneNumber | None:
    try:
        return digits._parse(run, None)
    except phonenumbers.NumberParseException:
        return None


@settings(max_examples=600, deadline=None)
@given(
    st.integers(0, 999),
    st.integers(0, 999),
    st.integers(0, 9999),
    SEPARATOR,
    SEPARATOR,
    st.sampled_from(["+1", "+1 ", "+1-", "+12", "+", "1 ", "+44 "]),
)
@example(415, 555, 132, " ", " ", "+1 ")
@example(212, 555, 9616, "-", "-", "+1-")
@example(115, 555, 9616, " ", " ", "+1 ")
@example(415, 555, 9616, " ", "-", "+1 ")
def test_the_same_number_as_the_parser(
    area: int, exchange: int, line: int, first: str, second: str, lead: str
) -> None:
    run = f"{lead}{area:03d}{first}{exchange:03d}{second}{line:04d}"
    expected = _parsed(run)
    assert _ours(run) == expected
    digits._valid_region.cache_clear()
    found = digits._valid_region(run, None)
    if expected is None or not phonenumbers.is_valid_number(expected):
        assert found is None
    else:
        region = phonenumbers.region_code_for_country_code(expected.country_code or 0)
        assert found == f"phone:{region}"


def test_the_shortcut_is_taken() -> None:
    """Not the parser: a number it would reject still comes back (the shortcut's answer)."""
    assert digits._NANP.fullmatch("+1 415 555 0132")
    assert digits._NANP.fullmatch("+1-415-555-0132")
    assert digits._NANP.fullmatch("+14155550132")
    assert not digits._NANP.fullmatch("+1 415-555 0132")
    assert not digits._NANP.fullmatch("+1 115 555 0132")
