"""Consent terms as a CAWG ``cawg.training-mining`` assertion, and back.

The four CAWG entries carry the AI uses; evaluation and commercial use travel
as custom entries under Tessera's reverse-domain labels, which the CAWG
specification allows. Everything else in the terms (attribution, payment,
validity, ...) has no place in the assertion: an import takes those from a
``base`` set of terms, by default the one that allows and asks for nothing.

CAWG 1.1 names the free-text field ``constraint_info`` in its schema (its
prose says ``constraints_info``); we write the former and read both. A
``constrained`` entry without that text means ``notAllowed``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from app.core.consent.terms import ConsentTerms, InvalidTerms, Permission, Use, UseTerm
from app.core.errors import InvalidInput

LABEL = "cawg.training-mining"
ENTRY_KEYS: dict[Use, str] = {
    Use.DATA_MINING: "cawg.data_mining",
    Use.AI_INFERENCE: "cawg.ai_inference",
    Use.AI_TRAINING: "cawg.ai_training",
    Use.AI_GENERATIVE_TRAINING: "cawg.ai_generative_training",
    Use.EVALUATION: "dev.tessera.evaluation",
    Use.COMMERCIAL: "dev.tessera.commercial",
}
_USE_BY_KEY = {key: use for use, key in ENTRY_KEYS.items()}
_INFO_KEYS = ("constraint_info", "constraints_info")
_PERMISSIONS = frozenset(permission.value for permission in Permission)


class UnsupportedAssertion(InvalidInput):
    """A training-and-mining assertion says something Tessera terms cannot."""


def to_cawg(terms: ConsentTerms) -> dict[str, Any]:
    """The assertion as a C2PA manifest definition lists it: label and data."""
    entries: dict[str, Any] = {}
    for use, term in terms.uses.items():
        entry: dict[str, Any] = {"use": term.permission.value}
        if term.constraint is not None:
            entry["constraint_info"] = term.constraint
        entries[ENTRY_KEYS[use]] = entry
    return {"label": LABEL, "data": {"entries": entries}}


def from_cawg(assertion: object, *, base: ConsentTerms | None = None) -> ConsentTerms:
    """``base`` with each use the assertion names decided as the assertion says.

    Accepts the labelled form :func:`to_cawg` writes or the bare assertion
    data (``{"entries": ...}``).
    """
    data = _data(assertion)
    entries = data.get("entries")
    if not isinstance(entries, dict) or not entries:
        raise UnsupportedAssertion("CAWG assertion: entries: expected a non-empty object")
    start = base or _NOTHING
    uses = dict(start.uses)
    for key, raw in entries.items():
        use = _USE_BY_KEY.get(key)
        if use is None:
            raise UnsupportedAssertion(
                f"CAWG assertion: entries: the entry {key!r} has no Tessera meaning"
            )
        uses[use] = _entry(raw, f"entries.{key}")
    try:
        return dataclasses.replace(start, uses=uses)
    except InvalidTerms as exc:
        raise UnsupportedAssertion(f"CAWG assertion: {exc.message}") from None


def _data(assertion: object) -> dict[str, Any]:
    if not isinstance(assertion, dict):
        raise UnsupportedAssertion("CAWG assertion: expected a JSON object")
    if "label" in assertion or "data" in assertion:
        label = assertion.get("label")
        if label != LABEL:
            raise UnsupportedAssertion(f"CAWG assertion: label {label!r}, expected {LABEL!r}")
        extra = sorted(set(assertion) - {"label", "data"})
        if extra:
            raise UnsupportedAssertion(f"CAWG assertion: unsupported member {extra[0]!r}")
        assertion = assertion.get("data")
        if not isinstance(assertion, dict):
            raise UnsupportedAssertion("CAWG assertion: data: expected a JSON object")
    extra = sorted(set(assertion) - {"entries"})
    if extra:
        raise UnsupportedAssertion(f"CAWG assertion: unsupported member {extra[0]!r}")
    return assertion


def _entry(raw: object, where: str) -> UseTerm:
    if not isinstance(raw, dict):
        raise UnsupportedAssertion(f"CAWG assertion: {where}: expected a JSON object")
    extra = sorted(set(raw) - {"use", *_INFO_KEYS})
    if extra:
        raise UnsupportedAssertion(f"CAWG assertion: {where}: unsupported member {extra[0]!r}")
    word = raw.get("use")
    if word not in _PERMISSIONS:
        raise UnsupportedAssertion(
            f"CAWG assertion: {where}.use: expected allowed, notAllowed or constrained"
        )
    permission = Permission(word)
    infos = {raw[key] for key in _INFO_KEYS if raw.get(key) is not None}
    if len(infos) > 1:
        raise UnsupportedAssertion(
            f"CAWG assertion: {where}: constraint_info and constraints_info disagree"
        )
    info = infos.pop() if infos else None
    if info is not None and not isinstance(info, str):
        raise UnsupportedAssertion(f"CAWG assertion: {where}.constraint_info: expected text")
    if permission is not Permission.CONSTRAINED:
        if info is not None:
            raise UnsupportedAssertion(
                f"CAWG assertion: {where}: constraint information on a use that is {permission}"
            )
        return UseTerm(permission)
    if info is None or not info.strip():
        return UseTerm(Permission.NOT_ALLOWED)
    try:
        return UseTerm(Permission.CONSTRAINED, info)
    except InvalidTerms as exc:
        raise UnsupportedAssertion(f"CAWG assertion: {where}: {exc.message}") from None


_NOTHING = ConsentTerms(uses={use: UseTerm(Permission.NOT_ALLOWED) for use in Use})
