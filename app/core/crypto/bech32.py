"""Bech32 (BIP 173) as age uses it: the plain checksum, no length limit.

age keys are Bech32 strings whose data part is far longer than BIP 173's 90
characters (a post-quantum recipient is almost two thousand), so the length
limit is dropped, as the age specification says. Everything else is strict:
one case only, a valid checksum, zero padding bits.
"""

from __future__ import annotations

from app.core.crypto.errors import KeyFormatError

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_VALUES = {char: index for index, char in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CHECKSUM_LEN = 6


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            if (top >> bit) & 1:
                check ^= _GENERATOR[bit]
    return check


def _expand_hrp(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def _to_words(data: bytes) -> list[int]:
    words = []
    accumulator = 0
    bits = 0
    for byte in data:
        accumulator = (accumulator << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append((accumulator >> bits) & 31)
    if bits:
        words.append((accumulator << (5 - bits)) & 31)
    return words


def _from_words(words: list[int]) -> bytes:
    out = bytearray()
    accumulator = 0
    bits = 0
    for word in words:
        accumulator = (accumulator << 5) | word
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    if bits >= 5 or (accumulator & ((1 << bits) - 1)):
        raise KeyFormatError("the key has invalid padding")
    return bytes(out)


def encode(hrp: str, data: bytes) -> str:
    """The lowercase Bech32 string; callers upper-case it where age does."""
    hrp = hrp.lower()
    words = _to_words(data)
    polymod = _polymod([*_expand_hrp(hrp), *words, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - index)) & 31 for index in range(_CHECKSUM_LEN)]
    return hrp + "1" + "".join(CHARSET[word] for word in words + checksum)


def decode(text: str) -> tuple[str, bytes]:
    """The human-readable part, in the case it was written, and the data.

    The case is kept because age gives it meaning: recipients are lowercase
    (``age1...``) and identities uppercase (``AGE-SECRET-KEY-1...``).
    """
    if any(not 33 <= ord(char) <= 126 for char in text):
        raise KeyFormatError("the key contains characters Bech32 does not allow")
    if text.lower() != text and text.upper() != text:
        raise KeyFormatError("the key mixes upper and lower case")
    separator = text.rfind("1")
    if separator < 1 or separator + 1 + _CHECKSUM_LEN > len(text):
        raise KeyFormatError("the key is not a Bech32 string")
    original_hrp = text[:separator]
    text = text.lower()
    hrp = text[:separator]
    try:
        words = [_VALUES[char] for char in text[separator + 1 :]]
    except KeyError:
        raise KeyFormatError("the key contains characters Bech32 does not allow") from None
    if _polymod(_expand_hrp(hrp) + words) != 1:
        raise KeyFormatError("the key's checksum is wrong (a typo?)")
    return original_hrp, _from_words(words[:-_CHECKSUM_LEN])
