"""The header: canonical encoding, strict parsing, the MAC."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.crypto import HeaderError, HMACError
from app.core.crypto import header as h
from app.core.crypto.streams import Source

FILE_KEY = b"k" * 16

vchar_arg = st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)], min_size=1, max_size=30)
stanzas = st.builds(
    h.Stanza,
    args=st.lists(vchar_arg, min_size=1, max_size=4).map(tuple),
    body=st.binary(max_size=200),
)


def parse(data: bytes) -> h.Header:
    return h.parse_header(Source(io.BytesIO(data)))


@settings(max_examples=60)
@given(items=st.lists(stanzas, min_size=1, max_size=5), tail=st.binary(max_size=20))
def test_encode_then_parse_is_identity(items: list[h.Stanza], tail: bytes) -> None:
    encoded = h.encode_header(items, FILE_KEY)
    source = Source(io.BytesIO(encoded + tail))
    parsed = h.parse_header(source)
    assert list(parsed.stanzas) == items
    assert parsed.size == len(encoded)
    assert source.read(len(tail) + 1) == tail  # the parser stops at the payload
    parsed.verify_mac(FILE_KEY)
    with pytest.raises(HMACError):
        parsed.verify_mac(b"x" * 16)


@pytest.mark.parametrize(("size", "lines"), [(0, 1), (47, 1), (48, 2), (49, 2), (96, 3)])
def test_bodies_wrap_at_64_columns_and_end_short(size: int, lines: int) -> None:
    encoded = h.Stanza(("t",), b"\x01" * size).encode()
    body_lines = encoded.split(b"\n")[1:-1]
    assert len(body_lines) == lines
    assert all(len(line) == 64 for line in body_lines[:-1])
    assert len(body_lines[-1]) < 64


def test_encode_needs_a_stanza() -> None:
    with pytest.raises(ValueError, match="at least one stanza"):
        h.encode_header([], FILE_KEY)


def _valid() -> bytes:
    return h.encode_header([h.Stanza(("X25519", "abc"), b"\x00" * 32)], FILE_KEY)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated"),
        (b"age-encryption.org/v2\n", "version"),
        (b"hello\n", "not an age file"),
        (b"age-encryption.org/v1\n--- AAAA\n", "no recipient stanza"),
        (b"age-encryption.org/v1\n-> a\n\nxyz\n", "malformed"),
        (b"age-encryption.org/v1\n-> a  b\n\n", "empty or invalid argument"),
        (b"age-encryption.org/v1\n-> a\xc3\xa9\n\n", "empty or invalid argument"),
        (b"age-encryption.org/v1\n-> a\n" + b"A" * 65 + b"\n", "longer than 64"),
        (b"age-encryption.org/v1\n-> a\nAAA=\n", "base64"),
        (b"age-encryption.org/v1\n-> a\nAB\n", "canonical"),
        (b"age-encryption.org/v1\n-> a\nA\n", "base64"),
        (b"age-encryption.org/v1\n-> a\n\n---AAAA\n", "malformed"),
        (b"age-encryption.org/v1\n-> a\n\n--- AAAA\n", "wrong length"),
        (b"age-encryption.org/v1\n-> a\n\n", "truncated"),
        (b"age-encryption.org/v1\n-> a\n" + b"A" * (1 << 17), "overlong"),
    ],
)
def test_malformed_headers(data: bytes, message: str) -> None:
    with pytest.raises(HeaderError, match=message):
        parse(data)


def test_header_size_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(h, "MAX_HEADER", 200)
    many = [h.Stanza(("grease", str(i)), b"x" * 40) for i in range(10)]
    with pytest.raises(HeaderError, match="too large"):
        parse(h.encode_header(many, FILE_KEY))


def test_parsing_keeps_the_signed_text() -> None:
    data = _valid()
    parsed = parse(data)
    assert parsed.signed == data[: data.index(b"---") + 3]
    assert h.header_mac(FILE_KEY, parsed.signed) == parsed.mac


def test_base64_helpers() -> None:
    assert h.b64encode(b"\xff\xfe") == "//4"
    assert h.b64decode("//4", "x") == b"\xff\xfe"
    assert h.b64decode(b"", "x") == b""
    with pytest.raises(HeaderError, match="the salt is not valid"):
        h.b64decode("a\u00e9", "salt")
