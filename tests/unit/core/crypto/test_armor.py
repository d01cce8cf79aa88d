"""ASCII armor: what age writes, and a strict reader."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.crypto import ArmorError
from app.core.crypto import armor as a
from app.core.crypto.streams import Source


def armored(data: bytes, *, chunks: int = 1) -> bytes:
    out = io.BytesIO()
    writer = a.ArmorWriter(out)
    step = max(1, len(data) // chunks)
    for start in range(0, len(data), step):
        writer.write(data[start : start + step])
    writer.close()
    return out.getvalue()


def dearmor(text: bytes, read_size: int = 1 << 20) -> bytes:
    source = Source(a.ArmorReader(Source(io.BytesIO(text))))
    out = bytearray()
    while True:
        piece = source.read(read_size)
        out += piece
        if len(piece) < read_size:
            return bytes(out)


def reference(data: bytes) -> bytes:
    """The PEM encoding by hand, to check the writer against."""
    text = base64.b64encode(data)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return b"\n".join([a.BEGIN, *lines, a.END]) + b"\n"


@settings(max_examples=40)
@given(data=st.binary(max_size=3000), chunks=st.integers(1, 7))
def test_round_trip(data: bytes, chunks: int) -> None:
    text = armored(data, chunks=chunks)
    assert text == reference(data)
    assert dearmor(text) == data
    assert dearmor(text, read_size=7) == data


@pytest.mark.parametrize("size", [0, 48, 64 * 48, 3 * (1 << 20) + 5])
def test_sizes_including_the_fast_path(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    text = armored(data, chunks=3)
    assert text == reference(data)
    assert dearmor(text) == data


def test_crlf_and_whitespace_outside_are_accepted() -> None:
    data = bytes(range(200))
    crlf = armored(data).replace(b"\n", b"\r\n")
    assert dearmor(b" \t\r\n" + crlf + b"\r\n  \n") == data
    assert dearmor(armored(data).rstrip(b"\n")) == data


def test_is_armored() -> None:
    assert a.is_armored(b"  \n-----BEGIN")
    assert not a.is_armored(b"age-encryption.org/v1\n")


def _join_first_lines(text: bytes) -> bytes:
    first = text.index(b"\n") + 1
    second = text.index(b"\n", first)
    return text[:second] + text[second + 1 :]


BODY = bytes(range(256)) * 3  # 768 bytes: 16 full lines


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b" " * 1100 + armored(BODY), "too much whitespace before"),
        (armored(BODY) + b" " * 1100, "too much whitespace after"),
        (armored(BODY) + b"x", "data after the end"),
        (b"x" + armored(BODY), "does not start"),
        (armored(BODY).replace(a.BEGIN, a.BEGIN.lower()), "does not start"),
        (armored(BODY).replace(a.END + b"\n", b""), "no END line"),
        (armored(BODY).replace(a.END, b"-----END AGE ENCRYPTED FILE----"), "padded base64"),
        (armored(b"abc").replace(b"YWJj\n", b"YWJj\nYWJj\n"), "shorter than 64"),
        (armored(BODY).replace(b"\n" + a.END, b"\n\n" + a.END), "empty"),
        (_join_first_lines(armored(b"x" * 144)), "longer than 64 columns"),
        (a.BEGIN + b"\n" + b"A" * 200, "too long"),
        (armored(b"ab").replace(b"YWI=", b"YWI"), "padded base64"),
        (armored(b"ab").replace(b"YWI=", b"YWJ="), "canonical"),
        (armored(BODY).replace(b"AAECAwQF", b"AAE CAwQ", 1), "not base64"),
    ],
)
def test_strictness(text: bytes, message: str) -> None:
    with pytest.raises(ArmorError, match=message):
        dearmor(text)


def test_fast_path_falls_back_for_irregular_lines() -> None:
    text = armored(bytes(range(256)) * 40).replace(b"\n", b"\r\n")
    assert dearmor(text) == bytes(range(256)) * 40


@pytest.mark.parametrize("tail", [b"", b"\n \t\r\n" * 10])
def test_small_reads_across_every_boundary(monkeypatch: pytest.MonkeyPatch, tail: bytes) -> None:
    monkeypatch.setattr(a, "_BLOCK", 7)
    data = bytes(range(256)) * 2
    assert dearmor(b"\n  \n" + armored(data) + tail) == data
    with pytest.raises(ArmorError, match="data after the end"):
        dearmor(armored(data) + tail + b"x")
