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


def _fixed_policy() -> dict[str, Any]:
    return to_odrl(_terms())


def _each_permission(policy: dict[str, Any], change: Any) -> dict[str, Any]:
    for rule in policy["permission"]:
        change(rule)
    return policy


def _each_rule(policy: dict[str, Any], change: Any) -> dict[str, Any]:
    for rule in policy["permission"] + policy["prohibition"]:
        change(rule)
    return policy


def _scope(rule: dict[str, Any], left: str, operator: str | None = None) -> dict[str, Any]:
    return next(
        c
        for c in rule["constraint"]
        if c["leftOperand"] == left and (operator is None or c["operator"] == operator)
    )


MORE_UNSUPPORTED: list[tuple[Any, str]] = [
    (lambda p: p.update({"tessera:contact": 5}), r"tessera:contact: .*not a string"),
    (lambda p: p.update({"tessera:revocationMethod": 5}), r"tessera:revocationMethod"),
    (lambda p: p.pop("target"), r"a rule without a target"),
    (
        lambda p: _each_permission(p, lambda r: r["duty"].append({"action": "attribute"})),
        r"a second 'attribute' duty",
    ),
    (
        lambda p: _each_permission(p, lambda r: r["duty"][0].update({"tessera:credit": 5})),
        r"tessera:credit: .*not text",
    ),
    (
        lambda p: _each_permission(p, lambda r: r["duty"][0].update(extra=1)),
        r"duty\[0\]: .*the member 'extra'",
    ),
    (
        lambda p: _each_permission(
            p, lambda r: r["duty"][1]["constraint"][0].update(leftOperand="count")
        ),
        r"'count' 'eq' on compensation",
    ),
    (
        lambda p: _each_permission(
            p, lambda r: r["duty"][1]["constraint"][0].update(rightOperand={"@value": "much"})
        ),
        r"not a decimal string",
    ),
    (
        lambda p: _each_permission(
            p, lambda r: r["duty"][1]["constraint"][0].update(unit="urn:iso:std:iso:4217:euro")
        ),
        r"the currency 'euro'",
    ),
    (
        lambda p: _each_permission(p, lambda r: r["duty"][1].update({"tessera:compensation": "x"})),
        r"tessera:compensation: .*'x'",
    ),
    (
        lambda p: _each_permission(p, lambda r: r["duty"][1].update({"tessera:details": 5})),
        r"tessera:details: .*not text",
    ),
    (
        lambda p: _each_rule(p, lambda r: r["constraint"][0].update(rightOperand=5)),
        r"the purpose 5",
    ),
    (
        lambda p: _each_rule(
            p, lambda r: _scope(r, "dateTime").update(rightOperand={"@value": "x", "@type": "y"})
        ),
        r"not an xsd:dateTime value",
    ),
    (
        lambda p: _each_rule(p, lambda r: _scope(r, "dateTime").update(rightOperand=5)),
        r"a date that is not text",
    ),
    (
        lambda p: _each_rule(p, lambda r: _scope(r, "spatial").update(operator="neq")),
        r"spatial constraint 'neq'",
    ),
    (
        lambda p: _each_rule(p, lambda r: _scope(r, "spatial").update(rightOperand=["FR", "FR"])),
        r"a jurisdiction listed twice",
    ),
    (
        lambda p: _each_rule(p, lambda r: _scope(r, "spatial").update(rightOperand=["France"])),
        r"ISO 3166 code",
    ),
    (
        lambda p: _each_rule(p, lambda r: _scope(r, "spatial").pop("operator")),
        r"not leftOperand/operator/rightOperand",
    ),
    (lambda p: p["permission"][0].update(constraint=5), r"constraint: .*not an array"),
    (
        lambda p: _each_rule(
            p,
            lambda r: r["constraint"].append(
                {
                    "leftOperand": "dateTime",
                    "operator": "lt",
                    "rightOperand": {"@value": "2024-01-01T00:00:00Z", "@type": "xsd:dateTime"},
                }
            ),
        ),
        r"the end must come after the start",
    ),
]


@pytest.mark.parametrize(("change", "words"), MORE_UNSUPPORTED)
def test_more_unsupported_features_are_named(change: Any, words: str) -> None:
    policy = _fixed_policy()
    change(policy)
    with pytest.raises(UnsupportedPolicy, match=words):
        from_odrl(policy)


def test_compensation_kind_is_inferred_from_foreign_duties() -> None:
    policy = _each_permission(_fixed_policy(), lambda r: r["duty"][1].pop("tessera:compensation"))
    assert from_odrl(policy).compensation.kind is CompensationKind.FIXED
    policy = _each_permission(
        _fixed_policy(),
        lambda r: (r["duty"][1].pop("tessera:compensation"), r["duty"][1].pop("constraint")),
    )
    assert from_odrl(policy).compensation == Compensation(CompensationKind.NEGOTIATED)


def test_plain_date_strings_are_read() -> None:
    policy = _each_rule(
        _fixed_policy(), lambda r: _scope(r, "dateTime").update(rightOperand="2025-01-01T00:00:00Z")
    )
    assert from_odrl(policy) == _terms()


def test_a_condition_on_a_prohibition_is_refused() -> None:
    policy = _fixed_policy()
    policy["prohibition"][0]["constraint"].append(
        {"leftOperand": "tessera:condition", "operator": "eq", "rightOperand": "x"}
    )
    with pytest.raises(UnsupportedPolicy, match="a condition on a prohibition"):
        from_odrl(policy)


def test_a_foreign_purpose_iri_is_refused() -> None:
    policy = _fixed_policy()
    policy["permission"][0]["constraint"][0]["rightOperand"] = {"@id": "https://example.org/p"}
    with pytest.raises(UnsupportedPolicy, match="the purpose"):
        from_odrl(policy)


def test_a_policy_of_prohibitions_only() -> None:
    terms = ConsentTerms(uses={use: NOT_ALLOWED for use in Use}, jurisdictions=("FR",))
    policy = to_odrl(terms)
    assert "permission" not in policy
    assert len(policy["prohibition"]) == len(Use)
    assert from_odrl(policy) == terms
