"""The dataset commitment, recomputed in one pass with memory logarithmic in the records.

Each record's digest is SHA-256 of its RFC 8785 canonical JSON; the
commitment is the RFC 6962 Merkle tree hash over those digests in file order
(leaf = SHA-256(0x00 || digest), node = SHA-256(0x01 || left || right), the
empty tree is SHA-256 of nothing). RFC 6962 splits at the largest power of
two below the size, so the tree is a row of perfect subtrees of falling
sizes: a stack of their roots is all the state needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from app.core.consent.jsonform import canonical_json


def record_digest(record: object) -> bytes:
    return hashlib.sha256(canonical_json(record)).digest()


def leaf_hash(digest: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + digest).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleAccumulator:
    """Add record digests in order; read the root at any time."""

    __slots__ = ("_stack", "count")

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.count = 0

    def add(self, digest: bytes) -> None:
        size, node = 1, leaf_hash(digest)
        while self._stack and self._stack[-1][0] == size:
            _, left = self._stack.pop()
            size, node = size * 2, node_hash(left, node)
        self._stack.append((size, node))
        self.count += 1

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def commitment(records: Iterable[object]) -> tuple[str, int]:
    """Hex root and count over JSON records in order."""
    accumulator = MerkleAccumulator()
    for record in records:
        accumulator.add(record_digest(record))
    return accumulator.root().hex(), accumulator.count
