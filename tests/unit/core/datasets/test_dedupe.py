"""Exact and near-duplicate detection."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import random
import struct
from concurrent.futures import ProcessPoolExecutor
from hashlib import sha256
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import exact_dedupe, nativelane
from app.core.datasets.dedupe import (
    MinHashParams,
    NearDuplicateIndex,
    NearMatch,
    _BandTable,
    estimate_similarity,
    lsh_parameters,
    minhash,
    minhash_batch,
    record_text,
    shingles,
)
from app.core.datasets.duplicate_clusters import DuplicateCluster, DuplicateMember, removals
from app.core.datasets.exact_dedupe import EXACT_KEY_SIZE, ExactDeduper, exact_key
from app.core.datasets.spill import SpillDamaged, SpilledKeys, probes
from app.core.errors import StorageError

# -- exact -------------------------------------------------------------------------


def test_exact_key_ignores_key_order_and_number_spelling() -> None:
    assert exact_key({"a": 1, "b": [2.0]}) == exact_key({"b": [2], "a": 1})
    assert exact_key({"a": 1}) != exact_key({"a": 2})
    assert len(exact_key({})) == EXACT_KEY_SIZE


@settings(max_examples=100)
@given(st.lists(st.integers(0, 40), max_size=300), st.integers(1, 64))
def test_exact_deduper_matches_a_dictionary(values: list[int], capacity: int) -> None:
    deduper = ExactDeduper(capacity)
    first_seen: dict[int, int] = {}
    expected_pairs: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        answer = deduper.add(index, exact_key({"v": value}))
        if value in first_seen:
            assert answer == first_seen[value]
            expected_pairs.append((index, first_seen[value]))
        else:
            assert answer is None
            first_seen[value] = index
    assert len(deduper) == len(first_seen)
    assert deduper.duplicates == len(expected_pairs)
    clusters = deduper.clusters()
    assert all(cluster.kind == "exact" for cluster in clusters)
    assert sorted(
        (member.index, cluster.representative) for cluster in clusters for member in cluster.members
    ) == sorted(expected_pairs)
    assert all(member.similarity == 1.0 for cluster in clusters for member in cluster.members)
    assert [cluster.representative for cluster in clusters] == sorted(
        {first for _, first in expected_pairs}
    )


@settings(max_examples=100)
@given(
    st.lists(st.lists(st.integers(0, 30), max_size=40), max_size=8),
    st.integers(1, 64),
    st.integers(0, 3),
)
def test_a_batch_of_leaves_is_deduplicated_as_one_by_one(
    batches: list[list[int]], capacity: int, gap: int
) -> None:
    one, many = ExactDeduper(capacity), ExactDeduper(capacity)
    base = 0
    for values in batches:
        local = [position * (gap + 1) for position in range(len(values))]
        leaves = b"".join(sha256(str(value).encode()).digest() for value in values)
        expected = {}
        for position, offset in enumerate(local):
            first = one.add(base + offset, leaves[32 * position : 32 * position + 32])
            if first is not None:
                expected[position] = first
        assert many.add_leaves(base, local, leaves) == expected
        base += (local[-1] + 1) if local else 0
    assert len(many) == len(one)
    assert many.duplicates == one.duplicates
    assert many.clusters() == one.clusters()
    with pytest.raises(ValueError, match="32-byte"):
        many.add_leaves(0, [0], bytes(16))
    with pytest.raises(ValueError, match="start at 0"):
        many.add_leaves(-1, [0], bytes(32))


@pytest.mark.parametrize("table", [True, False], ids=["C table", "dict"])
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 60), max_size=50), max_size=10),
    st.integers(1, 9),
    st.integers(1, 64),
)
def test_a_bounded_deduper_that_spills_equals_a_plain_dictionary(
    table: bool, batches: list[list[int]], memory_keys: int, capacity: int
) -> None:
    """Whatever spills to disk, each record is answered as a dict of first indices would."""
    first_seen: dict[int, int] = {}
    expected_pairs: list[tuple[int, int]] = []
    saved, exact_dedupe.NATIVE_TABLE = exact_dedupe.NATIVE_TABLE, table
    try:
        deduper = ExactDeduper(capacity, memory_keys=memory_keys)
    finally:
        exact_dedupe.NATIVE_TABLE = saved
    assert (deduper._table is not None) == (table and nativelane.available())
    with deduper:
        base = 0
        for number, values in enumerate(batches):
            leaves = b"".join(sha256(str(value).encode()).digest() for value in values)
            expected: dict[int, int] = {}
            for position, value in enumerate(values):
                if value in first_seen:
                    expected[position] = first_seen[value]
                    expected_pairs.append((base + position, first_seen[value]))
                else:
                    first_seen[value] = base + position
            local = list(range(len(values)))
            if number % 2:
                answer = deduper.add_leaves(base, local, bytearray(leaves))
            else:
                keys = [leaves[at : at + 12] for at in range(0, len(leaves), 32)]
                answer = deduper.add_many(keys, [base + position for position in local])
            assert list(answer.items()) == list(expected.items())  # in stream order
            base += len(values)
        assert len(deduper) == len(first_seen)
        assert deduper.duplicates == len(expected_pairs)
        assert deduper.spilled >= len(first_seen) - memory_keys
        pairs = [(m.index, c.representative) for c in deduper.clusters() for m in c.members]
        assert sorted(pairs) == sorted(expected_pairs)


def test_the_spill_file_has_no_name_and_holds_no_key_in_the_clear(tmp_path: Path) -> None:
    keys = [sha256(str(value).encode()).digest()[:12] for value in range(3000)]
    with ExactDeduper(memory_keys=100, spill_dir=tmp_path) as deduper:
        assert deduper.add_many(keys, list(range(3000))) == {}
        assert deduper.spilled == 3000
        assert list(tmp_path.iterdir()) == []  # unnamed: a crash leaves nothing either
        spilled = deduper._spilled
        assert spilled is not None
        fd = spilled._fd
        content = os.pread(fd, 1 << 24, 0)
        assert len(content) > 3000 * 20
        assert not any(key[:8] in content for key in keys)
        assert deduper.add_many(keys[::-1][:5], [3000, 3001, 3002, 3003, 3004]) == {
            0: 2999,
            1: 2998,
            2: 2997,
            3: 2996,
            4: 2995,
        }
    assert spilled._file.closed


def test_a_damaged_spill_file_is_an_error_not_a_wrong_answer(tmp_path: Path) -> None:
    with SpilledKeys(12, directory=tmp_path) as spilled:
        keys = sorted(sha256(bytes([n])).digest()[:12] for n in range(40))
        spilled.spill(keys, [0] * len(keys))
        assert spilled.find(keys[0]) == 0
        os.pwrite(spilled._fd, b"\xff", 7)
        with pytest.raises(SpillDamaged, match="damaged"):
            spilled.find(keys[0])


def test_a_spill_folder_that_cannot_be_written_is_a_storage_error(tmp_path: Path) -> None:
    deduper = ExactDeduper(memory_keys=1, spill_dir=tmp_path / "gone")
    with pytest.raises(StorageError, match="duplicate index"):
        deduper.add_many([bytes(12)], [0])
    deduper.close()


def test_spilled_keys_are_found_in_every_run_and_block_and_others_are_not() -> None:
    rng = random.Random(5)
    runs = [[rng.randbytes(12) for _ in range(size)] for size in (1, 700, 1500, 3)]
    with SpilledKeys(12, expected=600) as spilled:
        for number, run in enumerate(runs):
            spilled.spill(run, [number << 40] * len(run))
        assert spilled.count == sum(map(len, runs))
        for number, run in enumerate(runs):
            for key in run:
                assert spilled.find(key) == number << 40
        everything = b"".join(key for run in runs for key in run)
        assert spilled.maybe(probes(everything, 12)) == list(range(spilled.count))
        others = rng.randbytes(12 * 20_000)
        maybe = spilled.maybe(probes(others, 12))
        assert len(maybe) < 200  # the filter rules out nearly every key never spilled
        assert all(spilled.find(others[12 * at : 12 * at + 12]) is None for at in maybe)


def test_exact_deduper_grows_past_many_keys() -> None:
    deduper = ExactDeduper(4)
    for index in range(5000):
        assert deduper.add_record(index, {"n": index}) is None
    assert deduper.add_record(5000, {"n": 4321}) == 4321
    assert len(deduper) == 5000


def test_exact_deduper_needs_sixteen_bytes_and_an_index() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        ExactDeduper().add(0, b"short")
    with pytest.raises(ValueError, match="start at 0"):
        ExactDeduper().add(-1, bytes(16))


def test_removals_follow_the_review() -> None:
    clusters = [
        DuplicateCluster("exact", 0, (DuplicateMember(3, 1.0), DuplicateMember(5, 1.0))),
        DuplicateCluster("near", 1, (DuplicateMember(4, 0.9),)),
    ]
    assert clusters[0].indices == (0, 3, 5)
    assert removals(clusters) == {3, 4, 5}
    # Keep record 4 instead of its representative 1.
    assert removals(clusters, keep={4}, drop={1}) == {1, 3, 5}


# -- MinHash -------------------------------------------------------------------------

PARAMS = MinHashParams()
_rng = random.Random(7)
VOCAB = ["".join(_rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(3000)]


def _text(rng: random.Random, words: int = 170) -> list[str]:
    return [rng.choice(VOCAB) for _ in range(words)]


def _jaccard(first: str, second: str, params: MinHashParams = PARAMS) -> float:
    a, b = set(shingles(first, params)), set(shingles(second, params))
    return len(a & b) / len(a | b)


def test_params_are_checked_and_picklable() -> None:
    for bad in (
        {"num_perm": 100},
        {"shingle": "line"},
        {"shingle_size": 0},
        {"seed": -1},
    ):
        with pytest.raises(ValueError, match="must"):
            MinHashParams(**bad)  # type: ignore[arg-type]
    params = MinHashParams(num_perm=64, shingle="char", shingle_size=4, seed=9)
    assert pickle.loads(pickle.dumps(params)) == params  # noqa: S301 (our own bytes)
    assert params.signature_size == 256


def test_word_shingles_ignore_case_and_punctuation() -> None:
    assert list(shingles("Hello, World! How are_you", PARAMS)) == [
        b"hello world how",
        b"world how are",
        b"how are you",
    ]
    assert list(shingles("Just two", PARAMS)) == [b"just two"]
    assert list(shingles("  ...  ", PARAMS)) == []
    assert minhash("Hello, WORLD: how are you?", PARAMS) == minhash(
        "hello world how are you", PARAMS
    )


def test_char_shingles_are_characters_not_bytes() -> None:
    params = MinHashParams(shingle="char", shingle_size=3)
    grams = [gram.decode("utf-32-le") for gram in shingles("Été  à", params)]
    assert grams == ["été", "té ", "é à"]
    assert [gram.decode("utf-32-le") for gram in shingles("ab", params)] == ["ab"]
    assert list(shingles("", params)) == []


def test_signatures_are_deterministic_and_seeded() -> None:
    text = " ".join(_text(random.Random(1)))
    signature = minhash(text, PARAMS)
    assert len(signature) == PARAMS.signature_size
    assert minhash(text, PARAMS) == signature
    assert minhash(text, MinHashParams(seed=1)) != signature
    assert minhash("", PARAMS) == b""
    assert minhash("!!!", PARAMS) == b""


def test_a_single_shingle_fills_every_bin() -> None:
    """Densification copies the one value everywhere, so equal texts still match fully."""
    signature = minhash("alpha beta gamma", PARAMS)
    values = set(struct.unpack(f"<{PARAMS.num_perm}I", signature))
    assert len(values) == 1
    assert estimate_similarity(signature, minhash("Alpha, beta; gamma.", PARAMS)) == 1.0


@pytest.mark.parametrize("words", [25, 170])
def test_estimates_track_jaccard(words: int) -> None:
    rng = random.Random(words)
    errors = []
    for _ in range(120):
        base = _text(rng, words)
        changed = [rng.choice(VOCAB) if rng.random() < 0.08 else word for word in base]
        first, second = " ".join(base), " ".join(changed)
        estimate = estimate_similarity(minhash(first, PARAMS), minhash(second, PARAMS))
        errors.append(estimate - _jaccard(first, second))
    bias = sum(errors) / len(errors)
    spread = (sum(error * error for error in errors) / len(errors)) ** 0.5
    assert abs(bias) < 0.02
    assert spread < 0.06  # one-permutation MinHash at 128 bins: about 0.035 expected


def test_estimate_needs_comparable_signatures() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        estimate_similarity(b"\x00" * 8, b"\x00" * 12)
    with pytest.raises(ValueError, match="empty"):
        estimate_similarity(b"", b"")


def test_batches_in_worker_processes_give_the_same_signatures() -> None:
    texts = [" ".join(_text(random.Random(seed), 60)) for seed in range(12)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        remote = [
            signature
            for batch in pool.map(minhash_batch, [texts[:6], texts[6:]], [PARAMS, PARAMS])
            for signature in batch
        ]
    assert remote == minhash_batch(texts, PARAMS)


def test_record_text() -> None:
    record = {"b": "second", "a": {"z": 2.5, "y": [True, None, "first", 3]}, "c": ""}
    assert record_text(record) == "first\n3\n2.5\nsecond\n"
    assert record_text(record, fields=["b", "missing"]) == "second"
    assert record_text("plain") == "plain"


# -- LSH -----------------------------------------------------------------------------


def test_lsh_parameters() -> None:
    assert lsh_parameters(0.8, 128) == (12, 10)
    for threshold in (0.5, 0.7, 0.8, 0.9):
        for num_perm in (64, 128):
            bands, rows = lsh_parameters(threshold, num_perm)
            assert bands * rows <= num_perm
            at_threshold = 1 - (1 - threshold**rows) ** bands
            assert 0.4 < at_threshold < 0.95
    with pytest.raises(ValueError, match="threshold"):
        lsh_parameters(1.0, 128)


def test_near_duplicates_are_found_and_clustered() -> None:
    rng = random.Random(3)
    index = NearDuplicateIndex(PARAMS)
    base = _text(rng)
    one_word = list(base)
    one_word[50] = "changed"
    texts = [
        " ".join(base),  # 0
        " ".join(_text(rng)),  # 1, unrelated
        " ".join(one_word),  # 2, near 0
        " ".join(base).upper() + "!",  # 3, same words as 0
        "",  # 4, no text
        " ".join(_text(rng)),  # 5, unrelated
    ]
    answers = [index.add(number, minhash(text, PARAMS)) for number, text in enumerate(texts)]
    assert answers[0] is None
    assert answers[1] is None
    assert isinstance(answers[2], NearMatch)
    assert answers[2].representative == 0
    assert answers[2].similarity >= 0.8
    assert answers[3] == NearMatch(0, 1.0)
    assert answers[4] is None
    assert answers[5] is None
    assert len(index) == 3  # 0, 1 and 5: duplicates and empty records are not indexed
    assert index.duplicates == 2
    (cluster,) = index.clusters()
    assert cluster.kind == "near"
    assert cluster.representative == 0
    assert [member.index for member in cluster.members] == [2, 3]


def test_unrelated_texts_do_not_match() -> None:
    rng = random.Random(11)
    index = NearDuplicateIndex(PARAMS)
    for number in range(300):
        assert index.add(number, minhash(" ".join(_text(rng, 40)), PARAMS)) is None
    assert index.clusters() == []


def test_a_lower_threshold_finds_looser_duplicates() -> None:
    rng = random.Random(5)
    base = _text(rng)
    loose = [rng.choice(VOCAB) if rng.random() < 0.12 else word for word in base]
    similarity = _jaccard(" ".join(base), " ".join(loose))
    assert 0.45 < similarity < 0.75
    strict, lenient = NearDuplicateIndex(PARAMS, 0.8), NearDuplicateIndex(PARAMS, 0.4)
    for index in (strict, lenient):
        index.add(0, minhash(" ".join(base), PARAMS))
    assert strict.add(1, minhash(" ".join(loose), PARAMS)) is None
    assert lenient.add(1, minhash(" ".join(loose), PARAMS)) is not None


def test_index_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateIndex(PARAMS, 1.5)
    with pytest.raises(ValueError, match="both"):
        NearDuplicateIndex(PARAMS, bands=4)
    with pytest.raises(ValueError, match="num_perm"):
        NearDuplicateIndex(PARAMS, bands=20, rows=20)
    index = NearDuplicateIndex(PARAMS, bands=16, rows=8)
    with pytest.raises(ValueError, match="params"):
        index.add(0, b"\x00" * 64)


def test_band_table_caps_crowded_keys_and_survives_growth() -> None:
    table = _BandTable(max_bucket=5, size=8)
    for slot in range(20):
        table.insert(77, slot)
    assert table.candidates([77], limit=100) == [0, 1, 2, 3, 4]
    for key in range(1, 3000):
        table.insert(1000 + key, key)
    assert table.candidates([1500], limit=10) == [500]
    assert sorted(table.candidates([77], limit=100)) == [0, 1, 2, 3, 4]
    assert len(table.candidates([77, 1500], limit=3)) == 3
    assert table.candidates([999_999], limit=10) == []


def test_exact_index_compares_twelve_bytes_and_takes_wide_indices() -> None:
    deduper = ExactDeduper()
    key = bytes(range(16))
    assert deduper.add(2**33, key) is None
    assert deduper.add(2**33 + 1, key[:12] + bytes(4)) == 2**33
    assert deduper.add(5, key[:11] + b"\xff" + key[12:]) is None
    assert len(deduper) == 2
    for index in range(5000):  # grows every table a few times
        assert deduper.add(10 + index, index.to_bytes(4, "big") * 4) is None
    assert deduper.add(99_999, (1234).to_bytes(4, "big") * 4) == 10 + 1234
    assert deduper.duplicates == 2
