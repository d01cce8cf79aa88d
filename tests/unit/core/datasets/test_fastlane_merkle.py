"""``_fastlane.merkle_pairs`` gives the RFC 6962 interior nodes hashlib gives."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import nativelane

pytestmark = pytest.mark.skipif(not nativelane.available(), reason="the C fast lane is not built")

if nativelane.available():
    from app.core.datasets import _fastlane


def _parents(nodes: bytes) -> bytes:
    return b"".join(
        hashlib.sha256(b"\x01" + nodes[at : at + 64]).digest() for at in range(0, len(nodes), 64)
    )


def test_a_known_pair() -> None:
    left, right = hashlib.sha256(b"\x00a").digest(), hashlib.sha256(b"\x00b").digest()
    assert _fastlane.merkle_pairs(left + right) == hashlib.sha256(b"\x01" + left + right).digest()


def test_no_pairs_no_parents() -> None:
    assert _fastlane.merkle_pairs(b"") == b""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=64, max_size=64), max_size=40))
def test_each_pair_as_hashlib_hashes_it(pairs: list[bytes]) -> None:
    nodes = b"".join(pairs)
    assert _fastlane.merkle_pairs(nodes) == _parents(nodes)
    assert _fastlane.merkle_pairs(bytearray(nodes)) == _parents(nodes)
    assert _fastlane.merkle_pairs(memoryview(nodes)) == _parents(nodes)


def test_a_large_level() -> None:
    nodes = hashlib.sha256(b"seed").digest() * 2 * 5000
    assert _fastlane.merkle_pairs(nodes) == _parents(nodes)


@pytest.mark.parametrize("size", [1, 32, 63, 65, 96, 127])
def test_a_length_that_is_not_pairs_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="multiple of 64"):
        _fastlane.merkle_pairs(bytes(size))


def test_text_is_refused() -> None:
    with pytest.raises(TypeError):
        _fastlane.merkle_pairs("x" * 64)  # type: ignore[arg-type]


def test_a_whole_tree_folded_level_by_level() -> None:
    # RFC 6962 for a power-of-two count: each level halves the nodes
    leaves = [hashlib.sha256(b"\x00" + bytes([k])).digest() for k in range(16)]
    level = b"".join(leaves)
    while len(level) > 32:
        level = _fastlane.merkle_pairs(level)
    expected = leaves
    while len(expected) > 1:
        expected = [
            hashlib.sha256(b"\x01" + expected[k] + expected[k + 1]).digest()
            for k in range(0, len(expected), 2)
        ]
    assert level == expected[0]
