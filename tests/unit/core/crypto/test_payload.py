"""The STREAM payload engine: batches, runs, threads, order, and what is released."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.crypto import PayloadError
from app.core.crypto import payload as p
from app.core.crypto.streams import Source
from app.core.errors import Cancelled, StorageError
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressEvent

KEY = bytes(range(32))
C = p.CHUNK


def reference_seal(data: bytes) -> bytes:
    """The payload encoding written out plainly, one chunk after another."""
    aead = ChaCha20Poly1305(KEY)
    pieces = [data[i : i + C] for i in range(0, len(data), C)] or [b""]
    out = []
    for index, piece in enumerate(pieces):
        nonce = index.to_bytes(11, "big") + bytes([index == len(pieces) - 1])
        out.append(aead.encrypt(nonce, piece, None))
    return b"".join(out)


def seal(data: bytes, **options: object) -> bytes:
    out = io.BytesIO()
    p.seal_payload(
        Source(io.BytesIO(data)),
        out,
        KEY,
        progress=lambda _e: None,
        cancel=NEVER_CANCELLED,
        **options,  # type: ignore[arg-type]
    )
    return out.getvalue()


def open_(sealed: bytes, out: io.BytesIO | None = None, **options: object) -> bytes:
    out = out if out is not None else io.BytesIO()
    p.open_payload(
        Source(io.BytesIO(sealed)),
        out,
        KEY,
        progress=lambda _e: None,
        cancel=NEVER_CANCELLED,
        **options,  # type: ignore[arg-type]
    )
    return out.getvalue()


@pytest.fixture(autouse=True)
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let even small inputs split into several runs, so threads are exercised."""
    monkeypatch.setattr(p, "MIN_RUN", 1)


SIZES = [0, 1, C - 1, C, C + 1, 2 * C, 3 * C, 5 * C + 7]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("workers", "batch"), [(1, 64), (2, 1), (2, 2), (3, 3), (2, 64)])
def test_matches_the_plain_encoding(size: int, workers: int, batch: int) -> None:
    data = bytes(i % 251 for i in range(size))
    sealed = seal(data, workers=workers, batch_chunks=batch)
    assert sealed == reference_seal(data)
    assert open_(sealed, workers=workers, batch_chunks=batch) == data


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(0, 6 * C + 3),
    workers=st.integers(1, 4),
    batch=st.integers(1, 5),
    hint=st.booleans(),
)
def test_round_trip_any_size(size: int, workers: int, batch: int, hint: bool) -> None:
    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    total = size if hint else None
    sealed = seal(data, workers=workers, batch_chunks=batch, total=total)
    assert len(sealed) == size + 16 * max(1, -(-size // C))
    assert open_(sealed, workers=workers, batch_chunks=batch, total=total) == data


def test_damage_in_a_later_run_releases_the_chunks_before_it() -> None:
    data = bytes(8 * C)
    sealed = bytearray(seal(data))
    sealed[5 * p.SEALED_CHUNK + 100] ^= 1  # chunk 5 of 8
    for workers, batch in [(1, 64), (2, 64), (2, 3), (4, 2)]:
        out = io.BytesIO()
        with pytest.raises(PayloadError, match="failed authentication"):
            open_(bytes(sealed), out, workers=workers, batch_chunks=batch)
        assert out.getvalue() == data[: 5 * C]


def test_a_final_chunk_in_the_middle_is_released_then_refused() -> None:
    first = reference_seal(bytes(C))  # one full chunk sealed as the final one
    second = ChaCha20Poly1305(KEY).encrypt((1).to_bytes(11, "big") + b"\x01", b"x", None)
    out = io.BytesIO()
    with pytest.raises(PayloadError, match="data after the final chunk"):
        open_(first + second, out, workers=2, batch_chunks=1)
    assert out.getvalue() == bytes(C)


def test_progress_reports_every_batch() -> None:
    events: list[ProgressEvent] = []
    data = bytes(5 * C)
    p.seal_payload(
        Source(io.BytesIO(data)),
        io.BytesIO(),
        KEY,
        progress=events.append,
        cancel=NEVER_CANCELLED,
        batch_chunks=2,
        total=len(data),
    )
    assert [e.done for e in events] == [2 * C, 4 * C, 5 * C]
    assert all(e.total == len(data) and e.stage == "encrypt" for e in events)
    events.clear()
    p.open_payload(
        Source(io.BytesIO(reference_seal(data))),
        io.BytesIO(),
        KEY,
        progress=events.append,
        cancel=NEVER_CANCELLED,
        batch_chunks=2,
    )
    assert events[-1].done == len(data) + 5 * 16
    assert events[-1].stage == "decrypt"


@pytest.mark.parametrize("opening", [False, True])
def test_cancel_stops_between_batches(opening: bool) -> None:
    token = CancelToken()
    data = bytes(12 * C)
    source = Source(io.BytesIO(reference_seal(data) if opening else data))
    out = io.BytesIO()

    def stop_after_first(_event: ProgressEvent) -> None:
        token.cancel()

    run = p.open_payload if opening else p.seal_payload
    with pytest.raises(Cancelled):
        run(source, out, KEY, progress=stop_after_first, cancel=token, batch_chunks=2, workers=2)
    assert len(out.getvalue()) <= 2 * p.SEALED_CHUNK


def test_runner_splits_evenly() -> None:
    runner = p._Runner(3)
    assert runner.split(7, inline=False) == [(0, 3), (3, 5), (5, 7)]
    assert runner.split(7, inline=True) == [(0, 7)]
    assert p._Runner(0).workers == 1
    assert p.default_workers() >= 1


def _file_with(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_files_are_read_by_position(tmp_path: Path, workers: int) -> None:
    data = bytes(i % 251 for i in range(5 * C + 9))
    path = _file_with(tmp_path, b"skip" + data)
    with path.open("rb", buffering=0) as handle:
        out = io.BytesIO()
        size = p.seal_payload(
            Source(handle),
            out,
            KEY,
            progress=lambda _e: None,
            cancel=NEVER_CANCELLED,
            workers=workers,
            batch_chunks=2,
            file_range=p.FileRange(handle.fileno(), 4, len(data)),
        )
    assert size == len(data)
    assert out.getvalue() == reference_seal(data)
    sealed = _file_with(tmp_path, out.getvalue())
    with sealed.open("rb", buffering=0) as handle:
        plain = io.BytesIO()
        p.open_payload(
            Source(handle),
            plain,
            KEY,
            progress=lambda _e: None,
            cancel=NEVER_CANCELLED,
            workers=workers,
            batch_chunks=2,
            file_range=p.FileRange(handle.fileno(), 0, len(out.getvalue())),
        )
    assert plain.getvalue() == data


@pytest.mark.parametrize(
    ("claimed", "message"),
    [(3 * C + 10, "shrank"), (2 * C, "grew")],
)
def test_a_file_that_changes_size_while_read(tmp_path: Path, claimed: int, message: str) -> None:
    path = _file_with(tmp_path, bytes(3 * C))
    with path.open("rb", buffering=0) as handle, pytest.raises(StorageError, match=message):
        p.seal_payload(
            Source(handle),
            io.BytesIO(),
            KEY,
            progress=lambda _e: None,
            cancel=NEVER_CANCELLED,
            file_range=p.FileRange(handle.fileno(), 0, claimed),
        )


def test_read_errors_by_position(tmp_path: Path) -> None:
    folder = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(StorageError, match="could not read the input"):
            p.seal_payload(
                Source(io.BytesIO()),
                io.BytesIO(),
                KEY,
                progress=lambda _e: None,
                cancel=NEVER_CANCELLED,
                file_range=p.FileRange(folder, 0, 10),
            )
    finally:
        os.close(folder)


@pytest.mark.skipif(p._native_seal() is None, reason="the C extension is not built")
@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(0, 65536),
    st.integers(0, 2**40),
    st.booleans(),
    st.binary(min_size=32, max_size=32),
)
def test_a_run_sealed_in_c_is_cryptographys_chunk_for_chunk(
    count: int, last: int, counter: int, final: bool, key: bytes
) -> None:
    source = memoryview(bytes(range(256)) * (256 * count))[: (count - 1) * C + last]
    native, python = bytearray(count * p.SEALED_CHUNK), bytearray(count * p.SEALED_CHUNK)
    p._seal_run(key, source, memoryview(native), counter, count, last, final)
    saved = p._seal_found[:]
    p._seal_found[:] = [None]  # cryptography's way
    try:
        p._seal_run(key, source, memoryview(python), counter, count, last, final)
    finally:
        p._seal_found[:] = saved
    assert native == python


@pytest.mark.skipif(p._native_seal() is None, reason="the C extension is not built")
@pytest.mark.parametrize(
    ("counter", "count"),
    [(0, 2**47 + 1), (0, 2**50), (0, 2**62), (2**64 - 2, 3), (2**64 - 1, 2)],
)
def test_a_run_too_long_to_address_or_to_number_is_refused(counter: int, count: int) -> None:
    """A chunk count whose sizes overflow once multiplied (they would pass the buffer checks
    and the run would write past its buffer) or whose nonces wrap is refused, not sealed."""
    seal_chunks = p._native_seal()
    assert seal_chunks is not None
    with pytest.raises(ValueError, match="do not agree"):
        seal_chunks(KEY, memoryview(b""), memoryview(bytearray(16)), counter, count, 0, True)
