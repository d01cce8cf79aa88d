"""A stage's batch result read the same way whichever form the stage kept it in.

A batch the C lane prepared whole comes back packed (``text`` and ``ends``)
with its findings as kind codes; one that went line by line comes as a list
of lines with a dict of counts. Tests that compare two paths compare these.
"""

from __future__ import annotations

from app.core.datasets.stage_io import BatchResult


def kept_lines(result: BatchResult) -> list[bytes | None]:
    """Each kept position's line (None: deferred), packed or not."""
    if result.lines:
        return list(result.lines)
    return [result.line(position) for position in range(len(result.local))]


def record_counts(result: BatchResult) -> dict[int, dict[str, dict[str, int]]]:
    """The findings counted in each kept record that holds any, by position."""
    return {at: counts for at in range(len(result.local)) if (counts := result.counts_at(at))}
