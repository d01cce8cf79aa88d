"""Encrypted spill of the exact-dedupe index: runs on disk, filters in memory.

The exact index keeps a record key per distinct record, so whatever its
layout it grows with the input. :class:`SpilledKeys` takes the keys the
index lets go of: each spill is one run, its keys spread over blocks by
their leading bits (no sort needed), a block holding its keys then their
values, encrypted one by one (ChaCha20-Poly1305 under a key made for the
file and held only in memory, each block under its own nonce) and written
to an anonymous temporary file. The file has no name (it is made without
one, or unlinked at once), so a crash leaves nothing behind, and what it
holds, keys derived from the records, is never in the clear.

Memory is about three bytes a spilled key: one filter over all of them
(two bytes a key; when it fills up it is rebuilt twice as large from the
file, so there is only ever one to ask), one per run (a byte a key: which
runs to read once the first says maybe), and 12 bytes a block. The
filters are blocked Bloom filters: a key picks one 64-bit word by its first
8 bytes and sets four bits in it chosen by the next 3 (the keys are
uniformly random hash prefixes, so their own bits serve as the hash
functions). The global one answers "maybe" for well under 1 % of keys
never spilled; only those, and keys really spilled, read a block.
"""

from __future__ import annotations

import os
import struct
import sys
import tempfile
from array import array
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.core.datasets import nativelane
from app.core.errors import StorageError
from app.core.fsutil import storage_error

_NATIVE = nativelane._NATIVE if hasattr(nativelane._NATIVE, "filter_maybe") else None
"""The C lane's filter probes, when it is built (the same bits as :class:`_Filter`'s)."""

BLOCK_ENTRIES = 128
"""Keys a block holds on average, up to twice that: a lookup decrypts one small block."""
BITS_PER_KEY = 16
"""Filter size a key: about 0.2 % of new keys then look further for nothing."""
RUN_BITS_PER_KEY = 8
"""Each run's own filter, read only after the first says maybe: which runs to read."""
_WORD_BITS = 64
_PROBE = struct.Struct("<QI")
"""A key's filter probe: its first 8 bytes pick the word, the next 4 the bits in it."""


def _iov_max() -> int:
    """Buffers one ``pwritev`` takes at most here: more and it fails (EINVAL) instead of
    writing. The system's own bound, at most 1024 (Linux's and macOS's), else POSIX's 16."""
    try:
        bound = os.sysconf("SC_IOV_MAX")
    except (AttributeError, ValueError, OSError):
        return 16
    return min(bound, 1024) if bound > 0 else 1024


_IOV_MAX = _iov_max()


class SpillDamaged(StorageError):
    """The spill file did not read back as written (a disk error, or tampering)."""


class _Filter:
    """A blocked Bloom filter over key prefixes, sized for ``capacity`` keys."""

    __slots__ = ("capacity", "count", "size", "words")

    def __init__(self, capacity: int, bits_per_key: int = BITS_PER_KEY) -> None:
        self.size = size = max(1, -(-capacity * bits_per_key // _WORD_BITS))
        self.words = array("Q", bytes(8 * size))
        self.capacity = capacity
        self.count = 0

    def add(self, lows: Sequence[int], bits: Sequence[int]) -> None:
        words, size = self.words, self.size
        for low, bit in zip(lows, bits, strict=True):
            words[low % size] |= bit
        self.count += len(lows)

    def has(self, low: int, high: int) -> bool:
        bits = _bits(high)
        return self.words[low % self.size] & bits == bits

    def maybe(self, probes: Sequence[tuple[int, int]]) -> list[int]:
        """Positions in ``probes`` of the keys that may have been added."""
        words, size = self.words, self.size
        return [
            position
            for position, (low, high) in enumerate(probes)
            if words[low % size] & (bits := _LOW[high & 4095] | _HIGH[high >> 12 & 4095]) == bits
        ]


def _nonce(block: int) -> bytes:
    """Each block is sealed under its own number: the key seals nothing else twice."""
    return block.to_bytes(12, "little")


def _two_bits(field: int) -> int:
    return (1 << (field & 63)) | (1 << (field >> 6))


_LOW = [_two_bits(field) for field in range(4096)]
_HIGH = _LOW[:]


def _bits(high: int) -> int:
    """The four bits a key sets in its word, from 24 bits of its probe."""
    return _LOW[high & 4095] | _HIGH[high >> 12 & 4095]


class _Run:
    """One run: its filter, and where each of its blocks is (a block per leading key bits)."""

    __slots__ = ("filter", "first_block", "lengths", "offsets", "shift")

    def __init__(self, first_block: int, count: int) -> None:
        self.filter = _Filter(count, RUN_BITS_PER_KEY)
        self.first_block = first_block
        # 2^bits blocks of BLOCK_ENTRIES to twice that on average, by the first 16 key bits.
        bits = min(16, max(1, count // BLOCK_ENTRIES).bit_length() - 1)
        self.shift = 16 - bits
        self.offsets = array("Q")
        self.lengths = array("I")

    def block_of(self, key: bytes) -> int:
        return (key[0] << 8 | key[1]) >> self.shift


class SpilledKeys:
    """Keys with a 64-bit value each, spilled in runs; ``find`` looks one up.

    A run's keys go to its blocks by their leading bits (they are uniformly
    random, so the blocks fill evenly without sorting, and a lookup knows
    its block); a block holds its keys of ``key_size`` bytes, then their
    values. A key is spilled at most once (the index spills only keys
    it saw first), so a lookup stops at the first run holding it. Use as a
    context manager, or call :meth:`close`: the file goes either way, and
    its key with the object.
    """

    def __init__(
        self,
        key_size: int,
        *,
        expected: int = 1 << 20,
        directory: Path | None = None,
    ) -> None:
        if key_size < _PROBE.size:
            raise ValueError("spilled keys are at least 12 bytes")
        self.key_size = key_size
        self._folder = Path(directory or tempfile.gettempdir())
        try:
            self._file = tempfile.TemporaryFile(dir=self._folder)  # noqa: SIM115 - see close()
        except OSError as exc:
            raise storage_error(exc, self._folder / "duplicate index") from None
        self._fd = self._file.fileno()
        self._end = 0
        self._aead = ChaCha20Poly1305(ChaCha20Poly1305.generate_key())
        self._blocks = 0
        self._runs: list[_Run] = []
        self._filter = _Filter(max(expected, BLOCK_ENTRIES))
        self.count = 0

    # -- writing ----------------------------------------------------------------

    def spill(self, keys: Sequence[bytes], values: Sequence[int]) -> None:
        """Write one run: ``keys`` in any order, each with an unsigned 64-bit value."""
        if len(keys) != len(values):
            raise ValueError("one value per key")
        if any(len(key) != self.key_size for key in keys):
            raise ValueError(f"spilled keys are {self.key_size} bytes apiece")
        order = sorted(range(len(keys)), key=lambda at: keys[at][:2])  # by block, as grouped
        counts = array("I", bytes(4 * 65536))
        for key in keys:
            counts[key[0] << 8 | key[1]] += 1
        self.spill_grouped(
            b"".join([keys[at] for at in order]),
            array("Q", [values[at] for at in order]).tobytes(),
            array("I", accumulate(counts, initial=0)),
        )

    def spill_grouped(self, keys: bytes, values: bytes, starts: Sequence[int]) -> None:
        """:meth:`spill` of keys already ordered by their first 16 bits (big endian).

        ``keys`` holds them back to back, ``values`` their values (native
        uint64) in the same order, ``starts`` where each 16-bit prefix's keys
        begin (65,537 entries): each block is then a slice, with no Python per
        key (the C table's ``index_items`` gives them so; :meth:`spill` groups
        its keys in Python).
        """
        size = self.key_size
        count = len(keys) // size
        if len(keys) != count * size or len(values) != 8 * count or len(starts) != 65537:
            raise ValueError("grouped keys, values and starts do not agree")
        if not count:
            return
        if self._filter.count + count > self._filter.capacity:
            self._grow(2 * (self._filter.count + count))
        run = _Run(self._blocks, count)
        blocks = 1 << (16 - run.shift)
        sealed_blocks: list[bytes] = []  # written in one go: a write a block cost more
        at = self._end
        for block in range(blocks):
            first, last = starts[block << run.shift], starts[(block + 1) << run.shift]
            run.offsets.append(at)
            if first == last:
                run.lengths.append(0)
                continue
            packed = keys[first * size : last * size]
            plain = packed + values[8 * first : 8 * last]
            sealed = self._aead.encrypt(_nonce(run.first_block + block), plain, None)
            sealed_blocks.append(sealed)
            run.lengths.append(len(sealed))
            at += len(sealed)
        self._write_all(sealed_blocks)
        self._note(keys, run)
        self._blocks += blocks
        self._runs.append(run)
        self.count += count

    def _write_all(self, blocks: list[bytes]) -> None:
        """``blocks`` one after another at the end of the file (which moves past them): a few
        system calls for them all and no joined copy (``pwritev``, where there is one)."""
        pwritev = getattr(os, "pwritev", None)
        for first in range(0, len(blocks), _IOV_MAX):
            group = blocks[first : first + _IOV_MAX]
            size = sum(map(len, group))
            written = 0
            if pwritev is not None:
                try:
                    written = pwritev(self._fd, group, self._end)
                except OSError as exc:
                    raise storage_error(exc, self._folder / "duplicate index") from None
            if written < size:  # no pwritev, or a short write (rare): the rest in one write
                rest = b"".join(group)[written:]
                self._end += written
                self._write(rest)
                written = len(rest)
            self._end += written

    def _write(self, sealed: bytes) -> None:
        """``sealed`` at the end of the file (a short write is continued)."""
        view, at = memoryview(sealed), self._end
        while view:
            try:
                written = os.pwrite(self._fd, view, at)
            except OSError as exc:
                raise storage_error(exc, self._folder / "duplicate index") from None
            if written <= 0:
                raise StorageError("the duplicate index could not be written to its temporary file")
            view, at = view[written:], at + written

    def _note(self, packed: bytes, run: _Run | None) -> None:
        if _NATIVE is not None:
            for bloom in (self._filter, run.filter if run is not None else None):
                if bloom is not None:
                    _NATIVE.filter_add(bloom.words, packed, self.key_size)
                    bloom.count += len(packed) // self.key_size
            return
        lows, highs = zip(*probes(packed, self.key_size), strict=True)
        bits = [_LOW[high & 4095] | _HIGH[high >> 12 & 4095] for high in highs]
        self._filter.add(lows, bits)
        if run is not None:
            run.filter.add(lows, bits)

    def _grow(self, capacity: int) -> None:
        """A larger filter, refilled from the runs: one filter to ask, its bits a key kept."""
        self._filter = _Filter(capacity)
        for run in self._runs:
            for block_number, length in enumerate(run.lengths):
                if not length:
                    continue
                block = self._read(run, block_number)
                self._note(block[: self.key_size * (len(block) // (self.key_size + 8))], None)

    # -- reading ----------------------------------------------------------------

    def maybe(self, probes: Sequence[tuple[int, int]]) -> list[int]:
        """Positions in ``probes`` (``_PROBE`` of each key) whose key may have been spilled."""
        if not self.count:
            return []
        return self._filter.maybe(probes)

    def maybe_keys(self, keys: bytes, stride: int) -> list[int]:
        """:meth:`maybe` of the keys ``stride`` bytes apart in ``keys``, in C when it is built."""
        if not self.count:
            return []
        if _NATIVE is not None:
            return _NATIVE.filter_maybe(self._filter.words, keys, stride)  # type: ignore[no-any-return]
        return self._filter.maybe(probes(keys, stride))

    def find(self, key: bytes) -> int | None:
        """The value spilled with ``key``, or None."""
        key_size = self.key_size
        low, high = _PROBE.unpack_from(key)
        bits = _bits(high)
        for run in reversed(self._runs):
            run_filter = run.filter
            if run_filter.words[low % run_filter.size] & bits != bits:
                continue
            block_number = run.block_of(key)
            if not run.lengths[block_number]:
                continue
            block = self._read(run, block_number)
            keys_end = key_size * (len(block) // (key_size + 8))
            at = block.find(key, 0, keys_end)
            while at >= 0 and at % key_size:
                at = block.find(key, at + 1, keys_end)
            if at >= 0:
                start = keys_end + 8 * (at // key_size)
                return int.from_bytes(block[start : start + 8], sys.byteorder)
        return None

    def _read(self, run: _Run, block_number: int) -> bytes:
        length = run.lengths[block_number]
        try:
            sealed = os.pread(self._fd, length, run.offsets[block_number])
        except OSError as exc:
            raise StorageError(
                f"the duplicate index could not be read back: {exc.strerror}"
            ) from None
        try:
            return self._aead.decrypt(_nonce(run.first_block + block_number), sealed, None)
        except InvalidTag:
            raise SpillDamaged(
                "the duplicate index's temporary file was damaged; run the prepare again"
            ) from None

    def close(self) -> None:
        self._file.close()
        self._runs = []

    def __enter__(self) -> SpilledKeys:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def probes(keys: bytes | bytearray | memoryview, stride: int) -> list[tuple[int, int]]:
    """``_PROBE`` of each key in a blob of keys ``stride`` bytes apart."""
    if stride == _PROBE.size:
        return list(_PROBE.iter_unpack(keys))
    return list(struct.iter_unpack(f"<QI{stride - _PROBE.size}x", keys))
