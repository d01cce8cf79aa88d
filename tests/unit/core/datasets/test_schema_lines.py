"""The schema sketch of canonical lines in bulk equals adding each line's record, C lane or not."""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.canonical import MAX_SAFE_INTEGER, canonical_json
from app.core.datasets import nativelane, schema_lines
from app.core.datasets.records import JsonObject, JsonValue
from app.core.datasets.schema import SchemaBuilder, _Distinct, _hash

LANES = [
    pytest.param(
        True,
        id="c",
        marks=pytest.mark.skipif(not nativelane.available(), reason="the C extension is not built"),
    ),
    pytest.param(False, id="python"),
]


@contextmanager
def lane(native: bool) -> Iterator[None]:
    saved = schema_lines.ENABLED
    schema_lines.ENABLED = native
    try:
        yield
    finally:
        schema_lines.ENABLED = saved


def pack(lines: Sequence[bytes]) -> tuple[bytes, array[int]]:
    ends = array("Q")
    total = 0
    for line in lines:
        total += len(line) + 1
        ends.append(total)
    return b"".join(line + b"\n" for line in lines), ends


def reference(
    records: Sequence[JsonObject], positions: Sequence[int], **settings: int
) -> SchemaBuilder:
    """``add`` of each line's parse, its keys in the record's original order."""
    builder = SchemaBuilder(**settings)
    for position in positions:
        parsed = orjson.loads(canonical_json(records[position]))
        builder.add({key: parsed[key] for key in records[position]})
    return builder


def sketched(
    records: Sequence[JsonObject], positions: Sequence[int], native: bool, **settings: int
) -> SchemaBuilder:
    text, ends = pack([canonical_json(record) for record in records])
    with lane(native):
        return SchemaBuilder(**settings).add_lines(
            text, ends, positions, lambda position: list(records[position])
        )


def assert_same(got: SchemaBuilder, want: SchemaBuilder) -> None:
    assert got.result().to_json() == want.result().to_json()
    assert list(got._columns) == list(want._columns)
    for name, column in want._columns.items():
        assert got._columns[name].distinct.exact == column.distinct.exact, name
        assert got._columns[name].distinct.registers == column.distinct.registers, name
        assert got._columns[name].lengths.buckets == column.lengths.buckets, name


KEYS = st.sampled_from(
    ["id", "text", "score", "tags", "é", "z", "a\u2028", 'q"uote', "b\\s", "\x01"]
)
NUMBERS = (
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-7, 1e16, 1e-05, 1e21, 5e-324, 1.7976931348623157e308, 2.5, 0.1, 1e19])
)
SCALARS = (
    st.none()
    | st.booleans()
    | NUMBERS
    | st.text(max_size=12)
    | st.sampled_from(["", "a\nb", '"', "x" * 70])
)
VALUES: st.SearchStrategy[JsonValue] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
RECORDS = st.lists(st.dictionaries(KEYS | st.text(max_size=4), VALUES, max_size=6), max_size=12)


@pytest.mark.parametrize("native", LANES)
@settings(max_examples=60, deadline=None)
@given(records=RECORDS, data=st.data())
def test_lines_sketch_as_their_records_add(
    native: bool, records: list[JsonObject], data: st.DataObject
) -> None:
    chosen = data.draw(st.sets(st.integers(0, max(0, len(records) - 1)))) if records else set()
    positions = sorted(chosen)
    max_columns = data.draw(st.sampled_from([512, 3, 1]))
    cap = data.draw(st.sampled_from([2048, 4]))
    settings_ = {"max_columns": max_columns, "distinct_cap": cap, "precision": 4}
    assert_same(
        sketched(records, positions, native, **settings_),
        reference(records, positions, **settings_),
    )


@pytest.mark.parametrize("native", LANES)
@settings(max_examples=60, deadline=None)
@given(records=RECORDS, cuts=st.lists(st.integers(0, 12), max_size=3))
def test_batches_merged_equal_one_pass(
    native: bool, records: list[JsonObject], cuts: list[int]
) -> None:
    bounds = [0, *sorted(min(cut, len(records)) for cut in cuts), len(records)]
    merged = SchemaBuilder()
    for low, high in pairwise(bounds):
        batch = records[low:high]
        merged.merge(sketched(batch, range(len(batch)), native))
    assert_same(merged, reference(records, range(len(records))))


@given(values=st.lists(NUMBERS, min_size=1, max_size=20))
@example(
    values=[9007199254740991, -9007199254740991, 1e-4, 0.0001234, 123456789.125, 1e300, -1e-300]
)
@settings(max_examples=200, deadline=None)
@pytest.mark.skipif(not nativelane.available(), reason="the C extension is not built")
def test_numbers_hash_and_range_as_python_spells_them(values: list[int | float]) -> None:
    records: list[JsonObject] = [{"v": value} for value in values]
    positions = range(len(records))
    assert_same(sketched(records, positions, True), reference(records, positions))


@pytest.mark.parametrize("native", LANES)
def test_kinds_lengths_and_column_order(native: bool) -> None:
    records: list[JsonObject] = [
        {"s": "héllo", "n": None, "i": 3, "f": 0.5, "b": True, "a": [1, "x"], "o": {"k": 1}},
        {"z": "last", "s": "a\tb", "i": -7, "f": 1e-7, "b": False, "a": [], "o": {}},
        {"s": None, "i": 2.0, "f": 10**15 + 0.125, "m": [1, {"y": [None]}], "🙂": "🙂"},
    ]
    got = sketched(records, [0, 1, 2], native)
    assert_same(got, reference(records, [0, 1, 2]))
    schema = got.result()
    assert [c.name for c in schema.columns] == ["s", "n", "i", "f", "b", "a", "o", "z", "m", "🙂"]
    s = schema.column("s")
    assert s.types == {"null": 1, "string": 2}
    assert s.length is not None
    assert (s.length.min, s.length.max, s.length.count) == (3, 5, 2)
    assert schema.column("i").types == {"integer": 3}  # 2.0 is 2 in canonical text
    assert (schema.column("i").minimum, schema.column("i").maximum) == (-7, 3)
    assert schema.column("f").types == {"number": 3}
    assert schema.column("f").minimum == 1e-7
    smile = schema.column("🙂").length
    assert smile is not None
    assert smile.max == 1
    assert schema.column("b").distinct == 2


def test_c_leaves_what_it_cannot_read_to_python() -> None:
    if not nativelane.available():
        pytest.skip("the C extension is not built")
    from app.core.datasets import _fastlane

    lines = [
        b'{"a":1}',
        b'{"a\\"b":1}',  # a key with an escape
        b"[1]",  # not an object
        b'{"a":-0}',
        b'{"a":12345678901234567890}',  # orjson reads it as a float
        b'{"a":1,"a":2}',
        b'{"a":' + b"[" * 70 + b"]" * 70 + b"}",
        b'{"a":"\\ud800"}',  # a lone surrogate
        b'{"a": 1}',  # not canonical
        b'{"a":[10000000000000000000]}',
        b'{"a":"x\\ny\\u00e9\\ud83d\\ude42"}',  # escapes C decodes
        b'{"a":1}',
    ]
    text, ends = pack(lines)
    columns, slow = _fastlane.sketch_lines(text, ends, array("I", range(len(lines))), 512)
    assert slow == list(range(1, 10))
    assert [(c[0], c[1], c[2]) for c in columns] == [("a", 0, 3)]
    assert columns[0][5] == (1, 5, 5, 5, {5: 1})
    hashes = array("Q")
    hashes.frombytes(columns[0][4])
    assert set(hashes) == {_hash(b"n", b"1"), _hash(b"s", "x\nyé🙂".encode())}


@pytest.mark.parametrize("native", LANES)
def test_bad_positions_are_refused(native: bool) -> None:
    text, ends = pack([b'{"a":1}', b'{"a":2}'])
    builder = SchemaBuilder()
    with lane(native):
        for positions in ([1, 0], [0, 2], [1, 1]):
            with pytest.raises(ValueError, match=r"position|line"):
                builder.add_lines(text, ends, positions, lambda _: ["a"])
        builder = SchemaBuilder()
        with pytest.raises(ValueError, match="not a JSON object"):
            builder.add_lines(*pack([b"[1]"]), [0], lambda _: [])


@pytest.mark.parametrize("native", LANES)
def test_key_order_is_asked_only_for_new_columns(native: bool) -> None:
    records: list[JsonObject] = [{"b": n, "a": str(n)} for n in range(50)]
    records[30]["c"] = True
    asked: list[int] = []

    def key_order(position: int) -> list[str]:
        asked.append(position)
        return list(records[position])

    text, ends = pack([canonical_json(record) for record in records])
    with lane(native):
        builder = SchemaBuilder().add_lines(text, ends, range(50), key_order)
    assert asked == [0, 30]
    assert [c.name for c in builder.result().columns] == ["b", "a", "c"]


def test_the_c_sketch_runs_in_threads_alike() -> None:
    if not nativelane.available():
        pytest.skip("the C extension is not built")
    from app.core.datasets import _fastlane

    lines = [
        canonical_json({"id": n, "text": "word " * (n % 40), "tags": [n % 3]}) for n in range(400)
    ]
    text, ends = pack(lines)
    positions = array("I", range(0, 400, 3))
    want = _fastlane.sketch_lines(text, ends, positions, 512)
    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(_fastlane.sketch_lines(text, ends, positions, 512))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [want] * 4


@given(
    hashes=st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 2**63, 2**64 - 1])),
    precision=st.integers(4, 16),
)
@settings(max_examples=100, deadline=None)
@pytest.mark.skipif(not nativelane.available(), reason="the C extension is not built")
def test_registers_raised_in_c_as_in_python(hashes: list[int], precision: int) -> None:
    from app.core.datasets import _fastlane

    python = _Distinct(0, precision)
    python.add(1)  # past the cap: a sketch
    c = _Distinct(0, precision)
    c.add(1)
    python.add_many(hashes)
    c.add_packed(array("Q", hashes).tobytes(), _fastlane.hll_register)
    assert c.registers == python.registers
    with pytest.raises(ValueError, match="precision"):
        _fastlane.hll_register(bytearray(15), b"", 4)
