"""Tampering: every change to a file is refused, with the right error, releasing nothing false.

"Released" is what :func:`decrypt_stream` wrote before failing. It may only
ever be whole authentic chunks from the start of the plaintext; a file
target is never left behind at all.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.core.crypto import (
    ArmorError,
    HeaderError,
    HMACError,
    NoIdentityMatch,
    PayloadError,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    decrypt_file,
    decrypt_stream,
    encrypt_bytes,
    read_header,
)
from app.core.crypto.errors import AgeError
from app.core.crypto.payload import CHUNK, NONCE_SIZE, SEALED_CHUNK

FAST_SCRYPT = 2


def attempt(data: bytes, identities: list, workers: int = 1) -> tuple[AgeError | None, bytes]:  # type: ignore[type-arg]
    out = io.BytesIO()
    try:
        decrypt_stream(io.BytesIO(data), out, identities, workers=workers)
    except AgeError as exc:
        return exc, out.getvalue()
    return None, out.getvalue()


def flips(data: bytes):  # type: ignore[no-untyped-def]
    for index in range(len(data)):
        for bit in range(8):
            changed = bytearray(data)
            changed[index] ^= 1 << bit
            yield index, bytes(changed)


def test_every_bit_flip_of_a_small_file(alice: X25519Identity) -> None:
    plaintext = b"tessera" * 20
    sealed = encrypt_bytes(plaintext, [alice.recipient])
    header = read_header(sealed).header_size
    mac_line = sealed.rindex(b"\n---", 0, header) + 1
    version_end = sealed.index(b"\n") + 1
    wrong = []
    for index, changed in flips(sealed):
        error, released = attempt(changed, [alice])
        if index < version_end:
            allowed: tuple[type[AgeError], ...] = (HeaderError,)
        elif index < mac_line:
            allowed = (HeaderError, NoIdentityMatch)
        elif index < header:
            allowed = (HeaderError, HMACError)
        else:
            allowed = (PayloadError,)
        if not isinstance(error, allowed) or released:
            wrong.append((index, error))
    assert wrong == []


def test_every_bit_flip_of_an_armored_passphrase_file() -> None:
    sealed = encrypt_bytes(b"secret notes", [ScryptRecipient("pw", FAST_SCRYPT)], armor=True)
    for index, changed in flips(sealed):
        error, released = attempt(changed, [ScryptIdentity("pw")])
        assert isinstance(
            error, (ArmorError, HeaderError, HMACError, NoIdentityMatch, PayloadError)
        ), index
        assert released == b""


@pytest.fixture(scope="module")
def four_chunks(alice: X25519Identity) -> tuple[bytes, bytes, int]:
    plaintext = bytes(range(256)) * (3 * CHUNK // 256) + b"tail" * 25
    sealed = encrypt_bytes(plaintext, [alice.recipient])
    return plaintext, sealed, read_header(sealed).header_size + NONCE_SIZE


def whole_chunks(plaintext: bytes, released: bytes) -> bool:
    return len(released) % CHUNK == 0 and plaintext.startswith(released)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_flip_in_any_chunk_releases_only_the_chunks_before(
    alice: X25519Identity, four_chunks: tuple[bytes, bytes, int], workers: int
) -> None:
    plaintext, sealed, start = four_chunks
    for chunk in range(4):
        for offset in (0, 1000, SEALED_CHUNK - 1):
            position = start + chunk * SEALED_CHUNK + offset
            if position >= len(sealed):
                continue
            changed = bytearray(sealed)
            changed[position] ^= 0x80
            error, released = attempt(bytes(changed), [alice], workers)
            assert isinstance(error, PayloadError)
            assert released == plaintext[: chunk * CHUNK]


def test_truncation_at_and_around_every_chunk_boundary(
    alice: X25519Identity, four_chunks: tuple[bytes, bytes, int], tmp_path: Path
) -> None:
    plaintext, sealed, start = four_chunks
    cuts = {
        start + chunk * SEALED_CHUNK + delta
        for chunk in range(5)
        for delta in (-17, -16, -15, -1, 0, 1, 15, 16, 17)
    }
    cuts |= {start - NONCE_SIZE, start - 1}
    for cut in sorted(c for c in cuts if 0 < c < len(sealed)):
        error, released = attempt(sealed[:cut], [alice], workers=2)
        expected = HeaderError if cut < start else PayloadError
        assert isinstance(error, expected), cut
        assert whole_chunks(plaintext, released), cut
        assert len(released) < len(plaintext)
        target = tmp_path / "truncated.age"
        target.write_bytes(sealed[:cut])
        with pytest.raises(expected):
            decrypt_file(target, tmp_path / "plain", [alice])
        assert not (tmp_path / "plain").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["truncated.age"]


def _chunks(sealed: bytes, start: int) -> list[bytes]:
    payload = sealed[start:]
    return [payload[i : i + SEALED_CHUNK] for i in range(0, len(payload), SEALED_CHUNK)]


@pytest.mark.parametrize(
    ("arrange", "kept"),
    [
        (lambda c: [c[0], c[2], c[1], c[3]], 1),  # reordered
        (lambda c: [c[0], c[1], c[1], c[2], c[3]], 2),  # duplicated
        (lambda c: [c[0], c[1], c[3]], 2),  # dropped
        (lambda c: [c[0], c[1], c[2]], 3),  # final chunk dropped
        (lambda c: [c[1], c[0], c[2], c[3]], 0),  # first two swapped
        (lambda c: [*c, c[3]], 3),  # final chunk repeated
    ],
)
def test_rearranged_chunks(
    alice: X25519Identity,
    four_chunks: tuple[bytes, bytes, int],
    arrange,
    kept: int,  # type: ignore[no-untyped-def]
) -> None:
    plaintext, sealed, start = four_chunks
    forged = sealed[:start] + b"".join(arrange(_chunks(sealed, start)))
    error, released = attempt(forged, [alice], workers=2)
    assert isinstance(error, PayloadError)
    assert released == plaintext[: kept * CHUNK]


@pytest.mark.parametrize("extra", [b"\x00", b"x" * 16, b"y" * 100, b"z" * SEALED_CHUNK])
def test_appended_bytes(
    alice: X25519Identity, four_chunks: tuple[bytes, bytes, int], extra: bytes, tmp_path: Path
) -> None:
    plaintext, sealed, _ = four_chunks
    error, released = attempt(sealed + extra, [alice])
    assert isinstance(error, PayloadError)
    assert whole_chunks(plaintext, released) or released == plaintext
    target = tmp_path / "long.age"
    target.write_bytes(sealed + extra)
    with pytest.raises(PayloadError):
        decrypt_file(target, tmp_path / "plain", [alice])
    assert not (tmp_path / "plain").exists()


def test_a_full_final_chunk_with_bytes_after_it(alice: X25519Identity) -> None:
    plaintext = bytes(2 * CHUNK)  # ends with a full final chunk
    sealed = encrypt_bytes(plaintext, [alice.recipient])
    error, released = attempt(sealed + b"!", [alice])
    assert isinstance(error, PayloadError)
    assert released == plaintext  # the final chunk verified; the extra byte did not


def test_changed_header_or_mac(alice: X25519Identity, bob: X25519Identity) -> None:
    sealed = encrypt_bytes(b"payload", [alice.recipient, bob.recipient])
    lines = sealed.split(b"\n")
    # Drop bob's stanza (two lines): alice still opens it, the MAC no longer matches.
    without_bob = b"\n".join(lines[:3] + lines[5:])
    assert attempt(without_bob, [alice])[0].__class__ is HMACError
    # Another valid MAC (from another file) in place of this one.
    other = encrypt_bytes(b"payload", [alice.recipient, bob.recipient]).split(b"\n")
    swapped_mac = b"\n".join([*lines[:5], other[5], *lines[6:]])
    assert attempt(swapped_mac, [alice])[0].__class__ is HMACError
    # A grease stanza added: ignored by identities, caught by the MAC.
    greased = b"\n".join([*lines[:5], b"-> grease x", b"", *lines[5:]])
    assert attempt(greased, [alice])[0].__class__ is HMACError


def test_header_spliced_onto_another_payload(alice: X25519Identity) -> None:
    one = encrypt_bytes(b"first file", [alice.recipient])
    two = encrypt_bytes(b"second file", [alice.recipient])
    size_one = read_header(one).header_size
    size_two = read_header(two).header_size
    error, released = attempt(one[:size_one] + two[size_two:], [alice])
    assert isinstance(error, PayloadError)
    assert released == b""
