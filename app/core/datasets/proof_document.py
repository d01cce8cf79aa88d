"""The JSON file of an inclusion proof: what ``dataset prove`` writes and anyone checks.

Separate from the proof arithmetic (:mod:`app.core.datasets.commitment_proofs`)
because this is a file format read from outside: it is parsed strictly, every
error names the member at fault, and a path of the wrong length is refused
before any hashing. A well-formed document may still be false; that is
:meth:`ProofDocument.verify` returning False, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.canonical import MAX_SAFE_INTEGER, canonical_json, loads_strict
from app.core.datasets.commitment import InvalidProof, record_leaf_hash
from app.core.datasets.commitment_proofs import (
    InclusionProof,
    inclusion_path_length,
    inclusion_proof,
    root_from_inclusion,
    verify_inclusion,
)
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback

_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ProofDocument:
    """A proof as a user keeps or sends it: the proof, the root it claims, maybe the record.

    With the record included, the document shows its content and that it is
    in the committed dataset; without it, only that some record with this
    leaf hash is.
    """

    proof: InclusionProof
    root: bytes
    record: object | None = None

    def verify(self) -> bool:
        """True when the path leads from the leaf (or the record) to ``root``."""
        return verify_inclusion(self.proof, self.root)

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "tree_size": self.proof.tree_size,
            "index": self.proof.index,
        }
        if self.record is not None:
            document["record"] = self.record
        else:
            document["leaf_hash"] = self.proof.leaf_hash.hex()
        document["path"] = [node.hex() for node in self.proof.path]
        document["root"] = self.root.hex()
        return document

    def to_bytes(self) -> bytes:
        """Canonical JSON and a newline: the file ``dataset prove`` writes."""
        return canonical_json(self.to_json(), what="proof") + b"\n"


def make_proof_document(
    leaves: Sequence[bytes],
    index: int,
    *,
    record: object | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ProofDocument:
    """Proof for ``index`` over all ``leaves``, with the record when given (checked to match)."""
    if record is not None and record_leaf_hash(record) != leaves[index]:
        raise ValueError(f"the record given is not record {index} of this dataset")
    proof = inclusion_proof(leaves, index, progress=progress, cancel=cancel)
    root = root_from_inclusion(proof)  # the path was built from every leaf: this is the root
    assert root is not None
    return ProofDocument(proof, root, record)


def parse_proof_document(data: bytes | str | Mapping[str, object]) -> ProofDocument:
    """Read the JSON form strictly; errors name the member at fault.

    A well-formed document may still be false: call :meth:`ProofDocument.verify`.
    """
    value = loads_strict(data, what="proof") if isinstance(data, bytes | str) else data
    if not isinstance(value, Mapping):
        raise InvalidProof("proof: expected a JSON object")
    allowed = {"tree_size", "index", "leaf_hash", "record", "path", "root"}
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise InvalidProof(f"proof: unknown member {unknown[0]!r}")
    for key in ("tree_size", "index", "path", "root"):
        if key not in value:
            raise InvalidProof(f"proof.{key}: missing")
    tree_size = _count(value["tree_size"], "tree_size", minimum=1)
    index = _count(value["index"], "index", minimum=0)
    if index >= tree_size:
        raise InvalidProof(f"proof.index: record {index} is not in a tree of {tree_size}")
    has_leaf, has_record = "leaf_hash" in value, "record" in value
    if has_leaf == has_record:
        raise InvalidProof("proof: give exactly one of leaf_hash and record")
    record: object | None = None
    if has_record:
        record = value["record"]
        if record is None:
            raise InvalidProof("proof.record: must not be null")
        leaf = record_leaf_hash(record, what="proof.record")
    else:
        leaf = _hash(value["leaf_hash"], "proof.leaf_hash")
    raw_path = value["path"]
    if not isinstance(raw_path, list):
        raise InvalidProof("proof.path: expected an array of hex hashes")
    expected = inclusion_path_length(index, tree_size)
    if len(raw_path) != expected:
        raise InvalidProof(
            f"proof.path: {len(raw_path)} hashes; record {index} of {tree_size} needs {expected}"
        )
    path = tuple(_hash(node, f"proof.path[{i}]") for i, node in enumerate(raw_path))
    root = _hash(value["root"], "proof.root")
    return ProofDocument(InclusionProof(tree_size, index, leaf, path), root, record)


def _count(value: object, key: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidProof(f"proof.{key}: expected an integer")
    if not minimum <= value <= MAX_SAFE_INTEGER:
        raise InvalidProof(f"proof.{key}: must be between {minimum} and 2^53 - 1")
    return value


def _hash(value: object, where: str) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise InvalidProof(f"{where}: expected 64 lowercase hex digits")
    return bytes.fromhex(value)
