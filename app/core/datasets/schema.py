"""Streaming schema inference: what each column holds, in bounded memory, mergeable.

Each worker process builds a :class:`SchemaBuilder` over its share of the
records; the pipeline merges them (:meth:`SchemaBuilder.merge`) and reads the
:class:`Schema`. Merging in any order gives the same answer as one builder
over all records, so the split never shows in the result.

Per column (top-level key): the JSON types seen and how often, the null rate
(null or missing), the number of distinct values, string lengths, and the
range of numbers. Distinct values are counted exactly up to ``distinct_cap``,
then estimated by HyperLogLog (about 1.6 % standard error at the default
precision). Values are hashed with SHA-256 (its first 64 bits), not ``hash()``:
Python's string hash differs between processes and the sketches must agree,
and the C sketch of canonical lines (:meth:`SchemaBuilder.add_lines`,
:mod:`.schema_lines`) computes the same hashes from the text, so a nested value
is hashed over its RFC 8785 canonical text (in a canonical line, its own slice)
and a number over the spelling Python gives it. String lengths go into a
log-bucketed histogram (exact below 64 characters, within 1/16 above), so
quantiles merge exactly and memory stays constant. At most
``max_columns`` columns are tracked; keys beyond are counted, not profiled,
so records with arbitrary keys cannot exhaust memory.
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

from app.core.canonical import NotIJSON, canonical_json
from app.core.datasets.records import JsonValue

if TYPE_CHECKING:
    Packed: TypeAlias = bytes | bytearray | memoryview | array[int]
    """A buffer of packed native integers: ``array('Q')``, or its bytes."""

ColumnKind = Literal["string", "integer", "number", "boolean", "null", "object", "array", "mixed"]
QUANTILES = (0.1, 0.5, 0.9, 0.99)
_SMALL = 64
_SUB_BITS = 3
KINDS = ("null", "string", "boolean", "integer", "number", "array", "object")
"""The kinds in the order of a column summary's counts (``_fastlane.sketch_lines``)."""
ColumnSummary = tuple[
    str,
    int,
    int,
    tuple[int, int, int, int, int, int, int],
    bytes,
    tuple[int, int, int, int, dict[int, int]] | None,
    bytes | None,
    bytes | None,
]
"""One column's sums over a batch of lines: see ``_fastlane.sketch_lines``."""
Register = Callable[[bytearray, bytes, int], None]
"""``_fastlane.hll_register``: :meth:`_Distinct._register_all` over packed hashes, in C."""


def _register_in_c() -> Register | None:
    """``_fastlane.hll_register`` when the extension is built and on (see :mod:`.schema_lines`)."""
    if not _registers:
        from app.core.datasets.schema_lines import native_sketch

        native = native_sketch()
        if native is None:
            return None  # asked again: tests switch the C sketch on and off
        _registers.append(native[1])
    return _registers[0]


_registers: list[Register] = []


@dataclass(frozen=True, slots=True)
class LengthStats:
    """String lengths in characters (code points)."""

    count: int
    min: int
    max: int
    mean: float
    quantiles: dict[str, int]
    """``{"p10": ..., "p50": ..., "p90": ..., "p99": ...}``"""


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """What one column holds."""

    name: str
    kind: ColumnKind
    types: dict[str, int]
    present: int
    nulls: int
    missing: int
    null_rate: float
    distinct: int
    distinct_exact: bool
    length: LengthStats | None
    minimum: int | float | None
    maximum: int | float | None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "kind": self.kind,
            "types": dict(self.types),
            "present": self.present,
            "nulls": self.nulls,
            "missing": self.missing,
            "null_rate": self.null_rate,
            "distinct": self.distinct,
            "distinct_exact": self.distinct_exact,
        }
        if self.length is not None:
            out["length"] = {
                "count": self.length.count,
                "min": self.length.min,
                "max": self.length.max,
                "mean": self.length.mean,
                **self.length.quantiles,
            }
        if self.minimum is not None:
            out["minimum"] = self.minimum
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True, slots=True)
class Schema:
    """The columns of a set of records, in the order they were first seen."""

    records: int
    columns: tuple[ColumnSchema, ...]
    untracked_keys: int
    """Key occurrences beyond ``max_columns`` columns, counted but not profiled."""
    sample_of: int | None = None
    """When the columns are estimated from a sample of ``records``: how many records there were."""

    def column(self, name: str) -> ColumnSchema:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "records": self.records,
            "columns": [column.to_json() for column in self.columns],
            "untracked_keys": self.untracked_keys,
        }
        if self.sample_of is not None:
            out["estimated_from_sample"] = {
                "records": self.records,
                "of": self.sample_of,
                "rule": "every record among the first 10,000 of each source, then 1 in 16",
            }
        return out


class _Distinct:
    """Exact set of 64-bit value hashes up to a cap, then a HyperLogLog sketch."""

    __slots__ = ("cap", "exact", "precision", "registers")

    def __init__(self, cap: int, precision: int) -> None:
        self.cap = cap
        self.precision = precision
        self.exact: set[int] | None = set()
        self.registers: bytearray | None = None

    def add(self, value_hash: int) -> None:
        exact = self.exact
        if exact is not None:
            exact.add(value_hash)
            if len(exact) > self.cap:
                self._to_sketch()
        else:
            self._register(value_hash)

    def add_many(self, value_hashes: Iterable[int]) -> None:
        """:meth:`add` of each, in bulk: a set union, or one loop over the registers."""
        exact = self.exact
        if exact is not None:
            exact.update(value_hashes)
            if len(exact) > self.cap:
                self._to_sketch()
        else:
            self._register_all(value_hashes)

    def add_packed(self, value_hashes: bytes, register: Register | None = None) -> None:
        """:meth:`add_many` of native uint64 hashes; ``register`` raises the registers in C."""
        if self.registers is not None and register is not None:
            register(self.registers, value_hashes, self.precision)
            return
        values = array("Q")
        values.frombytes(value_hashes)
        self.add_many(values)

    def _to_sketch(self) -> None:
        exact = self.exact or set()
        self.exact = None
        self.registers = bytearray(1 << self.precision)
        self._register_all(exact)

    def _register(self, value_hash: int) -> None:
        registers = self.registers
        assert registers is not None
        rest_bits = 64 - self.precision
        slot = value_hash >> rest_bits
        rest = value_hash & ((1 << rest_bits) - 1)
        rank = rest_bits - rest.bit_length() + 1
        if rank > registers[slot]:
            registers[slot] = rank

    def _register_all(self, value_hashes: Iterable[int]) -> None:
        # _register, unrolled: the parent registers every batch's values once it holds a sketch
        # (in C when the extension is built: one call for the whole set).
        registers = self.registers
        assert registers is not None
        register = _register_in_c()
        if register is not None:
            register(registers, array("Q", value_hashes), self.precision)  # type: ignore[arg-type]
            return
        rest_bits = 64 - self.precision
        mask = (1 << rest_bits) - 1
        top = rest_bits + 1
        for value_hash in value_hashes:
            rank = top - (value_hash & mask).bit_length()
            slot = value_hash >> rest_bits
            if rank > registers[slot]:
                registers[slot] = rank

    def merge(self, other: _Distinct) -> None:
        """Fold ``other`` in: the same state as adding its values one by one, in bulk.

        A sketch's registers hold the highest rank of any value per slot, and an
        exact set turns into the sketch of its values once past the cap, so
        the order values arrive in never shows: a set union, then maybe the
        sketch of it, or the other's values registered in one loop.
        """
        theirs = other.exact
        if theirs is not None:
            exact = self.exact
            if exact is None:
                self._register_all(theirs)
            else:
                exact |= theirs
                if len(exact) > self.cap:
                    self._to_sketch()
            return
        if self.exact is not None:
            self._to_sketch()
        assert self.registers is not None
        assert other.registers is not None
        self.registers = bytearray(map(max, self.registers, other.registers))

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def count(self) -> int:
        if self.exact is not None:
            return len(self.exact)
        assert self.registers is not None
        m = len(self.registers)
        alpha = 0.7213 / (1 + 1.079 / m)
        estimate = alpha * m * m / math.fsum(2.0**-r for r in self.registers)
        zeros = self.registers.count(0)
        if estimate <= 2.5 * m and zeros:
            estimate = m * math.log(m / zeros)
        return max(self.cap + 1, round(estimate))


class _Lengths:
    """A log-bucketed histogram of lengths with exact count, sum, min and max."""

    __slots__ = ("buckets", "count", "max", "min", "total")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.count = 0
        self.total = 0
        self.min = -1
        self.max = -1

    def add(self, length: int) -> None:
        bucket = _bucket(length)
        self.buckets[bucket] = self.buckets.get(bucket, 0) + 1
        self.count += 1
        self.total += length
        if self.min < 0 or length < self.min:
            self.min = length
        if length > self.max:
            self.max = length

    def merge(self, other: _Lengths) -> None:
        self.add_summary(other.count, other.total, other.min, other.max, other.buckets)

    def add_summary(
        self, count: int, total: int, low: int, high: int, buckets: Mapping[int, int]
    ) -> None:
        """Fold in ``count`` lengths summing to ``total``, from ``low`` to ``high``, bucketed."""
        mine = self.buckets
        for bucket, many in buckets.items():
            mine[bucket] = mine.get(bucket, 0) + many
        if count:
            self.min = low if self.min < 0 else min(self.min, low)
            self.max = max(self.max, high)
        self.count += count
        self.total += total

    def stats(self) -> LengthStats | None:
        if not self.count:
            return None
        quantiles = {_label(q): self._quantile(q) for q in QUANTILES}
        return LengthStats(self.count, self.min, self.max, self.total / self.count, quantiles)

    def _quantile(self, q: float) -> int:
        rank = q * (self.count - 1)
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen > rank:
                low, high = _bucket_range(bucket)
                middle = (low + high) // 2
                return min(max(middle, self.min), self.max)
        return self.max


def _bucket(length: int) -> int:
    if length < _SMALL:
        return length
    exponent = length.bit_length() - 1
    sub = (length >> (exponent - _SUB_BITS)) & ((1 << _SUB_BITS) - 1)
    return _SMALL + (exponent - 6) * (1 << _SUB_BITS) + sub


def _bucket_range(bucket: int) -> tuple[int, int]:
    if bucket < _SMALL:
        return bucket, bucket
    exponent, sub = divmod(bucket - _SMALL, 1 << _SUB_BITS)
    exponent += 6
    low = ((1 << _SUB_BITS) + sub) << (exponent - _SUB_BITS)
    return low, low + (1 << (exponent - _SUB_BITS)) - 1


def _label(q: float) -> str:
    return f"p{round(q * 100)}"


class _Column:
    __slots__ = ("distinct", "lengths", "maximum", "minimum", "present", "types")

    def __init__(self, cap: int, precision: int) -> None:
        self.present = 0
        self.types: dict[str, int] = {}
        self.distinct = _Distinct(cap, precision)
        self.lengths = _Lengths()
        self.minimum: int | float | None = None
        self.maximum: int | float | None = None

    def add(self, value: JsonValue) -> None:
        self.present += 1
        if value is None:
            kind = "null"
        elif isinstance(value, str):
            kind = "string"
            self.lengths.add(len(value))
            self.distinct.add(_hash(b"s", value.encode("utf-8", "surrogatepass")))
        elif isinstance(value, bool):
            kind = "boolean"
            self.distinct.add(_hash(b"b", b"1" if value else b"0"))
        elif isinstance(value, int | float):
            kind = "integer" if isinstance(value, int) else "number"
            self._number(value)
        else:
            kind = "array" if isinstance(value, list) else "object"
            self.distinct.add(_hash(b"j", _nested_text(value)))
        self.types[kind] = self.types.get(kind, 0) + 1

    def add_summary(self, summary: ColumnSummary, register: Register | None = None) -> None:
        """Fold in a batch's sums for this column (``_fastlane.sketch_lines``)."""
        _, _, present, kinds, hashes, lengths, low, high = summary
        self.present += present
        types = self.types
        for kind, count in zip(KINDS, kinds, strict=True):
            if count:
                types[kind] = types.get(kind, 0) + count
        if hashes:
            self.distinct.add_packed(hashes, register)
        if lengths is not None:
            self.lengths.add_summary(*lengths)
        if low is not None and high is not None:
            self._range(_token_number(low), _token_number(high))

    def _range(self, low: int | float, high: int | float) -> None:
        if self.minimum is None or low < self.minimum:
            self.minimum = low
        if self.maximum is None or high > self.maximum:
            self.maximum = high

    def _number(self, value: int | float) -> None:
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            spelled = str(int(value))
        else:
            spelled = repr(value)
        self.distinct.add(_hash(b"n", spelled.encode("ascii")))
        if self.minimum is None or value < self.minimum:
            self.minimum = value
        if self.maximum is None or value > self.maximum:
            self.maximum = value

    def merge(self, other: _Column) -> None:
        self.present += other.present
        for kind, count in other.types.items():
            self.types[kind] = self.types.get(kind, 0) + count
        self.distinct.merge(other.distinct)
        self.lengths.merge(other.lengths)
        if other.minimum is not None and other.maximum is not None:
            self._range(other.minimum, other.maximum)

    def result(self, name: str, records: int) -> ColumnSchema:
        nulls = self.types.get("null", 0)
        missing = records - self.present
        return ColumnSchema(
            name=name,
            kind=_kind(self.types),
            types=dict(sorted(self.types.items())),
            present=self.present,
            nulls=nulls,
            missing=missing,
            null_rate=(nulls + missing) / records if records else 0.0,
            distinct=self.distinct.count(),
            distinct_exact=self.distinct.is_exact,
            length=self.lengths.stats(),
            minimum=self.minimum,
            maximum=self.maximum,
        )


def _hash(tag: bytes, data: bytes) -> int:
    """The first 64 bits of SHA-256(tag || data), as the C sketch computes them."""
    return int.from_bytes(hashlib.sha256(tag + data).digest()[:8], "big")


def _nested_text(value: JsonValue) -> bytes:
    """What a nested value is hashed over: its canonical text, as a canonical line holds it."""
    try:
        return canonical_json(value)
    except NotIJSON:  # not I-JSON (a big integer, NaN from a table): never in a canonical line
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8", "surrogatepass")


def _token_number(token: bytes) -> int | float:
    """A canonical number token as orjson reads it."""
    if b"." in token or b"e" in token or b"E" in token:
        return float(token)
    return int(token)


def _kind(types: Mapping[str, int]) -> ColumnKind:
    seen = {kind for kind, count in types.items() if count and kind != "null"}
    if not seen:
        return "null"
    if seen <= {"integer", "number"}:
        return "integer" if seen == {"integer"} else "number"
    if len(seen) == 1:
        only = seen.pop()
        assert only in ("string", "boolean", "object", "array")
        return only  # type: ignore[return-value]
    return "mixed"


class SchemaBuilder:
    """Accumulates a schema record by record; merge builders from other processes.

    Picklable, so a worker can send its builder back. Builders to be merged
    must use the same ``distinct_cap`` and ``precision``.
    """

    __slots__ = ("_columns", "distinct_cap", "max_columns", "precision", "records", "untracked")

    def __init__(
        self, *, distinct_cap: int = 2048, max_columns: int = 512, precision: int = 12
    ) -> None:
        if not 4 <= precision <= 16:
            raise ValueError("precision must be between 4 and 16")
        self.distinct_cap = distinct_cap
        self.max_columns = max_columns
        self.precision = precision
        self.records = 0
        self.untracked = 0
        self._columns: dict[str, _Column] = {}

    def add(self, record: Mapping[str, JsonValue]) -> None:
        self.records += 1
        columns = self._columns
        for key, value in record.items():
            column = columns.get(key)
            if column is None:
                if len(columns) >= self.max_columns:
                    self.untracked += 1
                    continue
                column = columns[key] = _Column(self.distinct_cap, self.precision)
            column.add(value)

    def add_all(self, records: Iterable[Mapping[str, JsonValue]]) -> SchemaBuilder:
        for record in records:
            self.add(record)
        return self

    def add_lines(
        self,
        text: bytes | bytearray | memoryview,
        ends: Packed,
        positions: Iterable[int],
        key_order: Callable[[int], Sequence[str]],
    ) -> SchemaBuilder:
        """:meth:`add` of the records of some canonical lines of a batch, in bulk; returns self.

        ``text`` holds the batch's RFC 8785 canonical lines, each followed by a line
        break; line ``k`` ends (after its line break) at ``ends[k]`` (native uint64:
        ``array('Q')`` or its bytes). ``positions`` are the lines to add, ascending
        (any iterable, such as ``schema_sampling.sampled_offsets``; an ``array('I')`` is
        passed to C as it is). ``key_order(position)`` gives
        the keys of the line's record in their original order: canonical text sorts
        keys, the builder lists columns in the order records first showed them; it
        is asked only for a line that brings a column new to the builder.

        The same as ``add(record)`` for each line's parse with its keys in that
        order (a property test holds it). A whole float (``2.0``) is an integer in
        canonical text, so it counts as an integer here. With the C extension built,
        the lines are summed up per column without the GIL (:mod:`.schema_lines`).
        """
        from app.core.datasets.schema_lines import add_lines

        add_lines(self, text, ends, positions, key_order)
        return self

    def merge(self, other: SchemaBuilder) -> SchemaBuilder:
        """Fold ``other`` into this builder (``other`` is left as it was); returns self."""
        if (other.distinct_cap, other.precision) != (self.distinct_cap, self.precision):
            raise ValueError("schema builders with different settings cannot be merged")
        self.records += other.records
        self.untracked += other.untracked
        for key, theirs in other._columns.items():
            mine = self._columns.get(key)
            if mine is None:
                if len(self._columns) >= self.max_columns:
                    self.untracked += theirs.present
                    continue
                mine = self._columns[key] = _Column(self.distinct_cap, self.precision)
            mine.merge(theirs)
        return self

    def result(self, population: int | None = None) -> Schema:
        """The schema; ``population`` is the number of records the sketch sampled, if it did."""
        columns = tuple(column.result(name, self.records) for name, column in self._columns.items())
        sample_of = population if population is not None and population > self.records else None
        return Schema(self.records, columns, self.untracked, sample_of)


def infer_schema(records: Iterable[Mapping[str, JsonValue]]) -> Schema:
    """The schema of ``records`` in one pass (a builder, added to and read)."""
    return SchemaBuilder().add_all(records).result()
