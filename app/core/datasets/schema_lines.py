"""The schema sketch of a batch's sampled canonical lines: summed up in C, folded in per column.

The prepare keeps each batch's records as RFC 8785 canonical lines packed in
one buffer. Parsing them back into Python objects only to sketch them cost
about 48 us a record (a hash, a Python call and often a ``json.dumps`` per
value). ``_fastlane.sketch_lines`` reads the lines themselves, without the
GIL, and gives one summary per column for the whole batch (how often present,
the kinds, the distinct value hashes, string lengths already bucketed, the
range of numbers), which :func:`add_lines` folds into the builder: Python
work per column, not per record. The lines C leaves (a lone surrogate, a
line that is not an object, a column past ``max_columns``...) come back by
position and are sketched from their parse.

Canonical lines sort their keys, but a builder lists columns in the order
records first showed them. So the columns new to the builder are opened
first, in the order the records would have opened them (by position, then by
the record's original key order, ``key_order``, asked once per such position),
and the sums are folded into them after: the builder ends as if each record
had been added in turn, whatever was summed in C.

Without the extension (or with ``TESSERA_NO_NATIVE=1``, or :data:`ENABLED`
off), each line is parsed with orjson and added, its keys put back in their
original order when it brings a new column.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

import orjson

from app.core.datasets.records import JsonObject

if TYPE_CHECKING:
    from app.core.datasets.schema import ColumnSummary, Packed, Register, SchemaBuilder

KeyOrder = Callable[[int], Sequence[str]]
"""A line's position -> the keys of its record in their original order."""
ENABLED = os.environ.get("TESSERA_NO_NATIVE", "") in ("", "0")
"""Whether :func:`add_lines` uses the C sketch when it is built (tests flip it)."""


class _SketchLines(Protocol):
    def __call__(
        self,
        text: bytes | bytearray | memoryview,
        ends: Packed,
        positions: Packed,
        max_columns: int,
        /,
    ) -> tuple[list[ColumnSummary], list[int]]: ...


_native: list[tuple[_SketchLines, Register] | None] = []  # looked up once, on first use


def native_sketch() -> tuple[_SketchLines, Register] | None:
    """``_fastlane.sketch_lines`` and ``hll_register`` when the extension is built, current
    and :data:`ENABLED`.

    Looked up on first use: :mod:`.nativelane` (which checks the build is not
    stale) costs an import this module should not impose on every reader of
    schemas.
    """
    if not ENABLED:
        return None
    if not _native:
        from app.core.datasets import nativelane

        found: tuple[_SketchLines, Register] | None = None
        if nativelane.available():
            from app.core.datasets import _fastlane

            sketch = getattr(_fastlane, "sketch_lines", None)  # None: built before them
            register = getattr(_fastlane, "hll_register", None)
            if sketch is not None and register is not None:
                found = sketch, register
        _native.append(found)
    return _native[0]


def add_lines(
    builder: SchemaBuilder,
    text: bytes | bytearray | memoryview,
    ends: Packed,
    positions: Iterable[int],
    key_order: KeyOrder,
) -> None:
    """:meth:`.SchemaBuilder.add_lines` (see there)."""
    native = native_sketch()
    offsets = _offsets(ends)
    if native is None:
        _add_parsed(builder, text, offsets, positions, key_order)
        return
    sketch, register = native
    wanted = (
        positions
        if isinstance(positions, array) and positions.typecode == "I"
        else array("I", positions)
    )
    summaries, slow = sketch(text, ends, wanted, builder.max_columns)
    records = [(position, _record(text, offsets, position)) for position in slow]
    builder.records += len(wanted)
    columns = builder._columns
    fresh: dict[str, int] = {}  # new column -> the first position it shows in
    for summary in summaries:
        if summary[0] not in columns:
            fresh[summary[0]] = summary[1]
    for position, record in records:
        for key in record:
            if key not in columns and fresh.get(key, position + 1) > position:
                fresh[key] = position
    if fresh and len(columns) < builder.max_columns:
        _open_columns(builder, fresh, key_order)
    for summary in summaries:
        column = columns.get(summary[0])
        if column is None:
            builder.untracked += summary[2]
        else:
            column.add_summary(summary, register)
    for _, record in records:
        for key, value in record.items():
            column = columns.get(key)
            if column is None:
                builder.untracked += 1
            else:
                column.add(value)


def _open_columns(builder: SchemaBuilder, fresh: dict[str, int], key_order: KeyOrder) -> None:
    """Open the new columns that fit, in the order adding the records in turn would."""
    from app.core.datasets.schema import _Column

    orders: dict[int, dict[str, int]] = {}

    def place(name: str) -> tuple[int, int]:
        position = fresh[name]
        order = orders.get(position)
        if order is None:
            order = orders[position] = {key: k for k, key in enumerate(key_order(position))}
        return position, order.get(name, len(order))

    columns = builder._columns
    for name in sorted(fresh, key=place):
        if len(columns) >= builder.max_columns:
            break
        columns[name] = _Column(builder.distinct_cap, builder.precision)


def _add_parsed(
    builder: SchemaBuilder,
    text: bytes | bytearray | memoryview,
    offsets: memoryview,
    positions: Iterable[int],
    key_order: KeyOrder,
) -> None:
    columns = builder._columns
    previous = -1
    for position in positions:
        if position <= previous:
            raise ValueError("schema: the positions of lines to sketch must ascend")
        previous = position
        record = _record(text, offsets, position)
        if len(columns) < builder.max_columns and not columns.keys() >= record.keys():
            record = _reordered(record, key_order(position))
        builder.add(record)


def _reordered(record: JsonObject, order: Sequence[str]) -> JsonObject:
    out = {key: record[key] for key in order if key in record}
    if len(out) < len(record):
        out.update(record)  # keys the order missed, after it
    return out


def _offsets(ends: Packed) -> memoryview:
    view = memoryview(ends)
    return view if view.format == "Q" else view.cast("B").cast("Q")


def _record(text: bytes | bytearray | memoryview, offsets: memoryview, position: int) -> JsonObject:
    if not 0 <= position < len(offsets):
        raise ValueError(f"schema: line {position} is past the batch's {len(offsets)} lines")
    start = offsets[position - 1] if position else 0
    record = orjson.loads(text[start : offsets[position] - 1])
    if not isinstance(record, dict):
        raise ValueError(f"schema: line {position} of the batch is not a JSON object")
    return record
