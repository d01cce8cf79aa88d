"""Bech32 as age uses it: BIP 173 checksums without the length limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.crypto import bech32
from app.core.crypto.errors import KeyFormatError

# Valid BIP 173 strings (from the BIP's test vectors) with an empty data part.
BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
]


@given(
    hrp=st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20),
    data=st.binary(max_size=1300),
)
def test_round_trip_without_length_limit(hrp: str, data: bytes) -> None:
    text = bech32.encode(hrp, data)
    assert bech32.decode(text) == (hrp, data)
    assert bech32.decode(text.upper()) == (hrp.upper(), data)


@pytest.mark.parametrize("text", BIP173_VALID)
def test_bip173_checksums_verify(text: str) -> None:
    hrp, _ = bech32.decode(text)
    assert hrp.lower() == text[: text.rfind("1")].lower()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A12UEl5L", "mixes"),  # mixed case
        ("a12uel5m", "checksum"),  # checksum
        ("a1b2uel5l", "characters"),  # 'b' is not in the charset
        ("\x7fa12uel5l", "characters"),  # out of range
        ("12uel5l", "not a Bech32"),  # empty hrp
        ("a1uel5l", "not a Bech32"),  # too short for a checksum
        ("abc", "not a Bech32"),  # no separator
    ],
)
def test_malformed_strings_are_refused(text: str, reason: str) -> None:
    with pytest.raises(KeyFormatError, match=reason):
        bech32.decode(text)


def test_non_zero_padding_is_refused() -> None:
    # One byte is 8 bits: two words, the last holding 2 padding bits, which must be zero.
    good = bech32.encode("age", b"\xff")
    hrp, data_part = good[:3], good[4:-6]
    words = [bech32.CHARSET.index(c) for c in data_part]
    words[-1] |= 1
    forged = _with_checksum(hrp, words)
    with pytest.raises(KeyFormatError, match="padding"):
        bech32.decode(forged)


def test_too_much_padding_is_refused() -> None:
    forged = _with_checksum("age", [0, 0, 0, 0])  # 20 bits: 2 bytes and 4 padding bits, fine
    assert bech32.decode(forged) == ("age", b"\x00\x00")
    forged = _with_checksum("age", [0, 0, 0])  # 15 bits: 1 byte and 7 padding bits: no
    with pytest.raises(KeyFormatError, match="padding"):
        bech32.decode(forged)


def _with_checksum(hrp: str, words: list[int]) -> str:
    polymod = bech32._polymod([*bech32._expand_hrp(hrp), *words, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(bech32.CHARSET[w] for w in words + checksum)
