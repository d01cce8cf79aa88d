"""The consent terms model: its one JSON form, its digest and its rules."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings

from app.core.consent.jsonform import loads_strict
from app.core.consent.terms import (
    ALLOWED,
    NOT_ALLOWED,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    InvalidTerms,
    Permission,
    RevocationTerms,
    Use,
    UseTerm,
    Validity,
    constrained,
)
from app.core.errors import InvalidInput
from tests.unit.core.consent.strategies import consent_terms


def _all(term: UseTerm) -> dict[Use, UseTerm]:
    return {use: term for use in Use}


def _base_json() -> dict[str, Any]:
    return ConsentTerms(uses=_all(ALLOWED), attribution=Attribution(True)).to_json()


@settings(max_examples=150)
@given(consent_terms())
def test_json_round_trip_and_digest(terms: ConsentTerms) -> None:
    as_json = terms.to_json()
    text = json.dumps(as_json)
    assert ConsentTerms.from_json(loads_strict(text, what="terms")) == terms
    assert terms.digest() == hashlib.sha256(rfc8785.dumps(as_json)).hexdigest()


def test_digest_is_pinned_for_a_fixed_document() -> None:
    """The digest of a known document must not drift between releases."""
    terms = ConsentTerms(uses=_all(NOT_ALLOWED))
    canonical = (
        b'{"attribution":{"credit":null,"required":false},"compensation":{"amount":null,'
        b'"currency":null,"details":null,"kind":"none"},"contact":null,"jurisdictions":[],'
        b'"revocation":{"method":null,"revocable":true},"schema_version":1,"uses":{'
        b'"ai_generative_training":{"constraint":null,"use":"notAllowed"},'
        b'"ai_inference":{"constraint":null,"use":"notAllowed"},'
        b'"ai_training":{"constraint":null,"use":"notAllowed"},'
        b'"commercial":{"constraint":null,"use":"notAllowed"},'
        b'"data_mining":{"constraint":null,"use":"notAllowed"},'
        b'"evaluation":{"constraint":null,"use":"notAllowed"}},'
        b'"validity":{"from":null,"until":null}}'
    )
    assert rfc8785.dumps(terms.to_json()) == canonical
    assert terms.digest() == hashlib.sha256(canonical).hexdigest()


def test_any_change_changes_the_digest() -> None:
    terms = ConsentTerms(uses=_all(ALLOWED), attribution=Attribution(True))
    variants = [
        terms.with_use(Use.AI_TRAINING, NOT_ALLOWED),
        terms.with_use(Use.AI_TRAINING, constrained("research only")),
        ConsentTerms(uses=terms.uses),
        ConsentTerms(uses=terms.uses, attribution=Attribution(True, "J. Doe")),
        ConsentTerms(uses=terms.uses, attribution=Attribution(True), jurisdictions=("FR",)),
        ConsentTerms(uses=terms.uses, attribution=Attribution(True), contact="me@example.org"),
    ]
    digests = {variant.digest() for variant in variants} | {terms.digest()}
    assert len(digests) == len(variants) + 1


def test_jurisdictions_are_sorted_and_deduplicated() -> None:
    terms = ConsentTerms(uses=_all(ALLOWED), jurisdictions=("US-CA", "EU", "EU"))
    assert terms.jurisdictions == ("EU", "US-CA")


def test_times_are_normalised_to_utc_seconds() -> None:
    east = timezone(timedelta(hours=2))
    validity = Validity(datetime(2025, 6, 1, 14, 0, 0, 123456, tzinfo=east))
    assert validity.start == datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
    terms = ConsentTerms(uses=_all(ALLOWED), validity=validity)
    assert terms.to_json()["validity"]["from"] == "2025-06-01T12:00:00Z"


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: UseTerm(Permission.CONSTRAINED), "needs its constraint in words"),
        (lambda: UseTerm(Permission.CONSTRAINED, "   "), "must not be empty"),
        (lambda: UseTerm(Permission.ALLOWED, "x"), "only a constrained use"),
        (lambda: constrained("a\x00b"), "control character"),
        (lambda: constrained("x" * 2001), "longer than 2000"),
        (lambda: Attribution(False, "me"), "only meaningful when attribution is required"),
        (lambda: Compensation(CompensationKind.FIXED), "exactly when the kind is 'fixed'"),
        (lambda: Compensation(CompensationKind.NETWORK, "1", "EUR"), "exactly when"),
        (lambda: Compensation(CompensationKind.FIXED, "0.00", "EUR"), "positive decimal"),
        (lambda: Compensation(CompensationKind.FIXED, "1e3", "EUR"), "positive decimal"),
        (lambda: Compensation(CompensationKind.FIXED, "1", "eur"), "ISO 4217"),
        (lambda: Compensation(CompensationKind.NONE, details="x"), "not meaningful"),
        (lambda: Validity(datetime(2025, 1, 1)), "needs a time zone"),
        (
            lambda: Validity(datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
            "end must come after the start",
        ),
        (lambda: RevocationTerms(False, "email me"), "irrevocable consent has no method"),
        (lambda: ConsentTerms(uses={Use.AI_TRAINING: ALLOWED}), "every use must be decided"),
        (lambda: ConsentTerms(uses=_all(ALLOWED), jurisdictions=("France",)), "ISO 3166"),
        (lambda: ConsentTerms(uses=_all(ALLOWED), contact=""), "must not be empty"),
        (
            lambda: ConsentTerms(uses=_all(NOT_ALLOWED), attribution=Attribution(True)),
            "apply to permitted uses",
        ),
        (
            lambda: ConsentTerms(
                uses=_all(NOT_ALLOWED), compensation=Compensation(CompensationKind.NETWORK)
            ),
            "apply to permitted uses",
        ),
    ],
)
def test_model_rules(build: Any, words: str) -> None:
    with pytest.raises(InvalidTerms, match=words) as caught:
        build()
    assert isinstance(caught.value, InvalidInput)


def _mutated(path: list[str], value: object) -> dict[str, Any]:
    document = copy.deepcopy(_base_json())
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (_mutated(["schema_version"], 2), r"schema_version: version 2 is not supported"),
        (_mutated(["schema_version"], True), r"schema_version: expected an integer"),
        (_mutated(["uses", "ai_training", "use"], "maybe"), r"uses\.ai_training\.use: expected"),
        (
            _mutated(["uses", "ai_training"], {"use": "constrained", "constraint": None}),
            r"uses\.ai_training: a constrained use needs",
        ),
        (_mutated(["uses", "ai_training", "extra"], 1), r"uses\.ai_training: unknown member"),
        (_mutated(["attribution", "required"], "yes"), r"attribution\.required: expected true"),
        (_mutated(["compensation", "kind"], "gift"), r"compensation\.kind: expected none"),
        (_mutated(["compensation", "amount"], 1.5), r"compensation\.amount: expected a string"),
        (_mutated(["validity", "from"], "2025-01-01"), r"validity\.from: expected an RFC 3339"),
        (_mutated(["validity", "from"], "2025-02-30T00:00:00Z"), r"not a valid date"),
        (_mutated(["jurisdictions"], ["FR", "FR"]), r"jurisdictions: lists a code twice"),
        (_mutated(["jurisdictions"], ["fr"]), r"jurisdictions\[0\]: expected an ISO 3166"),
        (_mutated(["contact"], 5), r"contact: expected a string"),
        (_mutated(["surprise"], 1), r"unknown member 'surprise'"),
    ],
)
def test_from_json_names_the_path(document: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidTerms, match=words):
        ConsentTerms.from_json(document)


def test_missing_member_is_named() -> None:
    document = _base_json()
    del document["revocation"]
    with pytest.raises(InvalidTerms, match=r"consent terms\.revocation: missing"):
        ConsentTerms.from_json(document)
    with pytest.raises(InvalidTerms, match=r"expected an object, got an array"):
        ConsentTerms.from_json([])


def test_strict_loading_refuses_duplicates_and_constants() -> None:
    with pytest.raises(InvalidInput, match="duplicate key 'a'"):
        loads_strict(b'{"a": 1, "a": 2}', what="terms")
    with pytest.raises(InvalidInput, match="NaN is not JSON"):
        loads_strict(b'{"a": NaN}', what="terms")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        loads_strict(b'{"a": "\xff"}', what="terms")
    with pytest.raises(InvalidInput, match="not valid JSON"):
        loads_strict(b"{", what="terms")


def test_unpaired_surrogate_is_refused() -> None:
    document = _mutated(["contact"], "\ud800")
    with pytest.raises(InvalidTerms, match="unpaired surrogate"):
        ConsentTerms.from_json(document)


def test_with_use_and_permitted_uses() -> None:
    terms = ConsentTerms(uses=_all(NOT_ALLOWED)).with_use(Use.EVALUATION, constrained("public"))
    assert terms.permitted_uses() == (Use.EVALUATION,)
    assert terms.uses[Use.EVALUATION].constraint == "public"
    assert list(terms.uses) == list(Use)
