"""The dataset commitment as the submission verifier recomputes it.

There is one implementation of the tree, :mod:`app.core.datasets.commitment`
(RFC 6962 over SHA-256 of RFC 8785 records): the dataset pipeline commits
with it and the verifier checks with it, so the two cannot drift. This
module keeps the names the submission code and its vectors use, in the
units the specification speaks of (record digests ``d_i`` and a hex root).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.datasets.commitment import MerkleBuilder, dataset_commitment, leaf_hash, record_hash

record_digest = record_hash
"""``d_i = SHA256(JCS(record))``: section 6 of the specification."""


class MerkleAccumulator:
    """Add record digests ``d_i`` in order; read the root at any time; memory O(log n)."""

    __slots__ = ("_builder",)

    def __init__(self) -> None:
        self._builder = MerkleBuilder()

    @property
    def count(self) -> int:
        return self._builder.size

    def add(self, digest: bytes) -> None:
        self._builder.add(leaf_hash(digest))

    def root(self) -> bytes:
        return self._builder.root()


def commitment(records: Iterable[object]) -> tuple[str, int]:
    """Hex root and count over JSON records in order."""
    root, count = dataset_commitment(records)
    return root.hex(), count
