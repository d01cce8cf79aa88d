"""Which records go into the schema sketch: every one early in a source, then one in sixteen.

The sketch costs about a JSON parse per record it sees, so past the first
records of each source only a fixed share is sampled. The choice depends on
positions, not chance: the same input gives the same schema whatever the
batching or the number of workers, and the parent (deferred records) and
the workers (everything else) agree on it without talking.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

SCHEMA_EXACT = 10_000
"""Every record among the first of each source goes into the schema sketch, ..."""
SCHEMA_EVERY = 16
"""... then one in this many: the sketch costs about a JSON parse per record it sees."""


def schema_sampled(position: int) -> bool:
    """Whether the record at ``position`` in its source goes into the schema sketch.

    Deterministic (positions, not chance), so the same input gives the same
    schema whatever the batching or the number of workers.
    """
    return position < SCHEMA_EXACT or position % SCHEMA_EVERY == 0


def sampled_offsets(first: int, count: int) -> range | Iterator[int]:
    """Which of ``count`` records in a row from position ``first`` :func:`schema_sampled` picks.

    As offsets from ``first``, in order.
    """
    exact = min(count, max(0, SCHEMA_EXACT - first))
    if exact == count:
        return range(count)
    start = exact + (-(first + exact)) % SCHEMA_EVERY
    return chain(range(exact), range(start, count, SCHEMA_EVERY))
