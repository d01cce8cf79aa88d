"""The batch Merkle fold: the same tree as adding leaves one by one, native pairs or not."""

from __future__ import annotations

import hashlib
import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import nativelane
from app.core.datasets.commitment import (
    MerkleBuilder,
    hash_pairs_python,
    node_hash,
    pair_hasher,
)


def _leaves(count: int, salt: int = 0) -> list[bytes]:
    return [hashlib.sha256(f"{salt}:{i}".encode()).digest() for i in range(count)]


def _one_by_one(leaves: list[bytes]) -> MerkleBuilder:
    builder = MerkleBuilder()
    for leaf in leaves:
        builder.add(leaf)
    return builder


@pytest.fixture(params=["python", "native"])
def pairs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with the Python pair hasher and with the native one, when built."""
    if request.param == "python":
        monkeypatch.setattr(nativelane, "ENABLED", False)
        assert pair_hasher() is hash_pairs_python
    else:
        native = getattr(nativelane._NATIVE, "merkle_pairs", None)
        if native is None:
            pytest.skip("the native lane has no merkle_pairs in this build")
        monkeypatch.setattr(nativelane, "ENABLED", True)
        assert pair_hasher() is native
    return str(request.param)


def _split(count: int, rng: random.Random) -> list[int]:
    sizes = []
    while count:
        size = min(count, rng.choice([0, 1, 1, 2, 3, 5, 8, 31, 32, 33, 64, 100]))
        sizes.append(size)
        count -= size
    return sizes


def test_every_size_to_300_in_one_batch_and_in_random_batches(pairs: str) -> None:
    rng = random.Random(1234)
    for size in range(301):
        leaves = _leaves(size, salt=size)
        expected = _one_by_one(leaves)
        whole = MerkleBuilder()
        whole.add_many(b"".join(leaves))
        assert (whole.size, whole.root()) == (expected.size, expected.root()), size
        batched = MerkleBuilder()
        at = 0
        for count in _split(size, rng):
            batched.add_many(b"".join(leaves[at : at + count]))
            at += count
            reference = _one_by_one(leaves[:at])
            assert batched.size == at
            assert batched._stack == reference._stack, (size, at)
        assert batched.root() == expected.root(), size


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 140), max_size=8),
    single=st.lists(st.booleans(), max_size=8),
)
def test_mixing_add_and_add_many_matches_one_by_one(sizes: list[int], single: list[bool]) -> None:
    for hasher in ("python", "native"):
        if hasher == "native" and getattr(nativelane._NATIVE, "merkle_pairs", None) is None:
            continue
        saved = nativelane.ENABLED
        nativelane.ENABLED = hasher == "native"
        try:
            sink, reference_sink = io.BytesIO(), io.BytesIO()
            builder, reference = MerkleBuilder(sink), MerkleBuilder(reference_sink)
            for number, count in enumerate(sizes):
                leaves = _leaves(count, salt=number)
                if number < len(single) and single[number]:
                    builder.extend(leaves)
                else:
                    builder.add_many(bytearray(b"".join(leaves)))
                reference.extend(leaves)
                assert (builder.size, builder.root()) == (reference.size, reference.root())
            assert sink.getvalue() == reference_sink.getvalue()
        finally:
            nativelane.ENABLED = saved


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=32, max_size=32), max_size=40))
def test_python_pairs_are_node_hashes(nodes: list[bytes]) -> None:
    if len(nodes) % 2:
        nodes = nodes[:-1]
    expected = b"".join(node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes), 2))
    level = b"".join(nodes)
    assert hash_pairs_python(level) == expected
    assert hash_pairs_python(memoryview(level)) == expected
    native = getattr(nativelane._NATIVE, "merkle_pairs", None)
    if native is not None:
        assert native(level) == expected


@pytest.mark.parametrize("length", [32, 65, 96, 1])
def test_python_pairs_refuse_a_partial_pair(length: int) -> None:
    with pytest.raises(ValueError, match="64-byte pairs"):
        hash_pairs_python(bytes(length))


def test_the_native_pairs_are_used_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fold goes through whatever the native module offers, a level per call."""
    calls: list[int] = []

    class Native:
        @staticmethod
        def merkle_pairs(level: bytes) -> bytes:
            calls.append(len(level) // 64)
            return hash_pairs_python(level)

    monkeypatch.setattr(nativelane, "_NATIVE", Native)
    monkeypatch.setattr(nativelane, "ENABLED", True)
    leaves = _leaves(7)
    builder = MerkleBuilder()
    builder.add_many(b"".join(leaves))
    assert builder.root() == _one_by_one(leaves).root()
    assert calls == [3, 1]  # 7 leaves: 3 pairs (one left over), then 1 pair (one left over)
    monkeypatch.setattr(nativelane, "ENABLED", False)
    assert pair_hasher() is hash_pairs_python
