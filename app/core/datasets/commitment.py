"""The dataset commitment: an RFC 6962 Merkle tree over record hashes, and its proofs.

A record's hash is SHA-256 of its RFC 8785 canonical JSON; the commitment is
the RFC 6962 / 9162 Merkle tree hash over those record hashes in dataset
order (leaf = SHA-256(0x00 || record hash), node = SHA-256(0x01 || left ||
right), split at the largest power of two below the size, the empty tree is
SHA-256 of nothing). Using the transparency-log tree, rather than a
home-made one, lets anyone check an inclusion proof with an off-the-shelf CT
verifier, and lets the network statement logs reuse the same code for
consistency proofs.

The tree is a row of perfect subtrees of falling sizes, so a builder needs
only a stack of their roots: memory is logarithmic in the record count, and
builders over aligned chunks can be hashed in parallel and merged. Proofs
need the leaf hashes; :class:`LeafHashes` reads them from one compact
buffer (32 bytes a leaf) that a builder can write as it goes.

A proof checked against a root shows a record is in *that* tree. What ties
the root to a contributor is the signed manifest, which also carries the
record count: a verifier must compare both, since the same path can fit
trees of different sizes.
"""

from __future__ import annotations

import hashlib
import hmac
import mmap
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, overload

from app.core.canonical import MAX_SAFE_INTEGER, canonical_json, loads_strict
from app.core.errors import InvalidInput
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, ProgressEvent

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of a tree with no leaves (RFC 9162 section 2.1.1)."""

_HEX = re.compile(r"[0-9a-f]{64}")
_CHECK_EVERY = 1 << 16


class InvalidProof(InvalidInput):
    """A proof document is malformed (not merely false: that is ``verify`` returning False)."""


# -- hashes -------------------------------------------------------------------


def record_hash(record: object, *, what: str = "record") -> bytes:
    """SHA-256 of the record's RFC 8785 canonical JSON: the leaf *entry* of the tree."""
    return hashlib.sha256(canonical_json(record, what=what)).digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 leaf hash, SHA-256(0x00 || entry); the 0x00 keeps leaves apart from nodes."""
    return hashlib.sha256(b"\x00" + entry).digest()


def record_leaf_hash(record: object, *, what: str = "record") -> bytes:
    """The leaf hash of one record: ``leaf_hash(record_hash(record))``."""
    return hashlib.sha256(b"\x00" + record_hash(record, what=what)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


# -- streaming root -----------------------------------------------------------


class MerkleBuilder:
    """Add leaf hashes in order; read the root at any time; memory O(log n).

    ``sink``, when given, receives every leaf hash as it is added (32 bytes
    each), which is the :class:`LeafHashes` layout proofs are made from.
    """

    __slots__ = ("_sink", "_size", "_stack")

    def __init__(self, sink: BinaryIO | None = None) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, subtree root), sizes falling
        self._size = 0
        self._sink = sink

    @property
    def size(self) -> int:
        return self._size

    def add(self, leaf: bytes) -> None:
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        if self._sink is not None:
            self._sink.write(leaf)
        self._push(1, leaf)
        self._size += 1

    def add_record(self, record: object, *, what: str = "record") -> bytes:
        """Hash a record and add it; returns its leaf hash."""
        leaf = record_leaf_hash(record, what=what)
        self.add(leaf)
        return leaf

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.add(leaf)

    def add_many(self, leaves: bytes | bytearray | memoryview) -> None:
        """Add leaf hashes packed 32 bytes apiece, as :meth:`add` one by one would.

        A batch is folded a level at a time (the pairs of a level lie side by
        side, so each node is one hash over a slice), and only the right edge
        of the tree is kept, as in :meth:`add`: the prepare's parent pays one
        list comprehension a level instead of Python steps per leaf.
        """
        level = bytes(leaves)
        if len(level) % HASH_SIZE:
            raise ValueError("leaf hashes are 32 bytes apiece")
        if not level:
            return
        if self._sink is not None:
            self._sink.write(level)
        self._size += len(level) // HASH_SIZE
        stack, sha256 = self._stack, hashlib.sha256
        pair = 2 * HASH_SIZE
        left_over: list[tuple[int, bytes]] = []  # (size, root) of the odd last node of a level
        size = 1
        while level:
            if stack and stack[-1][0] == size:
                level = stack.pop()[1] + level  # the earlier subtree of this size, on the left
            if len(level) % pair:
                left_over.append((size, level[-HASH_SIZE:]))
                level = level[:-HASH_SIZE]
            level = b"".join(
                [
                    sha256(b"\x01" + level[at : at + pair]).digest()
                    for at in range(0, len(level), pair)
                ]
            )
            size *= 2
        stack.extend(reversed(left_over))

    def merge(self, other: MerkleBuilder) -> None:
        """Append the leaves ``other`` has seen, as if they had been added here.

        Only possible when this builder's size is a multiple of the largest
        perfect subtree in ``other`` (its size rounded down to a power of
        two): build chunks of 2^k leaves in parallel, merge in order, and the
        last chunk may be short. Leaves other wrote to its own sink stay there.
        """
        if not other._stack:
            return
        if self._size % other._stack[0][0]:
            raise ValueError(
                f"cannot append {other._size} leaves after {self._size}: "
                "chunks must start at a multiple of their size rounded down to a power of two"
            )
        for size, node in other._stack:
            self._push(size, node)
        self._size += other._size

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node

    def _push(self, size: int, node: bytes) -> None:
        stack = self._stack
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            node = node_hash(left, node)
            size *= 2
        stack.append((size, node))


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """The Merkle tree hash over leaf hashes."""
    builder = MerkleBuilder()
    builder.extend(leaves)
    return builder.root()


def dataset_commitment(records: Iterable[object]) -> tuple[bytes, int]:
    """Root and count over JSON records in order."""
    builder = MerkleBuilder()
    for number, record in enumerate(records):
        builder.add_record(record, what=f"record {number}")
    return builder.root(), builder.size


# -- stored leaf hashes -------------------------------------------------------


class LeafHashes(Sequence[bytes]):
    """Leaf hashes packed 32 bytes apiece in one buffer (bytes, bytearray, mmap).

    One compact blob per dataset instead of a Python object per record: a
    million records are 32 MB, and a memory-mapped file costs only the pages
    a proof touches.
    """

    __slots__ = ("_buffer", "_count")

    def __init__(self, buffer: bytes | bytearray | memoryview | mmap.mmap) -> None:
        if len(buffer) % HASH_SIZE:
            raise InvalidProof("the leaf hash store is not a whole number of 32-byte hashes")
        self._buffer = buffer
        self._count = len(buffer) // HASH_SIZE

    @classmethod
    def pack(cls, leaves: Iterable[bytes]) -> LeafHashes:
        data = bytearray()
        for leaf in leaves:
            if len(leaf) != HASH_SIZE:
                raise ValueError("a leaf hash is 32 bytes")
            data += leaf
        return cls(bytes(data))

    @classmethod
    def open(cls, path: Path) -> LeafHashes:
        """Map a file written through a builder's ``sink``, read-only."""
        with path.open("rb") as handle:
            if handle.seek(0, 2) == 0:
                return cls(b"")
            return cls(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))

    def close(self) -> None:
        """Release a mapped file; plain buffers need nothing."""
        if isinstance(self._buffer, mmap.mmap):
            self._buffer.close()

    def __enter__(self) -> LeafHashes:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("leaf index out of range")
        start = index * HASH_SIZE
        return bytes(self._buffer[start : start + HASH_SIZE])

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, self._count * HASH_SIZE, HASH_SIZE):
            yield bytes(self._buffer[start : start + HASH_SIZE])


# -- proofs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """RFC 9162 section 2.1.3: the audit path of one leaf, siblings from the bottom up."""

    tree_size: int
    index: int
    leaf_hash: bytes
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """RFC 9162 section 2.1.4: the older tree is a prefix of the newer one."""

    old_size: int
    new_size: int
    path: tuple[bytes, ...]


class _Hasher:
    """Subtree roots over a stored leaf range, with cancel and progress."""

    def __init__(
        self,
        leaves: Sequence[bytes],
        progress: ProgressCallback | None,
        cancel: CancelToken,
        total: int,
    ) -> None:
        self.leaves = leaves
        self.progress = progress
        self.cancel = cancel
        self.total = total
        self.done = 0

    def root(self, start: int, end: int) -> bytes:
        builder = MerkleBuilder()
        leaves = self.leaves
        for position in range(start, end):
            if not position % _CHECK_EVERY:
                self.cancel.raise_if_cancelled()
                if self.progress is not None:
                    event = ProgressEvent("prove", self.done, self.total, "records")
                    self.progress(event)
            builder.add(leaves[position])
            self.done += 1
        return builder.root()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(
    leaves: Sequence[bytes],
    index: int,
    *,
    tree_size: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> InclusionProof:
    """The audit path for leaf ``index`` in the tree of the first ``tree_size`` leaves.

    Hashes every leaf once (a proof is rare; storing interior nodes would
    cost more than it saves). ``tree_size`` defaults to all the leaves.
    """
    size = len(leaves) if tree_size is None else tree_size
    if not 0 < size <= len(leaves):
        raise ValueError(f"tree size {size} is not between 1 and {len(leaves)}")
    if not 0 <= index < size:
        raise ValueError(f"record {index} is not in a tree of {size}")
    hasher = _Hasher(leaves, progress, cancel, size)
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            path.append(hasher.root(split, end))
            end = split
        else:
            path.append(hasher.root(start, split))
            start = split
    path.reverse()
    return InclusionProof(size, index, leaves[index], tuple(path))


def root_from_inclusion(proof: InclusionProof) -> bytes | None:
    """The root the proof leads to, or None when it cannot belong to any tree of its size."""
    if not 0 <= proof.index < proof.tree_size or len(proof.leaf_hash) != HASH_SIZE:
        return None
    fn, sn = proof.index, proof.tree_size - 1
    node = proof.leaf_hash
    for sibling in proof.path:
        if sn == 0 or len(sibling) != HASH_SIZE:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return node if sn == 0 else None


def verify_inclusion(proof: InclusionProof, root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    computed = root_from_inclusion(proof)
    return computed is not None and hmac.compare_digest(computed, root)


def consistency_proof(
    leaves: Sequence[bytes],
    old_size: int,
    *,
    new_size: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ConsistencyProof:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1 (empty when m is 0 or m equals n)."""
    size = len(leaves) if new_size is None else new_size
    if not 0 <= size <= len(leaves):
        raise ValueError(f"tree size {size} is not between 0 and {len(leaves)}")
    if not 0 <= old_size <= size:
        raise ValueError(f"old size {old_size} is not between 0 and {size}")
    if old_size in (0, size):
        return ConsistencyProof(old_size, size, ())
    hasher = _Hasher(leaves, progress, cancel, size)
    path: list[bytes] = []
    m, start, end, complete = old_size, 0, size, True
    while True:
        if m == end - start:
            if not complete:
                path.append(hasher.root(start, end))
            break
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            path.append(hasher.root(start + k, end))
            end = start + k
        else:
            path.append(hasher.root(start, start + k))
            m -= k
            start += k
            complete = False
    path.reverse()
    return ConsistencyProof(old_size, size, tuple(path))


def verify_consistency(proof: ConsistencyProof, old_root: bytes, new_root: bytes) -> bool:
    """RFC 9162 section 2.1.4.2, plus: an empty old tree must have the empty root."""
    m, n, path = proof.old_size, proof.new_size, proof.path
    if not 0 <= m <= n or len(old_root) != HASH_SIZE or len(new_root) != HASH_SIZE:
        return False
    if m == n:
        return not path and hmac.compare_digest(old_root, new_root)
    if m == 0:
        return not path and hmac.compare_digest(old_root, EMPTY_ROOT)
    if not path or any(len(node) != HASH_SIZE for node in path):
        return False
    nodes = list(path)
    if m & (m - 1) == 0:  # the old tree is a perfect subtree: its root is the first node
        nodes.insert(0, old_root)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for node in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, old_root) and hmac.compare_digest(sr, new_root)


def inclusion_path_length(index: int, tree_size: int) -> int:
    """How many hashes an honest audit path has for ``index`` in ``tree_size``."""
    length, start, end = 0, 0, tree_size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            end = split
        else:
            start = split
        length += 1
    return length


# -- JSON form of an inclusion proof -----------------------------------------------


@dataclass(frozen=True, slots=True)
class ProofDocument:
    """A proof as a user keeps or sends it: the proof, the root it claims, maybe the record.

    With the record included, the document shows its content and that it is
    in the committed dataset; without it, only that some record with this
    leaf hash is.
    """

    proof: InclusionProof
    root: bytes
    record: object | None = None

    def verify(self) -> bool:
        """True when the path leads from the leaf (or the record) to ``root``."""
        return verify_inclusion(self.proof, self.root)

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "tree_size": self.proof.tree_size,
            "index": self.proof.index,
        }
        if self.record is not None:
            document["record"] = self.record
        else:
            document["leaf_hash"] = self.proof.leaf_hash.hex()
        document["path"] = [node.hex() for node in self.proof.path]
        document["root"] = self.root.hex()
        return document

    def to_bytes(self) -> bytes:
        """Canonical JSON and a newline: the file ``dataset prove`` writes."""
        return canonical_json(self.to_json(), what="proof") + b"\n"


def make_proof_document(
    leaves: Sequence[bytes],
    index: int,
    *,
    record: object | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ProofDocument:
    """Proof for ``index`` over all ``leaves``, with the record when given (checked to match)."""
    if record is not None and record_leaf_hash(record) != leaves[index]:
        raise ValueError(f"the record given is not record {index} of this dataset")
    proof = inclusion_proof(leaves, index, progress=progress, cancel=cancel)
    root = root_from_inclusion(proof)  # the path was built from every leaf: this is the root
    assert root is not None
    return ProofDocument(proof, root, record)


def parse_proof_document(data: bytes | str | Mapping[str, object]) -> ProofDocument:
    """Read the JSON form strictly; errors name the member at fault.

    A well-formed document may still be false: call :meth:`ProofDocument.verify`.
    """
    value = loads_strict(data, what="proof") if isinstance(data, bytes | str) else data
    if not isinstance(value, Mapping):
        raise InvalidProof("proof: expected a JSON object")
    allowed = {"tree_size", "index", "leaf_hash", "record", "path", "root"}
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise InvalidProof(f"proof: unknown member {unknown[0]!r}")
    for key in ("tree_size", "index", "path", "root"):
        if key not in value:
            raise InvalidProof(f"proof.{key}: missing")
    tree_size = _count(value["tree_size"], "tree_size", minimum=1)
    index = _count(value["index"], "index", minimum=0)
    if index >= tree_size:
        raise InvalidProof(f"proof.index: record {index} is not in a tree of {tree_size}")
    has_leaf, has_record = "leaf_hash" in value, "record" in value
    if has_leaf == has_record:
        raise InvalidProof("proof: give exactly one of leaf_hash and record")
    record: object | None = None
    if has_record:
        record = value["record"]
        if record is None:
            raise InvalidProof("proof.record: must not be null")
        leaf = record_leaf_hash(record, what="proof.record")
    else:
        leaf = _hash(value["leaf_hash"], "proof.leaf_hash")
    raw_path = value["path"]
    if not isinstance(raw_path, list):
        raise InvalidProof("proof.path: expected an array of hex hashes")
    expected = inclusion_path_length(index, tree_size)
    if len(raw_path) != expected:
        raise InvalidProof(
            f"proof.path: {len(raw_path)} hashes; record {index} of {tree_size} needs {expected}"
        )
    path = tuple(_hash(node, f"proof.path[{i}]") for i, node in enumerate(raw_path))
    root = _hash(value["root"], "proof.root")
    return ProofDocument(InclusionProof(tree_size, index, leaf, path), root, record)


def _count(value: object, key: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidProof(f"proof.{key}: expected an integer")
    if not minimum <= value <= MAX_SAFE_INTEGER:
        raise InvalidProof(f"proof.{key}: must be between {minimum} and 2^53 - 1")
    return value


def _hash(value: object, where: str) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise InvalidProof(f"{where}: expected 64 lowercase hex digits")
    return bytes.fromhex(value)
