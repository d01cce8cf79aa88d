"""in-toto Statement v1 around Tessera predicates.

Using the in-toto shape lets existing supply-chain tooling list what was
signed (subjects with SHA-256 digests) without knowing Tessera. The payload
bytes are the statement's RFC 8785 form, and a verifier requires exactly
that form: one statement, one byte string, one payload digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.canonical import NotIJSON
from app.core.consent.jsonform import HEX_SHA256, Fields, canonical_json, loads_strict
from app.core.errors import InvalidInput

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


class InvalidStatement(InvalidInput):
    """A payload is not the in-toto statement Tessera expects."""


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "digest": {"sha256": self.sha256}}


def statement_bytes(subjects: list[Subject], predicate_type: str, predicate: object) -> bytes:
    return canonical_json(
        {
            "_type": STATEMENT_TYPE,
            "subject": [subject.to_json() for subject in subjects],
            "predicateType": predicate_type,
            "predicate": predicate,
        }
    )


@dataclass(frozen=True, slots=True)
class Statement:
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: object


def parse_statement(
    payload: bytes, *, predicate_type: str, subject_names: tuple[str, ...]
) -> Statement:
    """Parse and check shape: canonical bytes, type, predicate type, subject names in order."""
    value = loads_strict(payload, what="statement", error=InvalidStatement)
    try:
        canonical = canonical_json(value)
    except NotIJSON as exc:  # a signed payload with, say, an integer beyond 2^53
        raise InvalidStatement(f"statement: {exc.message.removeprefix('document: ')}") from None
    if canonical != payload:
        raise InvalidStatement("statement: the payload is not in RFC 8785 canonical form")
    top = Fields(
        value,
        "statement",
        InvalidStatement,
        required=("_type", "subject", "predicateType", "predicate"),
    )
    if top.raw("_type") != STATEMENT_TYPE:
        raise top.fail("_type", f"expected {STATEMENT_TYPE}")
    if top.raw("predicateType") != predicate_type:
        raise top.fail(
            "predicateType", f"expected {predicate_type}, got {top.raw('predicateType')!r}"
        )
    raw_subjects = top.array("subject", max_items=16)
    names = tuple(
        subject.get("name") if isinstance(subject, dict) else None for subject in raw_subjects
    )
    if names != subject_names:
        raise top.fail("subject", f"expected the subjects {list(subject_names)}, got {list(names)}")
    subjects: list[Subject] = []
    for index, raw in enumerate(raw_subjects):
        where = f"{top.path('subject')}[{index}]"
        entry = Fields(raw, where, InvalidStatement, required=("name", "digest"))
        digest = Fields(
            entry.raw("digest"), entry.path("digest"), InvalidStatement, required=("sha256",)
        )
        subjects.append(
            Subject(entry.text("name"), digest.text("sha256", max_length=64, pattern=HEX_SHA256))
        )
    return Statement(tuple(subjects), predicate_type, top.raw("predicate"))
