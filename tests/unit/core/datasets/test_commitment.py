"""RFC 6962 Merkle commitment: roots, builders, inclusion and consistency proofs."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.commitment import (
    EMPTY_ROOT,
    LeafHashes,
    MerkleBuilder,
    dataset_commitment,
    leaf_hash,
    node_hash,
    record_hash,
    record_leaf_hash,
    tree_root,
)
from app.core.datasets.commitment_proofs import (
    ConsistencyProof,
    InclusionProof,
    consistency_proof,
    inclusion_path_length,
    inclusion_proof,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from app.core.errors import Cancelled
from app.core.progress import CancelToken, ProgressEvent

# -- known answers: the RFC 6962 test tree used by certificate-transparency and
# transparency-dev/merkle (proof/verify_test.go): eight leaves of raw bytes.

CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# (leaf index counted from 0, tree size, path)
CT_INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CT_LEAF_HASHES = [leaf_hash(entry) for entry in CT_LEAVES]


def test_empty_tree_and_known_roots() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree_root([]) == EMPTY_ROOT
    for size, expected in enumerate(CT_ROOTS, start=1):
        assert tree_root(CT_LEAF_HASHES[:size]) == expected


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_known_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(CT_LEAF_HASHES, index, tree_size=size)
    assert [node.hex() for node in proof.path] == path
    assert verify_inclusion(proof, CT_ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_known_consistency_proofs(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(CT_LEAF_HASHES, old, new_size=new)
    assert [node.hex() for node in proof.path] == path
    assert verify_consistency(proof, CT_ROOTS[old - 1], CT_ROOTS[new - 1])


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION[1:])
def test_known_inclusion_proofs_fail_with_other_positions(
    index: int, size: int, path: list[str]
) -> None:
    """The probes transparency-dev runs on these vectors: none may verify.

    A path can fit trees of several sizes, so this holds for these vectors,
    not in general: the size comes from the signed manifest.
    """
    nodes = tuple(bytes.fromhex(node) for node in path)
    leaf, root = CT_LEAF_HASHES[index], CT_ROOTS[size - 1]
    for wrong_index, wrong_size in (
        (index - 1, size),
        (index + 1, size),
        (index ^ 2, size),
        (index, size * 2),
        (index, size // 2),
    ):
        assert not verify_inclusion(InclusionProof(wrong_size, wrong_index, leaf, nodes), root)


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY[1:])
def test_known_consistency_proofs_fail_with_other_sizes(
    old: int, new: int, path: list[str]
) -> None:
    nodes = tuple(bytes.fromhex(node) for node in path)
    old_root, new_root = CT_ROOTS[old - 1], CT_ROOTS[new - 1]
    for wrong_old, wrong_new in ((old - 1, new), (old + 1, new), (old ^ 2, new), (old, new * 2)):
        wrong = ConsistencyProof(wrong_old, wrong_new, nodes)
        assert not verify_consistency(wrong, old_root, new_root)
    assert not verify_consistency(ConsistencyProof(old, new // 2, nodes), old_root, new_root)


# -- a reference implementation written straight from RFC 9162 section 2.1 --------


def _mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    if m == len(leaves):
        return [] if complete else [_mth(leaves)]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


def _leaves(count: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(f"{salt}:{i}".encode()) for i in range(count)]


@settings(max_examples=60)
@given(st.integers(0, 140))
def test_builder_matches_the_reference(count: int) -> None:
    leaves = _leaves(count)
    builder = MerkleBuilder()
    for position, leaf in enumerate(leaves):
        assert builder.root() == _mth(leaves[:position])
        builder.add(leaf)
    assert builder.size == count
    assert builder.root() == _mth(leaves)


@settings(max_examples=60)
@given(st.integers(0, 6), st.integers(0, 100))
def test_builders_over_aligned_chunks_merge(power: int, count: int) -> None:
    chunk = 1 << power
    leaves = _leaves(count)
    merged = MerkleBuilder()
    for start in range(0, count, chunk):
        part = MerkleBuilder()
        part.extend(leaves[start : start + chunk])
        merged.merge(part)
    assert merged.size == count
    assert merged.root() == _mth(leaves)


@settings(max_examples=80)
@given(st.lists(st.integers(0, 40), max_size=6), st.integers(0, 3))
def test_adding_leaves_in_batches_equals_adding_them_one_by_one(
    batches: list[int], before: int
) -> None:
    one_sink, many_sink = io.BytesIO(), io.BytesIO()
    one, many = MerkleBuilder(one_sink), MerkleBuilder(many_sink)
    for leaf in _leaves(before, salt=9):
        one.add(leaf)
        many.add(leaf)
    for number, count in enumerate(batches):
        leaves = _leaves(count, salt=number)
        one.extend(leaves)
        many.add_many(b"".join(leaves))
        assert many.size == one.size
        assert many.root() == one.root()
    assert many_sink.getvalue() == one_sink.getvalue()


def test_add_many_rejects_a_partial_leaf() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleBuilder().add_many(bytes(33))


def test_merge_refuses_misaligned_chunks() -> None:
    first, second = MerkleBuilder(), MerkleBuilder()
    first.extend(_leaves(3))
    second.extend(_leaves(2, salt=1))
    with pytest.raises(ValueError, match="multiple"):
        first.merge(second)
    single = MerkleBuilder()
    single.add(_leaves(1, salt=2)[0])
    first.merge(single)  # one leaf always fits
    assert first.size == 4
    first.merge(MerkleBuilder())
    assert first.size == 4


def test_builder_rejects_a_leaf_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleBuilder().add(b"short")


@settings(max_examples=80)
@given(st.data())
def test_inclusion_proofs_verify_and_match_the_reference(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 70), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaves = _leaves(size)
    root = _mth(leaves)
    proof = inclusion_proof(leaves, index)
    assert list(proof.path) == _path(index, leaves)
    assert len(proof.path) == inclusion_path_length(index, size)
    assert verify_inclusion(proof, root)
    assert root_from_inclusion(proof) == root


@settings(max_examples=80)
@given(st.data())
def test_any_change_to_an_inclusion_proof_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 70), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaves = _leaves(size)
    root = _mth(leaves)
    proof = inclusion_proof(leaves, index)
    bit = data.draw(st.integers(0, 255), label="bit")

    def flip(value: bytes) -> bytes:
        changed = bytearray(value)
        changed[bit // 8] ^= 1 << (bit % 8)
        return bytes(changed)

    assert not verify_inclusion(proof, flip(root))
    assert not verify_inclusion(
        InclusionProof(size, index, flip(proof.leaf_hash), proof.path), root
    )
    if proof.path:
        at = data.draw(st.integers(0, len(proof.path) - 1), label="at")
        path = list(proof.path)
        path[at] = flip(path[at])
        assert not verify_inclusion(InclusionProof(size, index, proof.leaf_hash, tuple(path)), root)
        shorter = InclusionProof(size, index, proof.leaf_hash, proof.path[:-1])
        assert not verify_inclusion(shorter, root)
    longer = InclusionProof(size, index, proof.leaf_hash, (*proof.path, root))
    assert not verify_inclusion(longer, root)
    other = data.draw(st.integers(0, size), label="other index")
    if other != index:
        moved = InclusionProof(size, other, proof.leaf_hash, proof.path)
        assert not verify_inclusion(moved, root)
    # The leaf of another record with this record's path does not verify either.
    if size > 1:
        stranger = leaves[(index + 1) % size]
        assert not verify_inclusion(InclusionProof(size, index, stranger, proof.path), root)


def test_malformed_inclusion_proofs_do_not_verify() -> None:
    leaves = _leaves(5)
    root = _mth(leaves)
    good = inclusion_proof(leaves, 2)
    assert verify_inclusion(good, root)
    assert not verify_inclusion(InclusionProof(0, 0, good.leaf_hash, ()), root)
    assert not verify_inclusion(InclusionProof(5, 5, good.leaf_hash, good.path), root)
    assert not verify_inclusion(InclusionProof(5, -1, good.leaf_hash, good.path), root)
    assert not verify_inclusion(InclusionProof(5, 2, good.leaf_hash[:31], good.path), root)
    short_node = (good.path[0][:31], *good.path[1:])
    assert not verify_inclusion(InclusionProof(5, 2, good.leaf_hash, short_node), root)
    assert not verify_inclusion(good, root[:31])
    assert not verify_inclusion(InclusionProof(5, 2, good.leaf_hash, (b"", *good.path)), root)


@settings(max_examples=80)
@given(st.data())
def test_consistency_proofs_verify_and_match_the_reference(data: st.DataObject) -> None:
    new = data.draw(st.integers(0, 70), label="new size")
    old = data.draw(st.integers(0, new), label="old size")
    leaves = _leaves(new)
    proof = consistency_proof(leaves, old)
    if 0 < old < new:
        assert list(proof.path) == _subproof(old, leaves, True)
    else:
        assert proof.path == ()
    old_root, new_root = _mth(leaves[:old]), _mth(leaves)
    assert verify_consistency(proof, old_root, new_root)
    if 0 < old < new:
        assert not verify_consistency(proof, new_root, old_root)
        bit = data.draw(st.integers(0, 255), label="bit")
        at = data.draw(st.integers(0, len(proof.path) - 1), label="at")
        path = list(proof.path)
        changed = bytearray(path[at])
        changed[bit // 8] ^= 1 << (bit % 8)
        path[at] = bytes(changed)
        assert not verify_consistency(ConsistencyProof(old, new, tuple(path)), old_root, new_root)
        assert not verify_consistency(ConsistencyProof(old, new, ()), old_root, new_root)
        assert not verify_consistency(
            ConsistencyProof(old, new, proof.path[:-1]), old_root, new_root
        )
        assert not verify_consistency(
            ConsistencyProof(old, new, (*proof.path, new_root)), old_root, new_root
        )
        assert not verify_consistency(
            ConsistencyProof(old, new, (old_root, *proof.path)), old_root, new_root
        )


def test_consistency_edge_cases() -> None:
    root = _mth(_leaves(3))
    other = _mth(_leaves(3, salt=1))
    assert verify_consistency(ConsistencyProof(0, 0, ()), EMPTY_ROOT, EMPTY_ROOT)
    assert verify_consistency(ConsistencyProof(0, 3, ()), EMPTY_ROOT, root)
    # An empty old tree with a non-empty root was never a tree of size 0.
    assert not verify_consistency(ConsistencyProof(0, 3, ()), other, root)
    assert not verify_consistency(ConsistencyProof(0, 3, (EMPTY_ROOT,)), EMPTY_ROOT, root)
    assert verify_consistency(ConsistencyProof(3, 3, ()), root, root)
    assert not verify_consistency(ConsistencyProof(3, 3, ()), root, other)
    assert not verify_consistency(ConsistencyProof(3, 3, (root,)), root, root)
    assert not verify_consistency(ConsistencyProof(3, 2, ()), root, root)
    assert not verify_consistency(ConsistencyProof(1, 3, ()), root, root)
    assert not verify_consistency(ConsistencyProof(1, 3, (b"x",)), root, root)
    assert not verify_consistency(ConsistencyProof(3, 3, ()), b"short", root)


def test_proof_arguments_are_checked() -> None:
    leaves = _leaves(4)
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(leaves, 4)
    with pytest.raises(ValueError, match="tree size"):
        inclusion_proof(leaves, 0, tree_size=5)
    with pytest.raises(ValueError, match="tree size"):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="old size"):
        consistency_proof(leaves, 5)
    with pytest.raises(ValueError, match="tree size"):
        consistency_proof(leaves, 1, new_size=9)


def test_proofs_report_progress_and_can_be_cancelled() -> None:
    leaves = _leaves(9)
    events: list[ProgressEvent] = []
    inclusion_proof(leaves, 3, progress=events.append)
    assert events
    assert all(event.stage == "prove" and event.total == 9 for event in events)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        inclusion_proof(leaves, 3, cancel=token)
    with pytest.raises(Cancelled):
        consistency_proof(leaves, 3, cancel=token)


# -- records and stored leaves ------------------------------------------------------


def test_record_hash_is_sha256_of_canonical_json() -> None:
    record = {"b": "é", "a": [1, 2.5]}
    expected = hashlib.sha256('{"a":[1,2.5],"b":"é"}'.encode()).digest()
    assert record_hash(record) == expected
    assert record_leaf_hash(record) == hashlib.sha256(b"\x00" + expected).digest()


def test_dataset_commitment_agrees_with_the_submission_verifier() -> None:
    """The verifier of a signed submission recomputes this root; they must not drift."""
    from app.core.submission.merkle import commitment

    records = [{"q": f"question {i}", "a": i} for i in range(37)]
    root, count = dataset_commitment(records)
    assert (root.hex(), count) == commitment(records)
    assert dataset_commitment([]) == (EMPTY_ROOT, 0)


def test_leaf_hashes_written_by_a_builder_serve_proofs(tmp_path: Path) -> None:
    records = [{"n": i} for i in range(21)]
    store = tmp_path / "leaves.bin"
    with store.open("wb") as sink:
        builder = MerkleBuilder(sink)
        for record in records:
            builder.add_record(record)
    assert store.stat().st_size == 21 * 32
    with LeafHashes.open(store) as mapped:
        assert mapped[5] == record_leaf_hash(records[5])
    leaves = LeafHashes.open(store)
    assert len(leaves) == 21
    assert leaves[0] == record_leaf_hash(records[0])
    assert leaves[-1] == record_leaf_hash(records[-1])
    assert list(leaves[2:4]) == [record_leaf_hash(records[2]), record_leaf_hash(records[3])]
    assert list(leaves) == [record_leaf_hash(record) for record in records]
    with pytest.raises(IndexError):
        leaves[21]
    proof = inclusion_proof(leaves, 13)
    assert verify_inclusion(proof, builder.root())


def test_leaf_hash_stores_must_be_whole() -> None:
    assert len(LeafHashes.pack(_leaves(3))) == 3
    assert len(LeafHashes(b"")) == 0
    with pytest.raises(ValueError, match="32 bytes"):
        LeafHashes.pack([b"x"])
    from app.core.datasets.commitment import InvalidProof

    with pytest.raises(InvalidProof):
        LeafHashes(b"\x00" * 33)


def test_empty_leaf_file_opens(tmp_path: Path) -> None:
    empty = tmp_path / "none.bin"
    empty.write_bytes(b"")
    assert len(LeafHashes.open(empty)) == 0


def test_sink_sees_every_leaf_in_order() -> None:
    sink = io.BytesIO()
    builder = MerkleBuilder(sink)
    builder.extend(_leaves(4))
    assert sink.getvalue() == b"".join(_leaves(4))
