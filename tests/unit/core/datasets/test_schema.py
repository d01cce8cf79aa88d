"""Schema inference: kinds, null rates, distinct counts, lengths; merging equals one pass."""

from __future__ import annotations

import pickle
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.schema import SchemaBuilder, _Distinct, infer_schema


def test_kinds_nulls_and_ranges() -> None:
    records = [
        {"s": "abc", "i": 1, "f": 1.5, "b": True, "o": {"x": 1}, "a": [1], "m": 1, "z": None},
        {"s": "de", "i": 2, "f": 2, "b": False, "o": {"x": 1}, "a": [], "m": "one", "z": None},
        {"s": None, "i": -5, "f": -0.5, "b": True, "a": [1]},
    ]
    schema = infer_schema(records)
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds == {
        "s": "string",
        "i": "integer",
        "f": "number",
        "b": "boolean",
        "o": "object",
        "a": "array",
        "m": "mixed",
        "z": "null",
    }
    assert schema.records == 3
    s = schema.column("s")
    assert (s.present, s.nulls, s.missing, s.null_rate) == (3, 1, 0, 1 / 3)
    o = schema.column("o")
    assert (o.present, o.missing, o.null_rate, o.distinct) == (2, 1, 1 / 3, 1)
    i = schema.column("i")
    assert (i.minimum, i.maximum, i.distinct, i.distinct_exact) == (-5, 2, 3, True)
    assert schema.column("f").types == {"integer": 1, "number": 2}
    assert schema.column("a").distinct == 2
    assert schema.column("b").distinct == 2
    assert s.length is not None
    assert (s.length.count, s.length.min, s.length.max, s.length.mean) == (2, 2, 3, 2.5)
    assert schema.column("i").length is None
    with pytest.raises(KeyError):
        schema.column("nope")


def test_distinct_treats_equal_numbers_as_one_and_types_apart() -> None:
    schema = infer_schema([{"v": 1}, {"v": 1.0}, {"v": "1"}, {"v": True}, {"v": [1]}, {"v": "1"}])
    assert schema.column("v").distinct == 4


def test_lengths_exact_below_64_and_close_above() -> None:
    lengths = [n % 50 for n in range(1000)]
    schema = infer_schema({"t": "x" * n} for n in lengths)
    stats = schema.column("t").length
    assert stats is not None
    ordered = sorted(lengths)
    assert stats.quantiles["p50"] == ordered[int(0.5 * 999)]
    assert stats.quantiles["p90"] == ordered[int(0.9 * 999)]

    long = [100 + 37 * n for n in range(2000)]
    stats = infer_schema({"t": "y" * n} for n in long).column("t").length
    assert stats is not None
    assert stats.max == max(long)
    assert stats.min == 100
    assert stats.mean == pytest.approx(statistics.mean(long))
    for label, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        exact = sorted(long)[int(q * (len(long) - 1))]
        assert abs(stats.quantiles[label] - exact) <= exact / 16 + 1, label


def test_distinct_estimate_beyond_the_cap() -> None:
    builder = SchemaBuilder(distinct_cap=1000)
    for n in range(100_000):
        builder.add({"id": f"user-{n}", "bucket": n % 10})
    schema = builder.result()
    ids = schema.column("id")
    assert not ids.distinct_exact
    assert abs(ids.distinct - 100_000) < 5_000
    assert schema.column("bucket").distinct == 10
    assert schema.column("bucket").distinct_exact


def test_merge_of_overlapping_sketches() -> None:
    first = SchemaBuilder(distinct_cap=100).add_all({"k": n} for n in range(0, 30_000))
    second = SchemaBuilder(distinct_cap=100).add_all({"k": n} for n in range(20_000, 50_000))
    merged = first.merge(second).result().column("k")
    assert abs(merged.distinct - 50_000) < 2_500
    assert merged.present == 60_000


def test_max_columns_bounds_memory() -> None:
    builder = SchemaBuilder(max_columns=3)
    for n in range(100):
        builder.add({f"key{n}": n, "a": 1})
    schema = builder.result()
    assert [c.name for c in schema.columns] == ["key0", "a", "key1"]
    assert schema.untracked_keys == 98


def test_builder_pickles_and_json_is_plain() -> None:
    builder = SchemaBuilder().add_all({"t": "x" * n, "n": n} for n in range(5000))
    clone = pickle.loads(pickle.dumps(builder))  # noqa: S301 (our own bytes)
    assert clone.result() == builder.result()
    data = builder.result().to_json()
    import json

    assert json.loads(json.dumps(data)) == data
    assert data["columns"][0]["length"]["p50"] > 0  # type: ignore[index]


def test_mismatched_builders_refuse_to_merge() -> None:
    with pytest.raises(ValueError, match="different settings"):
        SchemaBuilder(distinct_cap=10).merge(SchemaBuilder(distinct_cap=20))
    with pytest.raises(ValueError, match="precision"):
        SchemaBuilder(precision=30)


def test_empty() -> None:
    schema = infer_schema([])
    assert (schema.records, schema.columns) == (0, ())
    schema = infer_schema([{}, {"a": None}])
    assert schema.column("a").null_rate == 1.0
    assert schema.column("a").length is None


_VALUE = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([0.5, 2.0, -1.25])
    | st.text("abc", max_size=80)
    | st.lists(st.integers(0, 2), max_size=2)
)
_RECORDS = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), _VALUE, max_size=4), max_size=40
)


@settings(max_examples=80, deadline=None)
@given(parts=st.lists(_RECORDS, min_size=1, max_size=4), cap=st.sampled_from([3, 1000]))
def test_merging_in_any_split_equals_one_pass(
    parts: list[list[dict[str, object]]], cap: int
) -> None:
    whole = SchemaBuilder(distinct_cap=cap)
    for part in parts:
        whole.add_all(part)  # type: ignore[arg-type]
    merged = SchemaBuilder(distinct_cap=cap)
    for part in reversed(parts):
        merged.merge(SchemaBuilder(distinct_cap=cap).add_all(part))  # type: ignore[arg-type]
    one, other = whole.result(), merged.result()
    assert one.records == other.records
    assert {c.name: c for c in one.columns} == {c.name: c for c in other.columns}


_HASHES = st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=120)


@settings(max_examples=150, deadline=None)
@given(
    batches=st.lists(_HASHES, max_size=6),
    cap=st.sampled_from([0, 3, 50, 2048]),
    precision=st.sampled_from([4, 12]),
)
def test_distinct_merged_in_bulk_equals_values_added_one_by_one(
    batches: list[list[int]], cap: int, precision: int
) -> None:
    # The parent folds each batch's sketch in at once; its state must be what adding every
    # value of every batch in turn gives (the same exact set, or the same registers).
    one_by_one = _Distinct(cap, precision)
    merged = _Distinct(cap, precision)
    for batch in batches:
        part = _Distinct(cap, precision)
        for value_hash in batch:
            part.add(value_hash)
            one_by_one.add(value_hash)
        before = (None if part.exact is None else set(part.exact), part.registers)
        merged.merge(part)
        assert (part.exact, part.registers) == before  # the other is left as it was
    assert merged.exact == one_by_one.exact
    assert merged.registers == one_by_one.registers
    assert merged.count() == one_by_one.count()
