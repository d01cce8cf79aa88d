"""ODRL 2.2 export and the lossless import of that form."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from app.core.consent.odrl import (
    CONTEXT,
    DEFAULT_TARGET,
    PROFILE,
    UnsupportedPolicy,
    from_odrl,
    to_odrl,
)
from app.core.consent.templates import load_terms
from app.core.consent.terms import (
    NOT_ALLOWED,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    Use,
    Validity,
    constrained,
)
from tests.unit.core.consent.strategies import consent_terms


@settings(max_examples=150)
@given(consent_terms())
def test_round_trip_is_lossless(terms: ConsentTerms) -> None:
    policy = json.loads(json.dumps(to_odrl(terms)))
    assert from_odrl(policy) == terms


@settings(max_examples=40)
@given(consent_terms())
def test_round_trip_of_an_agreement(terms: ConsentTerms) -> None:
    policy = to_odrl(terms, assigner="did:key:z6Mkcontributor", assignee="did:key:z6Mknetwork")
    assert policy["@type"] == "Agreement"
    assert from_odrl(policy) == terms


def _terms() -> ConsentTerms:
    return ConsentTerms(
        uses={
            **load_terms("no-ai-training").uses,
            Use.AI_INFERENCE: constrained("retrieval with citation"),
        },
        attribution=Attribution(True, "Ada"),
        compensation=Compensation(CompensationKind.FIXED, "3.20", "EUR"),
        validity=Validity(datetime(2025, 1, 1, tzinfo=UTC), None),
        jurisdictions=("FR",),
    )


def test_policy_shape() -> None:
    terms = _terms()
    policy = to_odrl(terms, assigner="did:key:z6Mkcontributor")
    assert policy["@context"] == CONTEXT
    assert policy["@type"] == "Offer"
    assert policy["uid"] == f"urn:tessera:consent:{terms.digest()}"
    assert policy["profile"] == PROFILE
    assert policy["target"] == DEFAULT_TARGET
    assert policy["assigner"] == "did:key:z6Mkcontributor"
    assert "assignee" not in policy
    purposes = {
        rule["constraint"][0]["rightOperand"]["@id"]: kind
        for kind in ("permission", "prohibition")
        for rule in policy[kind]
    }
    assert purposes == {
        "tessera:data_mining": "permission",
        "tessera:ai_inference": "permission",
        "tessera:ai_training": "prohibition",
        "tessera:ai_generative_training": "prohibition",
        "tessera:evaluation": "permission",
        "tessera:commercial": "permission",
    }
    inference = policy["permission"][1]
    assert inference["constraint"][1] == {
        "leftOperand": "tessera:condition",
        "operator": "eq",
        "rightOperand": "retrieval with citation",
    }
    assert {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": ["FR"]} in inference[
        "constraint"
    ]
    assert [duty["action"] for duty in inference["duty"]] == ["attribute", "compensate"]
    pay = inference["duty"][1]["constraint"][0]
    assert pay["leftOperand"] == "payAmount"
    assert pay["rightOperand"] == {"@value": "3.20", "@type": "xsd:decimal"}
    assert pay["unit"] == "urn:iso:std:iso:4217:EUR"
    assert all("duty" not in rule for rule in policy["prohibition"])


def test_agreement_needs_an_assigner() -> None:
    with pytest.raises(ValueError, match="needs an assigner"):
        to_odrl(_terms(), assignee="did:key:z6Mknetwork")


def test_unmentioned_uses_are_not_allowed() -> None:
    policy = to_odrl(load_terms("commercial-attribution"))
    policy["permission"] = [
        rule
        for rule in policy["permission"]
        if rule["constraint"][0]["rightOperand"]["@id"] == "tessera:ai_inference"
    ]
    terms = from_odrl(policy)
    assert terms.permitted_uses() == (Use.AI_INFERENCE,)
    assert terms.uses[Use.AI_TRAINING] == NOT_ALLOWED


def test_foreign_spellings_are_read() -> None:
    """Full IRIs, odrl: prefixes and a single-code spatial eq mean the same thing."""
    policy = to_odrl(_terms())
    rule = policy["permission"][0]
    rule["action"] = "odrl:use"
    rule["constraint"][0]["rightOperand"] = {"@id": "https://tessera.dev/ns/consent#data_mining"}
    del policy["profile"]
    for each in policy["permission"] + policy["prohibition"]:
        for constraint in each["constraint"]:
            if constraint["leftOperand"] == "spatial":
                constraint.update(operator="eq", rightOperand="FR")
    assert from_odrl(policy) == _terms()


def _edit(path: list[Any], value: Any) -> dict[str, Any]:
    policy = copy.deepcopy(to_odrl(_terms()))
    target: Any = policy
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return policy


_DELETE = object()


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ("not a policy", r"policy: .*not a JSON object"),
        (_edit(["obligation"], []), r"policy: .*the member 'obligation'"),
        (_edit(["@context"], "https://example.org/other"), r"@context: .*without"),
        (_edit(["@context", 1], {"ex": "https://example.org/"}), r"@context: .*context entry"),
        (_edit(["@type"], "Ticket"), r"@type: .*'Ticket'"),
        (_edit(["profile"], "https://example.org/profile"), r"profile"),
        (_edit(["target"], ["a", "b"]), r"policy\.target: .*single IRI"),
        (
            _edit(["permission", 0, "action"], "distribute"),
            r"permission\[0\]\.action: .*distribute",
        ),
        (_edit(["permission", 0, "assignee"], "x"), r"permission\[0\]: .*'assignee'"),
        (_edit(["permission", 0, "target"], "urn:other"), r"permission\[0\]\.target: .*different"),
        (
            _edit(
                ["permission", 0, "constraint", 0],
                {"leftOperand": "count", "operator": "lteq", "rightOperand": 5},
            ),
            r"permission\[0\]\.constraint\[0\]: .*'count' 'lteq'",
        ),
        (
            _edit(["permission", 0, "constraint", 0, "rightOperand"], {"@id": "tessera:fun"}),
            r"purpose .*tessera:fun",
        ),
        (_edit(["permission", 0, "constraint"], []), r"permission\[0\]: .*without a purpose"),
        (
            _edit(["permission", 1, "constraint", 0, "rightOperand", "@id"], "tessera:data_mining"),
            r"permission\[1\]: .*second rule for the purpose 'data_mining'",
        ),
        (
            _edit(
                ["permission", 1, "constraint", 2, "rightOperand", "@value"], "2026-01-01T00:00:00Z"
            ),
            r"permission\[1\]: .*validity period or jurisdictions different from permission\[0\]",
        ),
        (
            _edit(
                ["permission", 0, "constraint", 1, "rightOperand"],
                {"@value": "soon", "@type": "xsd:dateTime"},
            ),
            r"expected an RFC 3339 UTC time",
        ),
        (
            _edit(["permission", 0, "duty"], [{"action": "attribute"}]),
            r"permission\[1\]: .*duties different from permission\[0\]",
        ),
        (_edit(["permission", 0, "duty", 0, "action"], "delete"), r"duty\[0\]\.action: .*delete"),
        (
            _edit(["permission", 0, "duty", 1, "constraint", 0, "unit"], "EUR"),
            r"duty\[1\]\.constraint\[0\]: .*unit 'EUR'",
        ),
        (
            _edit(["permission", 0, "duty", 1, "tessera:compensation"], "none"),
            r"'none' on a compensate duty",
        ),
        (_edit(["prohibition", 0, "remedy"], []), r"prohibition\[0\]: .*'remedy'"),
        (_edit(["tessera:schemaVersion"], 2), r"tessera:schemaVersion: .*2"),
        (_edit(["tessera:revocable"], "yes"), r"tessera:revocable"),
        (_edit(["permission"], {"action": "use"}), r"permission\[0\]: .*without a purpose"),
    ],
)
def test_unsupported_features_are_named(policy: object, words: str) -> None:
    with pytest.raises(UnsupportedPolicy, match=words):
        from_odrl(policy)


def test_policy_without_rules_is_refused() -> None:
    policy = to_odrl(_terms())
    del policy["permission"], policy["prohibition"]
    with pytest.raises(UnsupportedPolicy, match="no rules at all"):
        from_odrl(policy)


def test_model_rule_violations_surface_as_import_errors() -> None:
    policy = to_odrl(_terms())
    condition = policy["permission"][1]["constraint"][1]
    condition["rightOperand"] = "   "
    with pytest.raises(UnsupportedPolicy, match="must not be empty"):
        from_odrl(policy)
