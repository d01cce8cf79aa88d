"""The JSON form of an inclusion proof: round trip, strict parsing, tamper evidence."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.commitment import InvalidProof, LeafHashes, record_leaf_hash
from app.core.datasets.proof_document import (
    ProofDocument,
    make_proof_document,
    parse_proof_document,
)
from app.core.errors import InvalidInput

RECORDS = [{"question": f"What is {i} + {i}?", "answer": 2 * i} for i in range(11)]
LEAVES = LeafHashes.pack(record_leaf_hash(record) for record in RECORDS)


def _document(index: int = 6, *, with_record: bool = False) -> dict[str, Any]:
    record = RECORDS[index] if with_record else None
    return make_proof_document(LEAVES, index, record=record).to_json()


def test_round_trip_with_leaf_hash() -> None:
    document = make_proof_document(LEAVES, 6)
    assert document.verify()
    text = document.to_bytes()
    assert text.endswith(b"\n")
    parsed = parse_proof_document(text)
    assert parsed == document
    assert parsed.verify()
    assert set(json.loads(text)) == {"tree_size", "index", "leaf_hash", "path", "root"}


def test_round_trip_with_the_record() -> None:
    document = make_proof_document(LEAVES, 3, record=RECORDS[3])
    shape = document.to_json()
    assert shape["record"] == RECORDS[3]
    assert "leaf_hash" not in shape
    parsed = parse_proof_document(json.dumps(shape))
    assert parsed.record == RECORDS[3]
    assert parsed.verify()
    # The record is what is proven: change it and the proof fails.
    shape["record"] = {**RECORDS[3], "answer": 7}
    assert not parse_proof_document(shape).verify()


def test_a_wrong_record_is_refused_when_making_a_proof() -> None:
    with pytest.raises(ValueError, match="not record 3"):
        make_proof_document(LEAVES, 3, record=RECORDS[4])


def test_single_record_dataset() -> None:
    leaves = LeafHashes.pack([record_leaf_hash({"only": True})])
    document = make_proof_document(leaves, 0)
    assert document.to_json()["path"] == []
    assert parse_proof_document(document.to_bytes()).verify()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(extra=1), "unknown member 'extra'"),
        (lambda d: d.pop("root"), r"proof\.root: missing"),
        (lambda d: d.pop("path"), r"proof\.path: missing"),
        (lambda d: d.pop("leaf_hash"), "exactly one of leaf_hash and record"),
        (lambda d: d.update(record={"a": 1}), "exactly one of leaf_hash and record"),
        (lambda d: d.update(tree_size=True), r"proof\.tree_size: expected an integer"),
        (lambda d: d.update(tree_size=0), r"proof\.tree_size: must be between 1"),
        (lambda d: d.update(tree_size=2**53), r"proof\.tree_size: must be between"),
        (lambda d: d.update(index=-1), r"proof\.index: must be between 0"),
        (lambda d: d.update(index=11), "record 11 is not in a tree of 11"),
        (lambda d: d.update(index="6"), r"proof\.index: expected an integer"),
        (lambda d: d.update(root=d["root"].upper()), r"proof\.root: expected 64 lowercase hex"),
        (lambda d: d.update(root=d["root"][:-2]), r"proof\.root: expected 64 lowercase hex"),
        (lambda d: d.update(leaf_hash=None), r"proof\.leaf_hash: expected 64 lowercase hex"),
        (lambda d: d.update(path="00"), r"proof\.path: expected an array"),
        (lambda d: d["path"].append(d["root"]), r"proof\.path: 5 hashes; record 6 of 11 needs 4"),
        (lambda d: d["path"].__setitem__(1, 7), r"proof\.path\[1\]: expected 64 lowercase hex"),
    ],
)
def test_malformed_documents_are_refused_clearly(change: Any, message: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(InvalidProof, match=message):
        parse_proof_document(document)


def test_malformed_records_and_text_are_refused() -> None:
    document = _document(with_record=True)
    document["record"] = None
    with pytest.raises(InvalidProof, match="must not be null"):
        parse_proof_document(document)
    document["record"] = {"n": 2**60}
    with pytest.raises(InvalidInput, match=r"proof\.record: integer at \$\.n"):
        parse_proof_document(document)
    for text, message in [
        (b"[]", "expected a JSON object"),
        (b"{", "not valid JSON"),
        (b'{"index": 1, "index": 2}', "same key twice"),
        (b'{"index": NaN}', "NaN is not JSON"),
        (b"\xff\xfe", "not UTF-8"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            parse_proof_document(text)


# tree_size is left out on purpose: see the next test.
_MEMBERS = st.sampled_from(["index", "leaf_hash", "path", "root"])


def test_tree_size_is_bound_by_the_manifest_not_by_the_path() -> None:
    """RFC 6962 paths along the left edge fit trees of several sizes.

    So a verifier must compare ``tree_size`` with the record count in the
    signed manifest, as it compares ``root`` with the commitment.
    """
    document = _document(0)
    document["tree_size"] = 9
    assert parse_proof_document(document).verify()
    document["tree_size"] = 5
    with pytest.raises(InvalidProof, match="needs 3"):
        parse_proof_document(document)


@settings(max_examples=150)
@given(
    st.integers(0, 10),
    _MEMBERS,
    st.one_of(
        st.integers(-3, 20),
        st.booleans(),
        st.none(),
        st.text(max_size=70),
        st.lists(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), max_size=5),
        st.integers(0, 63),  # a hex digit to change, applied below
    ),
)
def test_any_change_is_refused_or_fails_verification(
    index: int, member: str, replacement: object
) -> None:
    original = _document(index)
    changed = json.loads(json.dumps(original))
    if isinstance(replacement, int) and not isinstance(replacement, bool) and member == "root":
        digit = replacement % 64
        spelled = changed["root"]
        flipped = "1" if spelled[digit] == "0" else "0"
        changed["root"] = spelled[:digit] + flipped + spelled[digit + 1 :]
    else:
        changed[member] = replacement
    if changed == original:
        return
    try:
        parsed = parse_proof_document(changed)
    except InvalidProof:
        return
    assert not parsed.verify()


def test_parser_output_is_a_document() -> None:
    assert isinstance(parse_proof_document(_document()), ProofDocument)
