"""Duplicate clusters: what both detectors report and what the user's review decides.

Exact and near duplicates end in the same shape, a kept representative
and the records that repeat it, so the report, the review wizard and the
prepare treat both alike; kept apart from the detectors, which the report
and the review never need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class DuplicateMember:
    index: int
    similarity: float
    """Estimated Jaccard similarity to the representative (1.0 for exact duplicates)."""


@dataclass(frozen=True, slots=True)
class DuplicateCluster:
    """Records found to duplicate one earlier record, the representative, which is kept."""

    kind: Literal["exact", "near"]
    representative: int
    members: tuple[DuplicateMember, ...]

    @property
    def indices(self) -> tuple[int, ...]:
        return (self.representative, *(member.index for member in self.members))


def removals(
    clusters: Iterable[DuplicateCluster],
    *,
    keep: Collection[int] = (),
    drop: Collection[int] = (),
) -> set[int]:
    """Record indices to leave out: every non-representative, after the user's review.

    ``keep`` holds records the user kept anyway, ``drop`` representatives
    they removed too (say, to keep a later, better member instead).
    """
    dropped: set[int] = set()
    for cluster in clusters:
        for member in cluster.members:
            if member.index not in keep:
                dropped.add(member.index)
        if cluster.representative in drop:
            dropped.add(cluster.representative)
    return dropped


def cluster_pairs(
    pairs: Iterable[tuple[int, int, float]], kind: Literal["exact", "near"]
) -> list[DuplicateCluster]:
    """(duplicate, representative, similarity) triples as clusters, by representative."""
    groups: dict[int, list[DuplicateMember]] = defaultdict(list)
    for index, representative, similarity in pairs:
        groups[representative].append(DuplicateMember(index, similarity))
    return [
        DuplicateCluster(kind, representative, tuple(members))
        for representative, members in sorted(groups.items())
    ]
