"""The IBAN detector finds what its plain form (lookbehind first, a loop over spaces) finds."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.datasets.pii.checksums import IBAN_LENGTHS, iban_valid
from app.core.datasets.pii.detectors import find_ibans
from app.core.datasets.pii.types import PiiType, Raw

PLAIN_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[ \u00a0]?[A-Z0-9]){10,30}(?![a-z0-9])"
)


def _reference(text: str, windows: list[tuple[int, int]]) -> list[Raw]:
    """The detector as it was first written: the reference the faster one is held to."""
    out: list[Raw] = []
    for position, stop in windows:
        while (match := PLAIN_IBAN.search(text, position, stop)) is not None:
            start = match.start()
            length = IBAN_LENGTHS.get(text[start : start + 2])
            position = start + 1
            if length is None:
                continue
            match_end = match.end()
            if " " in text[start:match_end] or "\u00a0" in text[start:match_end]:
                end, taken = start, 0
                while taken < length and end < match_end:
                    if text[end] not in " \u00a0":
                        taken += 1
                    end += 1
            else:
                end = min(start + length, match_end)
                taken = end - start
            if taken < length or (end < len(text) and text[end].isalnum()):
                continue
            compact = text[start:end].replace(" ", "").replace("\u00a0", "")
            if iban_valid(compact):
                out.append((start, end, PiiType.IBAN, f"iban:{compact[:2]}"))
                position = end
    return out


VALID = [
    "DE89370400440532013000",
    "GB29NWBK60161331926819",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "ES9121000418450200051332",
]


def _grouped(iban: str, separator: str) -> str:
    return separator.join(iban[at : at + 4] for at in range(0, len(iban), 4))


PIECE = st.one_of(
    st.sampled_from(VALID),
    st.builds(_grouped, st.sampled_from(VALID), st.sampled_from([" ", "\u00a0", "  "])),
    st.sampled_from(["DE", "GB", "XX", "89", "0000", "A", "a", "7", " ", "\u00a0", "-", "x9"]),
    st.text(st.sampled_from("ABDEGF0123456789 \u00a0abz"), max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECE, max_size=8).map("".join), st.data())
@example("IBAN DE89 3704 0044 0532 0130 00 and GB29NWBK60161331926819.", None)
@example("xDE89370400440532013000 DE89 3704 0044 0532 0130 00 1", None)
@example("DE89 3704 0044 0532 0130 0", None)
def test_the_same_ibans_as_the_plain_search(text: str, data: st.DataObject | None) -> None:
    windows = [(0, len(text))]
    if data is not None and text:
        start = data.draw(st.integers(0, len(text)))
        windows.append((start, data.draw(st.integers(start, len(text)))))
    for window in windows:
        found: list[Raw] = []
        find_ibans(text, found, [window])
        assert found == _reference(text, [window])
