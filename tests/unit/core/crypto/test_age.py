"""Encrypting and decrypting bytes, streams and files."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.crypto import (
    HeaderError,
    HeaderInfo,
    HybridIdentity,
    Identity,
    NoIdentityMatch,
    PayloadError,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    decrypt_bytes,
    decrypt_file,
    decrypt_stream,
    encrypt_bytes,
    encrypt_file,
    encrypt_stream,
    read_header,
)
from app.core.crypto import output as output_module
from app.core.crypto.payload import CHUNK
from app.core.errors import Cancelled, InvalidInput, StorageError
from app.core.progress import CancelToken, ProgressEvent

FAST_SCRYPT = 2


def test_bytes_round_trip_to_several_recipients(
    alice: X25519Identity, bob: X25519Identity, carol: X25519Identity
) -> None:
    sealed = encrypt_bytes(b"hello", [alice.recipient, bob.recipient])
    assert sealed.startswith(b"age-encryption.org/v1\n-> X25519 ")
    assert decrypt_bytes(sealed, [alice]) == b"hello"
    assert decrypt_bytes(sealed, [carol, bob]) == b"hello"
    with pytest.raises(NoIdentityMatch, match="none of the identities"):
        decrypt_bytes(sealed, [carol])
    with pytest.raises(NoIdentityMatch):
        decrypt_bytes(sealed, [])


def test_post_quantum_round_trip(quantum: HybridIdentity) -> None:
    sealed = encrypt_bytes(b"later", [quantum.recipient], armor=True)
    assert sealed.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert decrypt_bytes(sealed, [quantum]) == b"later"
    assert read_header(sealed).stanza_types == ("mlkem768x25519",)


def test_passphrase_round_trip_and_messages(alice: X25519Identity) -> None:
    sealed = encrypt_bytes(b"backup", [ScryptRecipient("pw", FAST_SCRYPT)])
    assert decrypt_bytes(sealed, [ScryptIdentity("pw")]) == b"backup"
    with pytest.raises(NoIdentityMatch, match="passphrase does not open"):
        decrypt_bytes(sealed, [ScryptIdentity("nope")])
    with pytest.raises(NoIdentityMatch, match="passphrase does not open"):
        decrypt_bytes(sealed, [alice])
    other = encrypt_bytes(b"x", [alice.recipient])
    with pytest.raises(NoIdentityMatch, match="not encrypted with a passphrase"):
        decrypt_bytes(other, [ScryptIdentity("pw")])


def test_incompatible_recipients_are_refused(
    alice: X25519Identity, quantum: HybridIdentity
) -> None:
    with pytest.raises(InvalidInput, match="at least one recipient"):
        encrypt_bytes(b"x", [])
    with pytest.raises(InvalidInput, match="post-quantum and classic"):
        encrypt_bytes(b"x", [alice.recipient, quantum.recipient])
    with pytest.raises(InvalidInput, match="passphrase cannot be combined"):
        encrypt_bytes(b"x", [ScryptRecipient("pw", FAST_SCRYPT), alice.recipient])
    two = [ScryptRecipient("a", FAST_SCRYPT), ScryptRecipient("b", FAST_SCRYPT)]
    with pytest.raises(InvalidInput, match="passphrase cannot be combined"):
        encrypt_bytes(b"x", two)


def test_identities_can_be_chosen_after_reading_the_header(alice: X25519Identity) -> None:
    seen: list[HeaderInfo] = []

    def choose(info: HeaderInfo) -> list[Identity]:
        seen.append(info)
        return [ScryptIdentity("pw")] if info.passphrase else [alice]

    assert decrypt_bytes(encrypt_bytes(b"a", [alice.recipient]), choose) == b"a"
    sealed = encrypt_bytes(b"b", [ScryptRecipient("pw", FAST_SCRYPT)], armor=True)
    assert decrypt_bytes(sealed, choose) == b"b"
    assert [i.stanza_types for i in seen] == [("X25519",), ("scrypt",)]
    assert [i.armored for i in seen] == [False, True]
    assert seen[0].recipient_count == 1


def test_read_header_without_keys(
    alice: X25519Identity, bob: X25519Identity, tmp_path: Path
) -> None:
    sealed = encrypt_bytes(b"x" * 10, [alice.recipient, bob.recipient])
    info = read_header(sealed)
    assert info == HeaderInfo(("X25519", "X25519"), False, info.header_size)
    assert info.recipient_count == 2
    assert not info.passphrase
    assert sealed[info.header_size - 1 : info.header_size] == b"\n"
    assert sealed[: info.header_size].endswith(b"\n")
    assert b"---" in sealed[: info.header_size]
    path = tmp_path / "f.age"
    path.write_bytes(sealed)
    assert read_header(path) == info
    assert read_header(io.BytesIO(sealed)) == info
    with pytest.raises(HeaderError):
        read_header(b"not age")
    with pytest.raises(StorageError, match="could not open"):
        read_header(tmp_path / "missing.age")


def test_streams_with_progress(alice: X25519Identity) -> None:
    data = os.urandom(3 * CHUNK + 5)
    events: list[ProgressEvent] = []
    sealed = io.BytesIO()
    size = encrypt_stream(io.BytesIO(data), sealed, [alice.recipient], progress=events.append)
    assert size == len(data)
    assert events[-1].done == len(data)
    plain = io.BytesIO()
    events.clear()
    got = decrypt_stream(
        io.BytesIO(sealed.getvalue()),
        plain,
        [alice],
        progress=events.append,
        size_hint=len(sealed.getvalue()),
    )
    assert got == len(data)
    assert plain.getvalue() == data
    assert events[-1].total == events[-1].done


def test_truncated_before_the_nonce(alice: X25519Identity) -> None:
    sealed = encrypt_bytes(b"", [alice.recipient])
    header = read_header(sealed).header_size
    with pytest.raises(HeaderError, match="before the payload"):
        decrypt_bytes(sealed[: header + 8], [alice])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=300), st.integers(0, 3 * CHUNK + 9).map(bytes)),
    chosen=st.sets(st.integers(0, 2), min_size=1),
    armor=st.booleans(),
)
def test_round_trip_any_data_any_recipient_set(
    data: bytes,
    chosen: set[int],
    armor: bool,
    alice: X25519Identity,
    bob: X25519Identity,
    carol: X25519Identity,
) -> None:
    people = [alice, bob, carol]
    sealed = encrypt_bytes(data, [people[i].recipient for i in sorted(chosen)], armor=armor)
    assert read_header(sealed).recipient_count == len(chosen)
    for index, person in enumerate(people):
        if index in chosen:
            assert decrypt_bytes(sealed, [person]) == data
        else:
            with pytest.raises(NoIdentityMatch):
                decrypt_bytes(sealed, [person])


# --- files ---------------------------------------------------------------------


def test_file_round_trip(alice: X25519Identity, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(2 * CHUNK + 1))
    sealed, plain = tmp_path / "data.age", tmp_path / "data.out"
    assert encrypt_file(source, sealed, [alice.recipient]) == 2 * CHUNK + 1
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    assert decrypt_file(sealed, plain, [alice]) == 2 * CHUNK + 1
    assert plain.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.age", "data.bin", "data.out"]


def test_empty_file_round_trip(alice: X25519Identity, tmp_path: Path) -> None:
    source = tmp_path / "empty"
    source.write_bytes(b"")
    encrypt_file(source, tmp_path / "e.age", [alice.recipient], armor=True)
    decrypt_file(tmp_path / "e.age", tmp_path / "e.out", [alice])
    assert (tmp_path / "e.out").read_bytes() == b""


def test_existing_output_is_replaced_only_on_success(
    alice: X25519Identity, bob: X25519Identity, tmp_path: Path
) -> None:
    sealed = tmp_path / "f.age"
    sealed.write_bytes(encrypt_bytes(b"new", [alice.recipient]))
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")
    with pytest.raises(NoIdentityMatch):
        decrypt_file(sealed, target, [bob])
    assert target.read_bytes() == b"old"
    decrypt_file(sealed, target, [alice])
    assert target.read_bytes() == b"new"


@pytest.mark.parametrize("unnamed", [True, False])
def test_failed_decryption_leaves_nothing(
    alice: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    monkeypatch.setattr(output_module, "USE_UNNAMED_TEMP", unnamed)
    sealed = bytearray(encrypt_bytes(bytes(3 * CHUNK), [alice.recipient]))
    sealed[-5] ^= 1  # the last chunk
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.age").write_bytes(sealed)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PayloadError):
        decrypt_file(tmp_path / "in" / "bad.age", out / "plain", [alice])
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("unnamed", [True, False])
def test_cancelled_encryption_leaves_no_file(
    alice: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    monkeypatch.setattr(output_module, "USE_UNNAMED_TEMP", unnamed)
    source = tmp_path / "big.bin"
    source.write_bytes(bytes(150 * CHUNK))  # three batches
    out = tmp_path / "out"
    out.mkdir()
    token = CancelToken()

    def cancel_midway(event: ProgressEvent) -> None:
        assert list(out.iterdir()) == [] or not unnamed
        token.cancel()

    with pytest.raises(Cancelled):
        encrypt_file(
            source, out / "big.age", [alice.recipient], progress=cancel_midway, cancel=token
        )
    assert list(out.iterdir()) == []


def test_unnamed_temp_unsupported_falls_back(
    alice: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object) -> int:
        raise OSError(95, "Operation not supported")

    real_open = os.open

    def fake_open(path: object, flags: int, *args: object) -> int:
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            return refuse()
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(output_module.os, "open", fake_open)
    source = tmp_path / "a"
    source.write_bytes(b"abc")
    encrypt_file(source, tmp_path / "a.age", [alice.recipient])
    monkeypatch.undo()
    assert decrypt_bytes((tmp_path / "a.age").read_bytes(), [alice]) == b"abc"


def test_special_files_are_written_in_place(alice: X25519Identity, tmp_path: Path) -> None:
    source = tmp_path / "a"
    source.write_bytes(b"abc" * 1000)
    encrypt_file(source, Path(os.devnull), [alice.recipient])
    assert Path(os.devnull).exists()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        encrypt_file(source, fifo, [alice.recipient])
        received = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert decrypt_bytes(received, [alice]) == b"abc" * 1000
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_storage_errors(alice: X25519Identity, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="could not open"):
        encrypt_file(tmp_path / "missing", tmp_path / "x.age", [alice.recipient])
    source = tmp_path / "a"
    source.write_bytes(b"abc")
    with pytest.raises(StorageError):
        encrypt_file(source, tmp_path / "no" / "such" / "x.age", [alice.recipient])


def test_sinks_without_flush(alice: X25519Identity) -> None:
    class Sink:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, view: memoryview) -> int:
            self.data += view
            return len(view)

    sink = Sink()
    encrypt_stream(io.BytesIO(b"abc"), sink, [alice.recipient])  # type: ignore[arg-type]
    plain = Sink()
    decrypt_stream(io.BytesIO(bytes(sink.data)), plain, [alice])  # type: ignore[arg-type]
    assert plain.data == b"abc"


def test_a_full_disk_is_reported_and_leaves_nothing(
    alice: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.errors import DiskFull

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    source = tmp_path / "a"
    source.write_bytes(b"abc")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(output_module.os, "replace", no_space)
    with pytest.raises(DiskFull):
        encrypt_file(source, out / "a.age", [alice.recipient])
    assert list(out.iterdir()) == []


def test_devices_as_input_are_read_as_streams(alice: X25519Identity) -> None:
    with open(os.devnull, "rb") as empty:
        sealed = io.BytesIO()
        assert encrypt_stream(empty, sealed, [alice.recipient]) == 0
    assert decrypt_bytes(sealed.getvalue(), [alice]) == b""


def test_regular_file_streams_end_where_a_reader_would(
    alice: X25519Identity, tmp_path: Path
) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"0123456789" * 10000)
    with path.open("rb") as handle:
        handle.read(10)
        sealed = io.BytesIO()
        encrypt_stream(handle, sealed, [alice.recipient])
        assert handle.tell() == 100000
        assert handle.read() == b""
    assert decrypt_bytes(sealed.getvalue(), [alice]) == (b"0123456789" * 10000)[10:]


@pytest.mark.parametrize("fadvise", [True, False])
def test_large_outputs_are_synced_while_written(
    alice: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fadvise: bool
) -> None:
    monkeypatch.setattr(output_module, "SYNC_STEP", CHUNK)
    if not fadvise:
        monkeypatch.delattr(output_module.os, "posix_fadvise")
    synced: list[int] = []
    real = os.fdatasync

    def counting(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(output_module.os, "fdatasync", counting)
    source = tmp_path / "big"
    source.write_bytes(os.urandom(300 * CHUNK))
    encrypt_file(source, tmp_path / "big.age", [alice.recipient])
    assert synced
    assert decrypt_bytes((tmp_path / "big.age").read_bytes(), [alice]) == source.read_bytes()


def test_background_sync_errors_are_reported(
    alice: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.errors import StorageError as Storage

    monkeypatch.setattr(output_module, "SYNC_STEP", CHUNK)

    def failing(_fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(output_module.os, "fdatasync", failing)
    source = tmp_path / "big"
    source.write_bytes(bytes(300 * CHUNK))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Storage, match="Input/output error"):
        encrypt_file(source, out / "big.age", [alice.recipient])
    assert list(out.iterdir()) == []
