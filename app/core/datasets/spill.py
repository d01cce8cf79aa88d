"""Encrypted spill of the exact-dedupe index: sorted runs on disk, a filter in memory.

The exact index keeps a record key per distinct record, so whatever its
layout it grows with the input. :class:`SpilledKeys` takes the keys the
index lets go of: each spill is one sorted run of fixed-size entries, cut
into blocks that are encrypted one by one (ChaCha20-Poly1305 under a key
made for the run and held only in memory) and written to an anonymous
temporary file. The file has no name (it is unlinked at once, or made
without one), so a crash leaves nothing behind, and what it holds, keys
derived from the records, is never in the clear. Memory is the filter
(about two bytes a key) and one fence key per block.

The filter is a blocked Bloom filter: a key picks one 64-bit word by its
first bits and sets five bits in it chosen by others (the keys are
uniformly random hash prefixes, so their own bits serve as the hash
functions). At about two bytes a key it answers "maybe" for about 0.2 % of
keys never spilled; only those, and keys really spilled, read a block.
"""

from __future__ import annotations

import os
import struct
import tempfile
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.core.errors import StorageError

BLOCK_ENTRIES = 512
"""Entries a block holds: a lookup decrypts one block of each run."""
BITS_PER_KEY = 16
"""Filter size a key: about 0.2 % of new keys then read a block for nothing."""
_WORD_BITS = 64
_PROBE = struct.Struct("<QI")
"""A key's filter probe: its first 8 bytes pick the word, the next 4 the bits in it."""


class SpillDamaged(StorageError):
    """The spill file did not read back as written (a disk error, or tampering)."""


class _Filter:
    """A blocked Bloom filter over key prefixes, sized for ``capacity`` keys."""

    __slots__ = ("capacity", "count", "mask", "words")

    def __init__(self, capacity: int) -> None:
        words = 1
        while words * _WORD_BITS < capacity * BITS_PER_KEY:
            words *= 2
        self.words = array("Q", bytes(8 * words))
        self.mask = words - 1
        self.capacity = capacity
        self.count = 0

    def add(self, probes: Sequence[tuple[int, int]]) -> None:
        words, mask = self.words, self.mask
        for low, high in probes:
            words[low & mask] |= _bits(high)
        self.count += len(probes)

    def maybe(self, probes: Sequence[tuple[int, int]]) -> list[int]:
        """Positions in ``probes`` of the keys that may have been added."""
        words, mask = self.words, self.mask
        return [
            position
            for position, (low, high) in enumerate(probes)
            if words[low & mask] & (bits := _bits(high)) == bits
        ]


def _bits(high: int) -> int:
    return (
        (1 << (high & 63))
        | (1 << ((high >> 6) & 63))
        | (1 << ((high >> 12) & 63))
        | (1 << ((high >> 18) & 63))
        | (1 << ((high >> 24) & 63))
    )


class _Run:
    """One sorted run: where its blocks are, and the first key of each."""

    __slots__ = ("fences", "lengths", "nonces", "offsets")

    def __init__(self) -> None:
        self.fences: list[bytes] = []
        self.offsets = array("Q")
        self.lengths = array("I")
        self.nonces: list[bytes] = []


class SpilledKeys:
    """Keys with a value each, spilled in sorted runs; ``find`` looks one up.

    Entries are ``key_size`` bytes of key then ``value_size`` of value. A key
    is spilled at most once (the index spills only keys it saw first), so a
    lookup stops at the first run holding it. Use as a context manager, or
    call :meth:`close`: the file goes either way, the key with the object.
    """

    def __init__(
        self,
        key_size: int,
        value_size: int,
        *,
        expected: int = 1 << 20,
        directory: Path | None = None,
    ) -> None:
        if key_size < len(_PROBE.pack(0, 0)):
            raise ValueError("spilled keys are at least 12 bytes")
        self.key_size = key_size
        self.entry_size = key_size + value_size
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed by close()
        self._fd = self._file.fileno()
        self._end = 0
        self._aead = ChaCha20Poly1305(ChaCha20Poly1305.generate_key())
        self._blocks = 0
        self._runs: list[_Run] = []
        self._filters = [_Filter(max(expected, BLOCK_ENTRIES))]
        self.count = 0

    # -- writing ----------------------------------------------------------------

    def spill(self, entries: Iterable[bytes]) -> None:
        """Write one run: ``entries`` sorted by key, each of ``entry_size`` bytes."""
        run = _Run()
        size, key_size = self.entry_size, self.key_size
        source = iter(entries)
        while block := list(islice(source, BLOCK_ENTRIES)):
            plain = b"".join(block)
            if len(plain) != size * len(block):
                raise ValueError(f"spilled entries are {size} bytes apiece")
            nonce = self._blocks.to_bytes(12, "little")
            self._blocks += 1
            sealed = self._aead.encrypt(nonce, plain, None)
            if os.pwrite(self._fd, sealed, self._end) != len(sealed):
                raise StorageError("the duplicate index could not be written to its temporary file")
            run.fences.append(block[0][:key_size])
            run.offsets.append(self._end)
            run.lengths.append(len(sealed))
            run.nonces.append(nonce)
            self._end += len(sealed)
            self._note(plain)
            self.count += len(block)
        if run.fences:
            self._runs.append(run)

    def _note(self, plain: bytes) -> None:
        probes = [_PROBE.unpack_from(plain, at) for at in range(0, len(plain), self.entry_size)]
        current = self._filters[-1]
        if current.count + len(probes) > current.capacity:
            current = _Filter(2 * current.capacity)
            self._filters.append(current)
        current.add(probes)

    # -- reading ----------------------------------------------------------------

    def maybe(self, probes: Sequence[tuple[int, int]]) -> list[int]:
        """Positions in ``probes`` (``_PROBE`` of each key) whose key may have been spilled."""
        if not self.count:
            return []
        if len(self._filters) == 1:
            return self._filters[0].maybe(probes)
        found: set[int] = set()
        for spill_filter in self._filters:
            found.update(spill_filter.maybe(probes))
        return sorted(found)

    def find(self, key: bytes) -> bytes | None:
        """The value spilled with ``key``, or None."""
        key_size, size = self.key_size, self.entry_size
        for run in reversed(self._runs):
            block_number = bisect_right(run.fences, key) - 1
            if block_number < 0:
                continue
            block = self._read(run, block_number)
            at = block.find(key)
            while at >= 0 and at % size:
                at = block.find(key, at + 1)
            if at >= 0:
                return block[at + key_size : at + size]
        return None

    def _read(self, run: _Run, block_number: int) -> bytes:
        length = run.lengths[block_number]
        sealed = os.pread(self._fd, length, run.offsets[block_number])
        try:
            return self._aead.decrypt(run.nonces[block_number], sealed, None)
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
