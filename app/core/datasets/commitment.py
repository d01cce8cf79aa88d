"""The dataset commitment: an RFC 6962 Merkle tree over record hashes, and the leaves it keeps.

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

The proofs live in :mod:`app.core.datasets.commitment_proofs` and their
JSON file in :mod:`app.core.datasets.proof_document`: a prepare needs only
this module, the tree and its stored leaves.
"""

from __future__ import annotations

import hashlib
import mmap
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, overload

from app.core.canonical import canonical_json
from app.core.errors import InvalidInput

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of a tree with no leaves (RFC 9162 section 2.1.1)."""


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

_PAIR = 2 * HASH_SIZE
_NODE_PREFIX = hashlib.sha256(b"\x01")


def hash_pairs_python(level: bytes | bytearray | memoryview) -> bytes:
    """The interior nodes over ``level`` taken in pairs: :func:`node_hash` of each, packed.

    ``level`` holds 2k hashes of 32 bytes; the answer k. Each node starts
    from a copy of a hash that has already taken the 0x01 prefix and reads
    its pair through a memoryview, which saves the two copies the plain
    ``node_hash(left, right)`` makes.
    """
    if len(level) % _PAIR:
        raise ValueError("a level to pair is a whole number of 64-byte pairs")
    start, view = _NODE_PREFIX.copy, memoryview(level)
    nodes: list[bytes] = []
    append = nodes.append
    for at in range(0, len(view), _PAIR):
        node = start()
        node.update(view[at : at + _PAIR])
        append(node.digest())
    return b"".join(nodes)


def pair_hasher() -> Callable[[bytes], bytes]:
    """:func:`hash_pairs_python`, or the native lane's ``merkle_pairs`` when it is there.

    Looked up on each call (a batch's fold calls it once), so the native
    lane's switch (``nativelane.ENABLED``, ``TESSERA_NO_NATIVE``) holds here
    as well; imported late because most users of this module never fold a
    batch.
    """
    from app.core.datasets import nativelane

    native = getattr(nativelane._NATIVE, "merkle_pairs", None) if nativelane.ENABLED else None
    return native if native is not None else hash_pairs_python


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
        side, so a level is one call of :func:`hash_pairs`, in C when the
        native lane has it), and only the right edge of the tree is kept, as
        in :meth:`add`: the prepare's parent pays a few calls a level instead
        of Python steps per leaf.
        """
        level = bytes(leaves)
        if len(level) % HASH_SIZE:
            raise ValueError("leaf hashes are 32 bytes apiece")
        if not level:
            return
        if self._sink is not None:
            self._sink.write(level)
        self._size += len(level) // HASH_SIZE
        stack, pairs = self._stack, pair_hasher()
        left_over: list[tuple[int, bytes]] = []  # (size, root) of the odd last node of a level
        size = 1
        while level:
            if stack and stack[-1][0] == size:
                level = stack.pop()[1] + level  # the earlier subtree of this size, on the left
            if len(level) % _PAIR:
                left_over.append((size, level[-HASH_SIZE:]))
                level = level[:-HASH_SIZE]
            if level:
                level = pairs(level)
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
