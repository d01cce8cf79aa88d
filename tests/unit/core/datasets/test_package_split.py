"""A prepared package stored as its age header and its payload, hashed while written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.crypto import X25519Identity, decrypt_bytes
from app.core.crypto.age import read_header
from app.core.datasets.package import (
    ChainedReader,
    EncryptingWriter,
    iter_package_blocks,
    iter_package_lines,
)

OWNER = X25519Identity.generate()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(st.binary(max_size=70_000), max_size=6))
def test_the_two_files_are_one_age_file(tmp_path: Path, pieces: list[bytes]) -> None:
    header, payload = tmp_path / "h", tmp_path / "p"
    for path in (header, payload):
        if path.exists():
            path.chmod(0o644)
            path.unlink()
    with EncryptingWriter(header, [OWNER.recipient], payload=payload) as writer:
        for piece in pieces:
            writer.write(piece)
    head, body = header.read_bytes(), payload.read_bytes()
    assert read_header(head).header_size == len(head)  # exactly the header, MAC line included
    assert head.endswith(b"\n")
    assert b"\n--- " in head
    assert decrypt_bytes(head + body, [OWNER]) == b"".join(pieces)
    assert (writer.header_sha256, writer.header_size) == (
        hashlib.sha256(head).hexdigest(),
        len(head),
    )
    assert writer.payload_sha256 == hashlib.sha256(body).hexdigest()
    assert writer.payload_size == len(body)
    assert writer.sha256 == ""  # one pass over the ciphertext: the whole file is not hashed
    assert writer.size == len(head) + len(body)
    assert payload.stat().st_mode & 0o777 == 0o444
    assert header.stat().st_mode & 0o777 == 0o600


def test_readers_take_the_two_files_as_one(tmp_path: Path) -> None:
    header, payload = tmp_path / "h", tmp_path / "p"
    lines = [b'{"n":%d}' % n for n in range(5000)]
    with EncryptingWriter(header, [OWNER.recipient], payload=payload) as writer:
        writer.write(b"\n".join(lines) + b"\n")
    assert list(iter_package_lines((header, payload), [OWNER])) == lines
    assert b"".join(iter_package_blocks([header, payload], [OWNER])).count(b"\n") == 5000
    with ChainedReader([header, payload]) as chained:
        assert chained.read() == header.read_bytes() + payload.read_bytes()


def test_a_single_file_is_still_written_and_read(tmp_path: Path) -> None:
    path = tmp_path / "one.age"
    with EncryptingWriter(path, [OWNER.recipient]) as writer:
        writer.write(b"a\nb\n")
    assert writer.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert writer.payload_sha256 == ""
    assert list(iter_package_lines(path, [OWNER])) == [b"a", b"b"]


def _write_then_fail(header: Path, payload: Path) -> None:
    with EncryptingWriter(header, [OWNER.recipient], payload=payload) as writer:
        writer.write(b"x" * 100_000)
        raise RuntimeError("cancelled")


def test_a_failure_leaves_neither_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        _write_then_fail(tmp_path / "h", tmp_path / "p")
    assert sorted(tmp_path.iterdir()) == []
