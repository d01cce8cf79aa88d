"""Inclusion and consistency proofs over the dataset commitment (RFC 9162 section 2.1).

Kept apart from the tree itself (:mod:`app.core.datasets.commitment`)
because a prepare never needs them: they are made on request, from the
stored leaf hashes, and checked by anyone holding a root. A proof is rare,
so it hashes every leaf once rather than storing interior nodes; that pass
can take a while over millions of records, hence the cancel and progress.

A proof checked against a root shows a record is in *that* tree; the signed
manifest carries the record count too, and a verifier must compare both,
since the same path can fit trees of different sizes.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.datasets.commitment import EMPTY_ROOT, HASH_SIZE, MerkleBuilder, node_hash
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, ProgressEvent

_CHECK_EVERY = 1 << 16


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
