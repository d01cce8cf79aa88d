"""A JSON Lines batch that C prepared in one call, kept the way C packed it.

``_fastlane.prepare_lines`` (through :func:`.nativelane.prepare_batch`)
parses, normalises, scans and redacts (the PII text lane) and hashes a
whole batch with the GIL released, so that threads prepare batches at once.
What comes back is nearly the stage's result already: the kept lines packed
with their ends, their leaves, the kind codes of their findings. Python's
work here is per batch, not per record: the findings are counted a kind at
a time (each record's own counts only when the parent asks,
:meth:`.BatchResult.counts_at`), and the lines the schema samples are
sketched from their final text, in C too. The few lines C left to Python (a string only the Python
detectors can decide, a float only Python can respell, a bad line) go
through the stage's own per-line path and are spliced in at their place.
"""

from __future__ import annotations

from array import array
from itertools import repeat
from operator import add
from typing import TYPE_CHECKING

import orjson

from app.core.datasets.fastlane import LineReader
from app.core.datasets.nativelane import Prepared
from app.core.datasets.records import JsonObject
from app.core.datasets.schema_sampling import sampled_offsets
from app.core.datasets.stage_findings import merge_counts
from app.core.datasets.stage_io import BatchResult

if TYPE_CHECKING:
    from app.core.datasets.stages import Stage


def take_prepared(stage: Stage, batch: Prepared, result: BatchResult) -> None:
    """Fill ``result`` from ``batch`` (see the module doc); ``stage`` finishes special lines."""
    text_lane = stage.text_lane
    assert text_lane is not None
    if batch.kinds:
        result.kinds = batch.kinds
        result.kind_names = names = text_lane.codes
        kept = result.pii_kept
        for code in set(batch.kinds):
            kind, action = names[code]
            actions = kept.setdefault(kind, {})
            actions[action] = actions.get(action, 0) + batch.kinds.count(code)
    if batch.special:
        _splice(stage, batch, result)
    else:
        count = len(batch.ends)
        result.text, result.ends, result.kind_ends = batch.text, batch.ends, batch.kind_ends
        result.leaves = bytearray(batch.leaves)
        result.local = list(range(count))
        result.count = count
        _sample(batch, result, 0, count)
    result.schema_population = len(result.local)


def _splice(stage: Stage, batch: Prepared, result: BatchResult) -> None:
    """The finished lines as C packed them, each special line's outcome at its place.

    A special line goes through the stage's per-line path on its own; kept,
    its line is inserted, dropped or rejected, it leaves no position. Lines
    C finished keep their bytes; only their ends move by what came before.
    The schema sketch takes the lines in order: each run of finished lines,
    then the special line after it (sketched from its record, as the
    per-line path does).
    """
    text, ends, kind_ends, leaves = batch.text, batch.ends, batch.kind_ends, batch.leaves
    reader = LineReader(batch.batch, families_wanted=stage.scanner.prefilters)
    normalize = stage.normalized
    parts: list[bytes | memoryview] = []
    new_ends, new_kind_ends = array("Q"), array("I")
    new_leaves = bytearray()
    local: list[int] = []
    view = memoryview(text)
    size = index = start = 0  # bytes written; the next record's index; the next line
    lines = len(ends)
    for at in [*batch.special, lines]:
        if at > start:  # lines start..at-1, finished by C
            begin = ends[start - 1] if start else 0
            parts.append(view[begin : ends[at - 1]])
            shift = size - begin
            new_ends.extend(map(add, ends[start:at], repeat(shift)) if shift else ends[start:at])
            new_kind_ends.extend(kind_ends[start:at])
            new_leaves += leaves[32 * start : 32 * at]
            local.extend(range(index, index + at - start))
            index += at - start
            size += ends[at - 1] - begin
            _sample(batch, result, start, at)
        if at == lines:
            break
        start = at + 1
        lane = batch.lane(at, reader, normalize)
        if lane is None:  # a blank line
            continue
        one = BatchResult()
        stage.prepare_lanes([lane], one)
        result.rejections += one.rejections
        result.dropped += one.dropped
        merge_counts(result.pii, one.pii)
        merge_counts(result.pii_kept, one.pii_kept)
        result.schema.merge(one.schema)
        if one.lines:
            line = one.lines[0]
            assert line is not None
            if one.record_pii:
                result.record_pii[len(local)] = one.record_pii[0]
            parts.append(line + b"\n")
            size += len(line) + 1
            new_ends.append(size)
            new_kind_ends.append(kind_ends[at])  # a special line holds no kind code of C's
            new_leaves += one.leaves
            local.append(index)
        index += one.count
    result.text = b"".join(parts)
    result.ends, result.kind_ends, result.leaves = new_ends, new_kind_ends, new_leaves
    result.local = local
    result.count = index


def _sample(batch: Prepared, result: BatchResult, start: int, stop: int) -> None:
    """The schema sketch of the lines ``start`` to ``stop - 1`` it samples, all finished by C.

    Which lines are sampled goes by their place in the source
    (:func:`.schema_sampled`). The sketch reads their final canonical text in
    bulk (:meth:`.SchemaBuilder.add_lines`) and asks a line's original key
    order only when it brings a new column.
    """

    def key_order(line: int) -> list[str]:
        record: JsonObject = orjson.loads(batch.source_line(line))
        return list(record)

    ends = batch.ends
    assert isinstance(ends, memoryview)
    lines = sampled_offsets(batch.first + start, stop - start)
    positions = lines if not start else (start + offset for offset in lines)
    result.schema.add_lines(batch.text, ends, positions, key_order)
