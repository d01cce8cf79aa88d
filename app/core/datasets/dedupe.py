"""Near duplicates: MinHash signatures and LSH over the records kept so far.

The detector streams: records arrive in order and each one is answered at
once (new, or a near duplicate of an earlier record), so the pipeline never
holds the dataset. The first record seen of a group is its representative
and the one kept; the others are reported as a cluster the user can review,
and can keep anyway (:func:`~app.core.datasets.duplicate_clusters.removals`).
Exact duplicates are found first and apart (:mod:`.exact_dedupe`), from the
record hash in bounded memory; this index is flat arrays, about 330 bytes a
kept record at the defaults, still linear (330 MB a million).

Near duplicates use one-permutation MinHash with optimal densification
(Shrivastava, ICML 2017): each shingle is hashed once and lands in one of
``num_perm`` bins, so a 1 KB text costs O(shingles + bins) instead of
O(shingles x bins). Pure Python, a few thousand texts a second: run
:func:`minhash_batch` in worker processes and keep the
:class:`NearDuplicateIndex` in the parent.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.datasets.duplicate_clusters import DuplicateCluster, cluster_pairs

_NON_WORD = re.compile(r"[\W_]+")
_EMPTY = 0xFFFFFFFF
_FINGERPRINT_MATCH = 1 / 256  # two unrelated 8-bit fingerprints agree this often


# -- MinHash ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MinHashParams:
    """How texts become signatures; signatures only compare under equal params.

    Word 3-grams by default: contributed records are often short (a
    question, a label), and 5-grams leave a short text too few shingles to
    measure. ``num_perm`` is the signature length (a power of two).
    """

    num_perm: int = 128
    shingle: Literal["word", "char"] = "word"
    shingle_size: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.num_perm not in (16, 32, 64, 128, 256, 512):
            raise ValueError("num_perm must be a power of two from 16 to 512")
        if self.shingle not in ("word", "char"):
            raise ValueError("shingle must be 'word' or 'char'")
        if not 1 <= self.shingle_size <= 32:
            raise ValueError("shingle_size must be between 1 and 32")
        if not 0 <= self.seed < 2**64:
            raise ValueError("seed must fit in 64 bits")

    @property
    def signature_size(self) -> int:
        return 4 * self.num_perm


def shingles(text: str, params: MinHashParams) -> Iterator[bytes]:
    """The shingles of ``text`` after case folding and, for words, dropping punctuation."""
    size = params.shingle_size
    if params.shingle == "word":
        words = _NON_WORD.sub(" ", text.casefold()).encode("utf-8").split()
        if 0 < len(words) < size:
            yield b" ".join(words)
            return
        yield from map(b" ".join, zip(*(words[i:] for i in range(size)), strict=False))
        return
    squeezed = " ".join(text.casefold().split()).encode("utf-32-le")
    width = 4 * size
    if 0 < len(squeezed) < width:
        yield squeezed
        return
    for start in range(0, len(squeezed) - width + 1, 4):
        yield squeezed[start : start + width]


@functools.lru_cache(maxsize=8)
def _probes(num_perm: int, seed: int) -> tuple[tuple[int, ...], ...]:
    """Per bin, a fixed pseudo-random sequence of bins to borrow from when it is empty.

    Any rule that depends only on the bin and on which bins are filled keeps
    signatures comparable; a random sequence (rather than the next bin to the
    right) keeps the borrowed values independent, which is what makes the
    densification optimal.
    """
    probes = []
    for bin_number in range(num_perm):
        stream = hashlib.shake_128(struct.pack("<QQ", seed, bin_number)).digest(2 * num_perm)
        probes.append(tuple(value % num_perm for value in struct.unpack(f"<{num_perm}H", stream)))
    return tuple(probes)


def minhash(text: str, params: MinHashParams) -> bytes:
    """One signature: ``num_perm`` little-endian uint32; empty when the text has no shingles."""
    bins = params.num_perm
    mask = bins - 1
    salt = params.seed.to_bytes(16, "little")
    blake, from_bytes = hashlib.blake2b, int.from_bytes
    # The seed goes in the salt, not the key: a keyed BLAKE2 hashes one more block.
    hashes = [
        from_bytes(blake(shingle, digest_size=8, salt=salt).digest(), "little")
        for shingle in shingles(text, params)
    ]
    if not hashes:
        return b""
    minima = [_EMPTY] * bins
    for value in hashes:
        slot = value & mask
        value >>= 32
        if value < minima[slot]:
            minima[slot] = value
    if _EMPTY in minima:
        original = minima[:]
        probes = None
        for slot, value in enumerate(original):
            if value != _EMPTY:
                continue
            probes = probes or _probes(bins, params.seed)
            for source in probes[slot]:
                if original[source] != _EMPTY:
                    break
            else:  # rare: a nearly empty signature; take the next filled bin
                source = next(
                    s & mask for s in range(slot + 1, slot + bins) if original[s & mask] != _EMPTY
                )
            minima[slot] = original[source]
    return struct.pack(f"<{bins}I", *minima)


def minhash_batch(texts: Sequence[str], params: MinHashParams) -> list[bytes]:
    """Signatures for a batch; top level and picklable, for a process pool."""
    return [minhash(text, params) for text in texts]


def estimate_similarity(first: bytes, second: bytes) -> float:
    """Jaccard similarity estimated from two full signatures (share of equal values)."""
    if len(first) != len(second) or not first:
        raise ValueError("signatures of different lengths, or empty")
    left, right = array("I", first), array("I", second)
    equal = sum(1 for a, b in zip(left, right, strict=True) if a == b)
    return equal / len(left)


def record_text(record: object, fields: Sequence[str] | None = None) -> str:
    """The text near-duplicate detection compares: string and number values, keys sorted.

    ``fields`` restricts it to some top-level fields (say, the question but
    not an id).
    """
    parts: list[str] = []
    if fields is not None and isinstance(record, Mapping):
        for name in fields:
            if name in record:
                _collect(record[name], parts)
    else:
        _collect(record, parts)
    return "\n".join(parts)


def _collect(value: object, parts: list[str]) -> None:
    if isinstance(value, str):
        parts.append(value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        parts.append(repr(value))
    elif isinstance(value, Mapping):
        for key in sorted(value, key=str):
            _collect(value[key], parts)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, parts)


# -- LSH --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def lsh_parameters(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows (bands x rows <= num_perm) for a Jaccard threshold.

    Minimises 0.2 x false-positive area + 0.8 x false-negative area of the
    banding S-curve. Misses weigh more because every candidate is checked
    against its signature anyway: a false candidate costs a microsecond, a
    missed duplicate stays in the dataset.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError("the similarity threshold must be between 0 and 1")

    def integral(function: Callable[[float], float], start: float, end: float) -> float:
        steps = 64
        width = (end - start) / steps
        total = function(start) + function(end)
        total += sum((4 if i % 2 else 2) * function(start + i * width) for i in range(1, steps))
        return total * width / 3

    best: tuple[float, int, int] | None = None
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp = integral(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)  # noqa: B023
            fn = integral(lambda s: (1 - s**rows) ** bands, threshold, 1.0)  # noqa: B023
            error = 0.2 * fp + 0.8 * fn
            if best is None or error < best[0]:
                best = (error, bands, rows)
    assert best is not None
    return best[1], best[2]


@dataclass(frozen=True, slots=True)
class NearMatch:
    representative: int
    similarity: float


class NearDuplicateIndex:
    """LSH over MinHash signatures of the records kept so far.

    Only representatives are indexed: a record found to be a near duplicate
    is reported and not added, so a cluster grows around its first record
    and chains of small edits do not drift away from it. Each kept record
    stores one byte per signature value (the low byte: enough to estimate
    similarity, with the chance agreement of 1/256 corrected for) and one
    table entry per band.
    """

    def __init__(
        self,
        params: MinHashParams,
        threshold: float = 0.8,
        *,
        bands: int | None = None,
        rows: int | None = None,
        max_candidates: int = 64,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError("the similarity threshold must be between 0 and 1")
        if (bands is None) != (rows is None):
            raise ValueError("give both bands and rows, or neither")
        if bands is None or rows is None:
            bands, rows = lsh_parameters(threshold, params.num_perm)
        if bands < 1 or rows < 1 or bands * rows > params.num_perm:
            raise ValueError("bands x rows must be between 1 and num_perm")
        self.params = params
        self.threshold = threshold
        self.bands = bands
        self.rows = rows
        self.max_candidates = max_candidates
        self._fingerprints = bytearray()
        self._records = array("q")
        self._table = _BandTable(max_bucket=max_candidates)
        self._matches: list[tuple[int, int, float]] = []

    def __len__(self) -> int:
        """Records indexed (the representatives)."""
        return len(self._records)

    @property
    def duplicates(self) -> int:
        return len(self._matches)

    def add(self, index: int, signature: bytes, *, keep: bool = False) -> NearMatch | None:
        """Record ``index`` with this signature: its match among earlier records, or None.

        An empty signature (a record without text) is neither indexed nor matched.
        ``keep`` is the contributor's decision after review that this record is not
        a duplicate: it is indexed as a representative of its own and never matched.
        """
        if not signature:
            return None
        if len(signature) != self.params.signature_size:
            raise ValueError("the signature does not match these MinHash params")
        width = 4 * self.rows
        keys = [
            (hash((band, signature[band * width : (band + 1) * width])) & 0xFFFFFFFF) or 1
            for band in range(self.bands)
        ]
        fingerprint = signature[0::4]
        best: tuple[float, int] | None = None
        for slot in self._table.candidates(keys, self.max_candidates):
            similarity = self._similarity(fingerprint, slot)
            if similarity >= self.threshold and (best is None or similarity > best[0]):
                best = (similarity, slot)
        if best is not None and not keep:
            representative = self._records[best[1]]
            self._matches.append((index, representative, best[0]))
            return NearMatch(representative, best[0])
        slot = len(self._records)
        self._records.append(index)
        self._fingerprints += fingerprint
        for key in keys:
            self._table.insert(key, slot)
        return None

    def clusters(self) -> list[DuplicateCluster]:
        return cluster_pairs(self._matches, "near")

    def _similarity(self, fingerprint: bytes, slot: int) -> float:
        size = len(fingerprint)
        stored = self._fingerprints[slot * size : (slot + 1) * size]
        differing = int.from_bytes(fingerprint, "little") ^ int.from_bytes(stored, "little")
        share = differing.to_bytes(size, "little").count(0) / size
        return max(0.0, (share - _FINGERPRINT_MATCH) / (1 - _FINGERPRINT_MATCH))


class _BandTable:
    """A multimap from 32-bit band keys to record slots, in two flat arrays.

    Linear probing; a key already holding ``max_bucket`` slots takes no more,
    so a flood of look-alike records (a template) cannot make lookups
    quadratic.
    """

    __slots__ = ("_keys", "_mask", "_max_bucket", "_slots", "_used")

    def __init__(self, *, max_bucket: int, size: int = 1024) -> None:
        self._max_bucket = max_bucket
        self._keys = array("I", bytes(4 * size))
        self._slots = array("I", bytes(4 * size))
        self._mask = size - 1
        self._used = 0

    def candidates(self, keys: Iterable[int], limit: int) -> list[int]:
        found: dict[int, None] = {}
        table_keys, mask = self._keys, self._mask
        for key in keys:
            position = _spread(key) & mask
            while table_keys[position]:
                if table_keys[position] == key:
                    found[self._slots[position]] = None
                    if len(found) >= limit:
                        return list(found)
                position = (position + 1) & mask
        return list(found)

    def insert(self, key: int, slot: int) -> None:
        table_keys, mask = self._keys, self._mask
        position = _spread(key) & mask
        same = 0
        while table_keys[position]:
            if table_keys[position] == key:
                same += 1
                if same >= self._max_bucket:
                    return
            position = (position + 1) & mask
        table_keys[position] = key
        self._slots[position] = slot
        self._used += 1
        if self._used * 10 > len(table_keys) * 7:
            self._grow()

    def _grow(self) -> None:
        keys, slots = self._keys, self._slots
        size = 2 * len(keys)
        self._keys = array("I", bytes(4 * size))
        self._slots = array("I", bytes(4 * size))
        self._mask = size - 1
        for key, slot in zip(keys, slots, strict=True):
            if key:
                position = _spread(key) & self._mask
                while self._keys[position]:
                    position = (position + 1) & self._mask
                self._keys[position] = key
                self._slots[position] = slot


def _spread(key: int) -> int:
    """Mix a 32-bit key so that its low bits choose the table position well."""
    return (key * 0x9E3779B1) >> 7
