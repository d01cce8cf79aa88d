"""The exact index's C parts answer as their Python references: the table and the filter."""

from __future__ import annotations

import os
import random
from array import array
from hashlib import sha256
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import nativelane, spill
from app.core.datasets.exact_dedupe import ExactDeduper

native = nativelane._NATIVE
pytestmark = pytest.mark.skipif(
    not hasattr(native, "index_add"), reason="the C fast lane is not built"
)


def _keys(values: list[int]) -> bytes:
    return b"".join(sha256(str(value).encode()).digest() for value in values)


def _key_list(values: list[int]) -> list[bytes]:
    return [sha256(str(value).encode()).digest()[:12] for value in values]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=120),
    st.sets(st.integers(0, 119)),
    st.integers(0, 3),
)
def test_the_table_answers_each_key_in_turn_as_a_dict(
    values: list[int], skipped: set[int], grow_at: int
) -> None:
    """First index per key; a skipped key stays out; growing the table keeps every key."""
    table = bytearray(24 * 256)
    blob = _keys(values)
    indices = [7 + position for position in range(len(values))]
    skip = bytearray(len(values))
    for position in skipped:
        if position < len(values):
            skip[position] = 1
    first: dict[int, int] = {}
    expected: list[tuple[int, int]] = []
    for position, value in enumerate(values):
        if skip[position]:
            continue
        if value in first:
            expected.append((position, first[value]))
        else:
            first[value] = indices[position]
    local = array("q", [index - 7 for index in indices])
    used, found = native.index_add(table, 0, blob, 32, 7, local, bytes(skip))
    again = bytearray(24 * 256)
    assert native.index_add(again, 0, blob, 32, 7, None, bytes(skip)) == (used, found)
    assert found == expected
    assert used == len(first)
    if grow_at:
        grown = bytearray(24 * 256 * 2**grow_at)
        native.index_rehash(table, grown)
        table = grown
    for value, index in first.items():
        assert native.index_get(table, sha256(str(value).encode()).digest()) == index
    assert native.index_get(table, sha256(b"never").digest()) is None
    keys, stored, starts = native.index_items(table)
    at_key = range(0, len(keys), 12)
    pairs = {keys[at : at + 12]: v for at, v in zip(at_key, array("Q", stored), strict=True)}
    assert pairs == {sha256(str(v).encode()).digest()[:12]: i for v, i in first.items()}
    prefixes = [keys[at] << 8 | keys[at + 1] for at in at_key]
    assert prefixes == sorted(prefixes)
    start = memoryview(starts).cast("I")
    assert (start[0], start[65536]) == (0, len(prefixes))
    for prefix in set(prefixes):  # each prefix's keys are where starts says
        assert set(prefixes[start[prefix] : start[prefix + 1]]) == {prefix}


def test_the_table_refuses_what_would_not_fit_or_agree() -> None:
    table = bytearray(24 * 4)
    with pytest.raises(ValueError, match="no room"):
        native.index_add(table, 0, _keys([1, 2, 3, 4]), 32, 0, None, None)
    with pytest.raises(ValueError, match="power of two"):
        native.index_add(bytearray(24 * 3), 0, _keys([1]), 32, 0, None, None)
    with pytest.raises(ValueError, match="do not agree"):
        native.index_add(table, 0, _keys([1, 2]), 32, 0, array("q", [0]), None)


def test_a_rehash_into_a_table_no_larger_is_refused() -> None:
    """Rehashing a full table into one as small (or into itself) would probe forever for an
    empty slot, without the GIL: refused instead."""
    full = bytearray(24 * 4)
    native.index_add(full, 0, _keys([1, 2, 3]), 32, 0, None, None)
    for into in (bytearray(24 * 2), bytearray(24 * 4), full):
        with pytest.raises(ValueError, match="larger"):
            native.index_rehash(full, into)
    grown = bytearray(24 * 8)
    native.index_rehash(full, grown)
    assert [native.index_get(grown, key) for key in _key_list([1, 2, 3])] == [0, 1, 2]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3000), st.integers(0, 2**32 - 1), st.sampled_from([12, 16, 32]))
def test_the_filter_sets_and_finds_the_bits_python_does(
    capacity: int, seed: int, stride: int
) -> None:
    rng = random.Random(seed)
    added = rng.randbytes(stride * rng.randint(0, 200))
    asked = added + rng.randbytes(stride * rng.randint(0, 200))
    python, c = spill._Filter(capacity), spill._Filter(capacity)
    if added:
        lows, highs = zip(*spill.probes(added, stride), strict=True)
        python.add(lows, [spill._bits(high) for high in highs])
    native.filter_add(c.words, added, stride)
    assert c.words == python.words
    assert native.filter_maybe(c.words, asked, stride) == python.maybe(spill.probes(asked, stride))


def test_a_deduper_past_its_memory_finds_spilled_keys_through_the_c_filter(tmp_path: Path) -> None:
    keys = [sha256(str(value).encode()).digest()[:12] for value in range(5000)]
    with ExactDeduper(memory_keys=700, spill_dir=tmp_path) as deduper:
        assert deduper._table is not None
        assert deduper.add_many(keys, list(range(5000))) == {}
        assert deduper.spilled >= 4300
        again = deduper.add_many(keys[::250], list(range(5000, 5020)))
        assert again == {at: 250 * at for at in range(20)}
        assert deduper.duplicates == 20
        assert len(deduper) == 5000


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 310), st.integers(0, 310))
def test_lines_are_counted_as_bytes_count_them(data: bytes, start: int, end: int) -> None:
    assert native.count_lines(data, start, end) == data.count(b"\n", start, end)


def test_a_spill_written_a_few_blocks_a_call_and_in_short_writes_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where pwritev takes few buffers or writes less than asked, every block still lands
    where its run says (the rest is written on, not lost)."""
    real = os.pwritev

    def short(fd: int, buffers: list[bytes], offset: int) -> int:
        first = memoryview(buffers[0])
        return real(fd, [first[: max(1, len(first) // 2)]], offset)

    monkeypatch.setattr(spill, "_IOV_MAX", 3)
    monkeypatch.setattr(os, "pwritev", short)
    keys = [sha256(str(value).encode()).digest()[:12] for value in range(3000)]
    with ExactDeduper(memory_keys=500, spill_dir=tmp_path) as deduper:
        assert deduper.add_many(keys, list(range(3000))) == {}
        assert deduper.spilled >= 2500
        again = deduper.add_many(keys[::150], list(range(3000, 3020)))
        assert again == {at: 150 * at for at in range(20)}


@pytest.mark.parametrize(
    ("answer", "bound"), [(16, 16), (1024, 1024), (4096, 1024), (-1, 1024), (ValueError, 16)]
)
def test_pwritev_is_given_no_more_buffers_than_the_system_takes(
    monkeypatch: pytest.MonkeyPatch, answer: int | type[Exception], bound: int
) -> None:
    """A system whose IOV_MAX is below 1024 (POSIX asks for 16) would fail the spill's write
    with EINVAL."""

    def sysconf(name: str) -> int:
        assert name == "SC_IOV_MAX"
        if isinstance(answer, type):
            raise answer(name)
        return answer

    monkeypatch.setattr(os, "sysconf", sysconf)
    assert spill._iov_max() == bound
