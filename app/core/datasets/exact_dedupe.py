"""Exact duplicates after normalisation, in bounded memory.

The detector streams: records arrive in order and each one is answered at
once (new, or a duplicate of an earlier record), so the pipeline never
holds the dataset. The first record seen is the one kept; the others are
reported as a cluster the user can review (:mod:`.duplicate_clusters`).

Memory is what bounds a dedupe of millions of records. The index keeps a
bounded dict of the latest keys and spills the rest to an encrypted
temporary file behind an in-memory filter (:mod:`.spill`): about 16 MB plus
3 bytes a spilled distinct record, flat in practice. Near duplicates are
found apart (:mod:`.dedupe`), from signatures rather than hashes.
"""

from __future__ import annotations

import hashlib
import struct
from array import array
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

from app.core.canonical import canonical_json
from app.core.datasets import nativelane, spill
from app.core.datasets.duplicate_clusters import DuplicateCluster, cluster_pairs

EXACT_KEY_SIZE = 16
"""Bytes of SHA-256 in an exact key (:class:`ExactDeduper` compares the first 12)."""


def exact_key(record: object, *, what: str = "record") -> bytes:
    """The first 16 bytes of SHA-256 over the record's canonical JSON.

    Canonical JSON makes key order and number spelling irrelevant; records
    are normalised before this, so duplicates that differ only in Unicode
    form or whitespace meet here too.
    """
    return hashlib.sha256(canonical_json(record, what=what)).digest()[:EXACT_KEY_SIZE]


MEMORY_KEYS = 1 << 17
"""Distinct keys :class:`ExactDeduper` holds in a dict (about 16 MB) before it spills them."""
TABLE_MEMORY_KEYS = 1 << 19
"""The same bound for the C table (24 bytes a slot, at most 70 % full: at most 24 MB)."""
NATIVE_TABLE = nativelane.ENABLED
"""Whether the index keeps its keys in the C table when the extension is built (tests flip it)."""
_TABLE_LOAD = 0.7
_TABLE_SLOT = 24


class ExactDeduper:
    """First-seen index per record key, in bounded memory.

    A key is the first 12 bytes of the record hash (``add`` takes 16 or more
    and keeps 12: the odds that two different records in a billion share them
    are below 10^-11). The keys seen since the last spill are a dict of key
    to first index, which a batch probes and fills with a few C-level calls
    (:meth:`add_many`); when it holds ``memory_keys``, it is written out as an
    encrypted run (:class:`~app.core.datasets.spill.SpilledKeys`,
    in an unnamed temporary file in ``spill_dir``) and emptied. Keys not in
    the dict go through the spill's filter, and only the few it cannot rule
    out read a block from disk. So memory stays at the dict's bound plus
    about three bytes a spilled key (26 for a key kept in flat arrays, 128
    in the dict), and each record is still answered at once and in stream
    order, as by a plain set.

    ``keep_pairs`` keeps every (duplicate, first) pair for :meth:`clusters`
    (16 bytes a duplicate); the prepare counts its own few clusters and
    turns it off. Close the deduper (or use it as a context manager) to
    drop its spill file; a crash drops it too, as it has no name.
    """

    __slots__ = (
        "_capacity",
        "_dup_first",
        "_dup_index",
        "_duplicates",
        "_in_table",
        "_keep_pairs",
        "_memory_keys",
        "_native",
        "_recent",
        "_spill_dir",
        "_spilled",
        "_table",
        "_used",
    )

    def __init__(
        self,
        capacity: int = 1024,
        *,
        memory_keys: int | None = None,
        spill_dir: Path | None = None,
        keep_pairs: bool = True,
    ) -> None:
        native = nativelane._NATIVE if NATIVE_TABLE else None
        self._native = native if hasattr(native, "index_add") else None
        self._table = (
            bytearray(_TABLE_SLOT * _slots_for(capacity)) if self._native is not None else None
        )
        """The C lane's open-addressing table of the keys since the last spill (else the dict)."""
        self._in_table = 0
        if memory_keys is None:
            memory_keys = TABLE_MEMORY_KEYS if self._native is not None else MEMORY_KEYS
        if memory_keys < 1:
            raise ValueError("the deduper holds at least one key in memory")
        self._capacity = capacity
        self._memory_keys = memory_keys
        self._spill_dir = spill_dir
        self._recent: dict[bytes, int] = {}
        self._spilled: spill.SpilledKeys | None = None
        self._used = 0
        self._duplicates = 0
        self._keep_pairs = keep_pairs
        self._dup_index = array("q")
        self._dup_first = array("q")

    def __len__(self) -> int:
        """Distinct keys seen."""
        return self._used

    @property
    def duplicates(self) -> int:
        return self._duplicates

    @property
    def spilled(self) -> int:
        """Distinct keys written to the spill file so far."""
        return self._spilled.count if self._spilled is not None else 0

    def add(self, index: int, key: bytes) -> int | None:
        """Record ``index`` has ``key``: the index of its first occurrence, or None if new."""
        if len(key) < EXACT_KEY_SIZE:
            raise ValueError("an exact key is at least 16 bytes")
        if index < 0:
            raise ValueError("record indices start at 0")
        return self.add_many([key[:_KEY]], [index]).get(0)

    def add_record(self, index: int, record: object) -> int | None:
        return self.add(index, exact_key(record, what=f"record {index}"))

    def add_leaves(
        self, base: int, local: Sequence[int], leaves: bytes | bytearray | memoryview
    ) -> dict[int, int]:
        """A batch at once: record ``base + local[i]`` has the 32-byte leaf hash ``leaves[32i:]``.

        The same as :meth:`add` for each in turn: the duplicates, as their
        position in ``local`` mapped to the index of their first occurrence.
        """
        if len(leaves) != 32 * len(local):
            raise ValueError("one 32-byte leaf hash per record")
        if base < 0 or (local and min(local) < 0):
            raise ValueError("record indices start at 0")
        blob = leaves if type(leaves) is bytes else bytes(leaves)
        if self._native is not None:
            return self._add_to_table(base, local, blob, 32)
        return self._add(_leaf_keys(blob), list(map(base.__add__, local)), blob, 32)

    def add_many(self, keys: Sequence[bytes], indices: Sequence[int]) -> dict[int, int]:
        """Keys of 12 bytes (the first of a record hash) for records at increasing ``indices``.

        The same as :meth:`add` for each in turn: the duplicates, as their
        position in ``keys`` mapped to the index of their first occurrence.
        """
        if len(keys) != len(indices) or any(len(key) != _KEY for key in keys):
            raise ValueError(f"one {_KEY}-byte key per record index")
        if indices and min(indices) < 0:
            raise ValueError("record indices start at 0")
        if self._native is not None:
            return self._add_to_table(0, indices, b"".join(keys), _KEY)
        return self._add(list(keys), list(indices), b"".join(keys), _KEY)

    def _add_to_table(
        self, base: int, local: Sequence[int], blob: bytes, stride: int
    ) -> dict[int, int]:
        """:meth:`_add` with the keys in the C table: a few calls a batch, none a key.

        The same answers in the same order: keys the spill's filter cannot rule
        out and the table does not hold are looked up in the spill first (a
        duplicate of a spilled key stays out of the table), then the table
        takes the rest in turn.
        """
        native, table = self._native, self._table
        assert native is not None
        assert table is not None
        found: dict[int, int] = {}
        skip: bytearray | None = None
        spilled = self._spilled
        if spilled is not None:
            for position in spilled.maybe_keys(blob, stride):
                key = blob[position * stride : position * stride + _KEY]
                if native.index_get(table, key) is not None:
                    continue
                first = spilled.find(key)
                if first is not None:
                    if skip is None:
                        skip = bytearray(len(local))
                    skip[position] = 1
                    found[position] = first
        table = self._room(len(local))
        count = len(local)
        consecutive = not count or (local[0] == 0 and local[-1] == count - 1)  # they ascend
        used, pairs = native.index_add(
            table,
            self._in_table,
            blob,
            stride,
            base,
            None if consecutive else array("q", local),
            skip,
        )
        added, self._in_table = used - self._in_table, used
        if pairs:
            from_spill = bool(found)
            found.update(pairs)
            if from_spill:
                found = dict(sorted(found.items()))  # in stream order, as one by one
        self._used += added
        self._duplicates += len(found)
        if found and self._keep_pairs:
            for position, first in found.items():
                self._dup_index.append(base + local[position])
                self._dup_first.append(first)
        if self._in_table >= self._memory_keys:
            self._spill_table()
        return found

    def _room(self, more: int) -> bytearray:
        """The table, grown (twice as many slots, rehashed) until ``more`` keys fit in it."""
        table = self._table
        assert table is not None
        assert self._native is not None
        slots = len(table) // _TABLE_SLOT
        while self._in_table + more > _TABLE_LOAD * slots:
            slots *= 2
        if slots != len(table) // _TABLE_SLOT:
            grown = bytearray(_TABLE_SLOT * slots)
            self._native.index_rehash(table, grown)
            self._table = table = grown
        return table

    def _spill_table(self) -> None:
        assert self._native is not None
        assert self._table is not None
        keys, values, starts = self._native.index_items(self._table)
        if self._spilled is None:
            self._spilled = spill.SpilledKeys(
                _KEY, expected=max(self._capacity, self._in_table), directory=self._spill_dir
            )
        self._spilled.spill_grouped(keys, values, memoryview(starts).cast("I"))
        self._in_table = 0  # index_items emptied the table, as large as it grew: it fills again

    def _add(
        self, keys: list[bytes], indices: list[int], blob: bytes | bytearray, stride: int
    ) -> dict[int, int]:
        found: dict[int, int] = {}
        recent, spilled = self._recent, self._spilled
        if spilled is not None:
            for position in spilled.maybe(spill.probes(blob, stride)):
                key = keys[position]
                if key in recent:
                    continue
                first = spilled.find(key)
                if first is not None:
                    found[position] = first
        # The rest go through the dict: setdefault answers the first index, its own if new.
        fresh: Sequence[int] = range(len(keys))
        new_keys, new_indices = keys, indices
        from_spill = bool(found)
        if from_spill:  # repeats of spilled keys stay out of the dict
            fresh = [position for position in fresh if position not in found]
            new_keys = [keys[position] for position in fresh]
            new_indices = [indices[position] for position in fresh]
        firsts = list(map(recent.setdefault, new_keys, new_indices))
        added = len(new_keys)
        if firsts != new_indices:
            for at, (first, index) in enumerate(zip(firsts, new_indices, strict=True)):
                if first != index:
                    found[fresh[at]] = first
                    added -= 1
        if from_spill and len(found) > 1:
            found = dict(sorted(found.items()))  # in stream order, as one by one
        self._used += added
        self._duplicates += len(found)
        if found and self._keep_pairs:
            for position, first in found.items():
                self._dup_index.append(indices[position])
                self._dup_first.append(first)
        if len(recent) >= self._memory_keys:
            self._spill()
        return found

    def _spill(self) -> None:
        recent = self._recent
        if self._spilled is None:
            self._spilled = spill.SpilledKeys(
                _KEY, expected=max(self._capacity, len(recent)), directory=self._spill_dir
            )
        self._spilled.spill(list(recent), list(recent.values()))
        recent.clear()

    def clusters(self) -> list[DuplicateCluster]:
        """Every exact cluster, when made with ``keep_pairs`` (else none)."""
        pairs = zip(self._dup_index, self._dup_first, [1.0] * len(self._dup_index), strict=True)
        return cluster_pairs(pairs, "exact")

    def close(self) -> None:
        """Drop the spill file (and with it every key spilled)."""
        if self._spilled is not None:
            self._spilled.close()

    def __enter__(self) -> ExactDeduper:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_KEY = 12
"""Bytes of the record hash the exact index compares."""


def _slots_for(expected: int) -> int:
    """A first table size for ``expected`` keys: a power of two, at most 70 % full with them,
    bounded by the most the table holds before it spills (grown on demand past that)."""
    wanted = min(max(expected, 1024), TABLE_MEMORY_KEYS)
    slots = 1024
    while wanted > _TABLE_LOAD * slots:
        slots *= 2
    return slots


_LEAVES_AT_ONCE = 256
_LEAF_KEYS = struct.Struct(f"{_KEY}s{32 - _KEY}x" * _LEAVES_AT_ONCE)


def _leaf_keys(blob: bytes) -> list[bytes]:
    """The first 12 bytes of each 32-byte leaf hash packed in ``blob``.

    ``struct`` cuts 256 leaves a call, several times faster than a slice per
    leaf in a Python loop, which is then left only for the last few.
    """
    whole = len(blob) - len(blob) % _LEAF_KEYS.size
    keys = list(chain.from_iterable(_LEAF_KEYS.iter_unpack(memoryview(blob)[:whole])))
    keys += [blob[at : at + _KEY] for at in range(whole, len(blob), 32)]
    return keys
