"""The network's copy of a prepared payload: linked when it can be, else copied and checked."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from app.core.crypto import X25519Identity, decrypt_bytes, encrypt_bytes
from app.core.crypto.age import read_header
from app.core.datasets.package import EncryptingWriter
from app.core.errors import Cancelled, StorageError
from app.core.progress import CancelToken, ProgressEvent
from app.core.submission import package as package_module
from app.core.submission.package import STEP, PlacedPayload, place_payload


@pytest.fixture
def owner() -> X25519Identity:
    return X25519Identity.generate()


def _split(tmp_path: Path, owner: X25519Identity, plain: bytes) -> tuple[Path, Path, str]:
    """A prepared package in two files, as the dataset service writes it."""
    header, payload = tmp_path / "d.age-header", tmp_path / "d.age-payload"
    with EncryptingWriter(header, [owner.recipient], payload=payload) as writer:
        writer.write(plain)
    return header, payload, writer.payload_sha256


def _check(placed: PlacedPayload, source: Path, out: Path) -> None:
    data = out.read_bytes()
    assert data == source.read_bytes()
    assert placed.sha256 == hashlib.sha256(data).hexdigest()
    assert placed.size == len(data)
    assert out.stat().st_mode & 0o777 == 0o444


def test_a_hard_link_on_the_same_filesystem(tmp_path: Path, owner: X25519Identity) -> None:
    header, payload, digest = _split(tmp_path, owner, b"x" * 100_000)
    events: list[ProgressEvent] = []
    out = tmp_path / "package.age-payload"
    placed = place_payload(
        payload,
        out,
        size=payload.stat().st_size,
        sha256=digest,
        methods=("hardlink", "copy"),
        progress=events.append,
    )
    assert placed.method == "hardlink"
    assert out.stat().st_ino == payload.stat().st_ino
    _check(placed, payload, out)
    assert events[-1].done == events[-1].total == placed.size
    assert decrypt_bytes(header.read_bytes() + out.read_bytes(), [owner]) == b"x" * 100_000


def test_a_reflink_where_the_filesystem_has_them(
    tmp_path: Path, owner: X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FICLONE is asked for first; the kernel's answer decides (faked here: ext4 has none)."""
    _, payload, digest = _split(tmp_path, owner, b"r" * 5000)
    calls: list[tuple[int, int]] = []

    def clone(fd: int, request: int, source: int) -> int:
        calls.append((request, source))
        os.write(fd, os.pread(source, 1 << 20, 0))  # what the kernel would share
        return 0

    monkeypatch.setattr(package_module.fcntl, "ioctl", clone)
    out = tmp_path / "out"
    placed = place_payload(payload, out, size=payload.stat().st_size, sha256=digest)
    assert placed.method == "reflink"
    assert calls[0][0] == package_module.FICLONE
    assert out.stat().st_ino != payload.stat().st_ino
    _check(placed, payload, out)


def test_without_reflink_or_link_it_copies_and_checks_the_digest(
    tmp_path: Path, owner: X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, payload, digest = _split(tmp_path, owner, b"c" * (STEP + 70_000))

    def no_reflink(*_args: object) -> int:
        raise OSError(errno.EOPNOTSUPP, "not supported")

    def other_filesystem(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(package_module.fcntl, "ioctl", no_reflink)
    monkeypatch.setattr(package_module.os, "link", other_filesystem)
    out = tmp_path / "out"
    placed = place_payload(payload, out, size=payload.stat().st_size, sha256=digest)
    assert placed.method == "copy"
    _check(placed, payload, out)
    # A payload that changed since it was prepared is caught while it lands.
    other = tmp_path / "other"
    with pytest.raises(StorageError, match="no longer matches the digest"):
        place_payload(payload, other, size=payload.stat().st_size, sha256="0" * 64)
    assert not other.exists()


def test_a_one_file_package_has_its_payload_copied_from_the_header_end(
    tmp_path: Path, owner: X25519Identity
) -> None:
    """Packages prepared before the split: the payload is the file's tail."""
    plain = b"old layout " * 1000
    single = tmp_path / "d.age"
    single.write_bytes(encrypt_bytes(plain, [owner.recipient]))
    offset = read_header(single).header_size
    out = tmp_path / "out"
    placed = place_payload(
        single, out, size=single.stat().st_size - offset, sha256=None, offset=offset
    )
    assert placed.method == "copy"
    assert out.read_bytes() == single.read_bytes()[offset:]
    assert placed.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_cancel_and_errors_leave_no_file(tmp_path: Path, owner: X25519Identity) -> None:
    _, payload, digest = _split(tmp_path, owner, b"y" * 1000)
    size = payload.stat().st_size
    token = CancelToken()
    token.cancel()
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        place_payload(payload, out, size=size, sha256=None, cancel=token)
    assert not out.exists()
    out.write_bytes(b"someone else's")
    with pytest.raises(StorageError):
        place_payload(payload, out, size=size, sha256=digest)
    assert out.read_bytes() == b"someone else's"
    with pytest.raises(StorageError, match=r"cannot read the prepared package missing"):
        place_payload(tmp_path / "missing", tmp_path / "x", size=size, sha256=digest)
    with pytest.raises(StorageError, match="prepare the dataset again"):
        place_payload(payload, tmp_path / "y", size=size + 1, sha256=digest)
    assert not (tmp_path / "y").exists()
