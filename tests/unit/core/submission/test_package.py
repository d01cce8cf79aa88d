"""The network's copy of a package: new header, same payload bytes, digest of what was written."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from app.core.crypto import X25519Identity, decrypt_bytes, encrypt_bytes, rewrap_header
from app.core.errors import Cancelled, StorageError
from app.core.progress import CancelToken, ProgressEvent
from app.core.submission import package as package_module
from app.core.submission.package import STEP, write_package


@pytest.fixture
def keys() -> tuple[X25519Identity, X25519Identity]:
    return X25519Identity.generate(), X25519Identity.generate()


def _prepared(tmp_path: Path, owner: X25519Identity, plain: bytes) -> Path:
    path = tmp_path / "prepared.age"
    path.write_bytes(encrypt_bytes(plain, [owner.recipient]))
    return path


@pytest.mark.parametrize("size", [0, 1, 65536, STEP + 70000])
def test_written_package_opens_for_both_and_digest_is_of_the_file(
    tmp_path: Path, keys: tuple[X25519Identity, X25519Identity], size: int
) -> None:
    owner, network = keys
    plain = (b"0123456789abcdef" * (size // 16 + 1))[:size]
    source = _prepared(tmp_path, owner, plain)
    header = rewrap_header(source, [owner], recipients=[owner.recipient, network.recipient])
    events: list[ProgressEvent] = []
    out = tmp_path / "package.age"
    written = write_package(source, header, out, progress=events.append)
    data = out.read_bytes()
    assert written.size == len(data)
    assert written.sha256 == hashlib.sha256(data).hexdigest()
    assert data[len(header.header) :] == source.read_bytes()[header.payload_offset :]
    assert decrypt_bytes(data, [network]) == plain
    assert decrypt_bytes(data, [owner]) == plain
    assert events[-1].done == events[-1].total == len(data) - len(header.header)


def test_without_copy_file_range_it_copies_through_memory(
    tmp_path: Path, keys: tuple[X25519Identity, X25519Identity], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, network = keys
    source = _prepared(tmp_path, owner, b"x" * 200_000)
    header = rewrap_header(source, [owner], recipients=[owner.recipient, network.recipient])

    def unsupported(*_args: object) -> int:
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(package_module.os, "copy_file_range", unsupported)
    out = tmp_path / "package.age"
    written = write_package(source, header, out)
    assert written.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert decrypt_bytes(out.read_bytes(), [network]) == b"x" * 200_000


def test_cancel_and_errors_leave_no_file(
    tmp_path: Path, keys: tuple[X25519Identity, X25519Identity]
) -> None:
    owner, network = keys
    source = _prepared(tmp_path, owner, b"y" * 1000)
    header = rewrap_header(source, [owner], recipients=[owner.recipient, network.recipient])
    token = CancelToken()
    token.cancel()
    out = tmp_path / "package.age"
    with pytest.raises(Cancelled):
        write_package(source, header, out, cancel=token)
    assert not out.exists()
    out.write_bytes(b"someone else's")
    with pytest.raises(StorageError):
        write_package(source, header, out)
    assert out.read_bytes() == b"someone else's"
    with pytest.raises(StorageError, match=r"cannot read the prepared package missing\.age"):
        write_package(tmp_path / "missing.age", header, tmp_path / "other.age")
    os.truncate(source, 10)
    with pytest.raises(StorageError, match="shorter than its header"):
        write_package(source, header, tmp_path / "third.age")
    assert not (tmp_path / "third.age").exists()
