"""The age conformance vectors (C2SP/CCTV), every one, through the streaming API.

Each vector names the failure class it expects and, for most, the SHA-256 of
all plaintext a reader releases, including what it released before a
failure; :func:`decrypt_stream` must match both exactly.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.crypto import (
    ArmorError,
    HeaderError,
    HMACError,
    Identity,
    NoIdentityMatch,
    PayloadError,
    ScryptIdentity,
    decrypt_stream,
    parse_identity,
)
from app.core.crypto.errors import AgeError

EXPECTED_ERRORS: dict[str, type[AgeError] | None] = {
    "success": None,
    "no match": NoIdentityMatch,
    "HMAC failure": HMACError,
    "header failure": HeaderError,
    "payload failure": PayloadError,
    "armor failure": ArmorError,
}
KNOWN_KEYS = {
    "expect",
    "payload",
    "identity",
    "passphrase",
    "armored",
    "compressed",
    "file key",
    "comment",
}
VECTOR_COUNT = 143


@dataclass(frozen=True)
class Vector:
    name: str
    expect: str
    payload: str | None
    identities: tuple[str, ...]
    passphrases: tuple[str, ...]
    armored: bool
    body: bytes

    def identity_objects(self) -> list[Identity]:
        found: list[Identity] = [parse_identity(text) for text in self.identities]
        return found + [ScryptIdentity(text) for text in self.passphrases]


def _load(path: Path) -> Vector | None:
    meta_text, _, body = path.read_bytes().partition(b"\n\n")
    meta: dict[str, list[str]] = {}
    for line in meta_text.decode("utf-8").splitlines():
        key, _, value = line.partition(": ")
        meta.setdefault(key, []).append(value)
    if not set(meta) <= KNOWN_KEYS:
        return None  # PROVENANCE.md: a vector with an unknown key is skipped
    if meta.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return Vector(
        name=path.name,
        expect=meta["expect"][0],
        payload=meta.get("payload", [None])[0],
        identities=tuple(meta.get("identity", [])),
        passphrases=tuple(meta.get("passphrase", [])),
        armored=meta.get("armored") == ["yes"],
        body=body,
    )


@pytest.fixture(scope="module")
def vectors(shared_dir: Path) -> list[Vector]:
    folder = shared_dir / "testdata" / "age"
    loaded = [_load(p) for p in sorted(folder.iterdir()) if p.name != "PROVENANCE.md"]
    return [v for v in loaded if v is not None]


def _run(vector: Vector, *, armor: bool | None, workers: int) -> tuple[AgeError | None, bytes]:
    out = io.BytesIO()
    try:
        decrypt_stream(
            io.BytesIO(vector.body), out, vector.identity_objects(), armor=armor, workers=workers
        )
    except AgeError as exc:
        return exc, out.getvalue()
    return None, out.getvalue()


def test_all_vectors_are_present(vectors: list[Vector]) -> None:
    assert len(vectors) == VECTOR_COUNT
    assert {v.expect for v in vectors} == set(EXPECTED_ERRORS)


@pytest.mark.parametrize("workers", [1, 2])
def test_every_vector_gives_the_expected_result(vectors: list[Vector], workers: int) -> None:
    wrong = []
    for vector in vectors:
        error, released = _run(vector, armor=vector.armored, workers=workers)
        expected = EXPECTED_ERRORS[vector.expect]
        if (type(error) if error is not None else None) is not expected:
            wrong.append(f"{vector.name}: expected {vector.expect}, got {error!r}")
        elif vector.payload is not None and hashlib.sha256(released).hexdigest() != vector.payload:
            wrong.append(f"{vector.name}: released plaintext hash differs")
        elif vector.payload is None and expected is not None and released:
            wrong.append(f"{vector.name}: released plaintext where the vector expects none")
    assert wrong == []


def test_failures_release_only_what_the_reference_releases(vectors: list[Vector]) -> None:
    """Among failing vectors with a payload hash, some release chunks first."""
    partial = [
        v.name
        for v in vectors
        if v.expect == "payload failure"
        and v.payload is not None
        and v.payload != hashlib.sha256(b"").hexdigest()
    ]
    assert "stream_bad_tag_second_chunk" in partial
    assert "stream_trailing_garbage_long" in partial


def test_armor_is_detected_without_being_told(vectors: list[Vector]) -> None:
    """Detection sees armor after leading whitespace; leading garbage reads as binary."""
    for vector in vectors:
        detected, _ = _run(vector, armor=None, workers=1)
        told, _ = _run(vector, armor=vector.armored, workers=1)
        if vector.name == "armor_garbage_leading":
            assert isinstance(detected, HeaderError)
            assert isinstance(told, ArmorError)
        else:
            assert type(detected) is type(told), vector.name
