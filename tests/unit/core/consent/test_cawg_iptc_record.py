"""CAWG training-and-mining assertion, IPTC PLUS data-mining value, consent record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from app.core.consent.cawg import LABEL, UnsupportedAssertion, from_cawg, to_cawg
from app.core.consent.iptc import PLUS_VOCAB, data_mining_code, to_iptc
from app.core.consent.record import to_consent_record
from app.core.consent.templates import load_terms
from app.core.consent.terms import (
    ALLOWED,
    NOT_ALLOWED,
    Attribution,
    ConsentTerms,
    Permission,
    RevocationTerms,
    Use,
    UseTerm,
    Validity,
    constrained,
)
from tests.unit.core.consent.strategies import consent_terms


@settings(max_examples=150)
@given(consent_terms())
def test_cawg_round_trip_is_lossless_for_the_uses(terms: ConsentTerms) -> None:
    assertion = json.loads(json.dumps(to_cawg(terms)))
    assert from_cawg(assertion).uses == terms.uses
    assert from_cawg(assertion, base=terms) == terms
    assert from_cawg(assertion["data"], base=terms) == terms


def test_cawg_shape() -> None:
    terms = load_terms("no-ai-training").with_use(Use.AI_INFERENCE, constrained("cite the source"))
    assert to_cawg(terms) == {
        "label": LABEL,
        "data": {
            "entries": {
                "cawg.data_mining": {"use": "allowed"},
                "cawg.ai_inference": {"use": "constrained", "constraint_info": "cite the source"},
                "cawg.ai_training": {"use": "notAllowed"},
                "cawg.ai_generative_training": {"use": "notAllowed"},
                "dev.tessera.evaluation": {"use": "allowed"},
                "dev.tessera.commercial": {"use": "allowed"},
            }
        },
    }


def test_cawg_constrained_without_information_means_not_allowed() -> None:
    data = {"entries": {"cawg.ai_training": {"use": "constrained"}}}
    assert from_cawg(data).uses[Use.AI_TRAINING] == NOT_ALLOWED
    data = {"entries": {"cawg.ai_training": {"use": "constrained", "constraint_info": "  "}}}
    assert from_cawg(data).uses[Use.AI_TRAINING] == NOT_ALLOWED


def test_cawg_reads_the_prose_spelling_too() -> None:
    data = {"entries": {"cawg.ai_training": {"use": "constrained", "constraints_info": "x"}}}
    assert from_cawg(data).uses[Use.AI_TRAINING] == constrained("x")


def test_cawg_partial_assertion_keeps_the_base() -> None:
    base = load_terms("commercial-attribution")
    result = from_cawg(
        {"entries": {"cawg.ai_generative_training": {"use": "notAllowed"}}}, base=base
    )
    assert result == base.with_use(Use.AI_GENERATIVE_TRAINING, NOT_ALLOWED)


@pytest.mark.parametrize(
    ("assertion", "words"),
    [
        ([], "expected a JSON object"),
        ({"label": "c2pa.training-mining", "data": {}}, "label 'c2pa.training-mining'"),
        ({"label": LABEL, "data": [], "x": 1}, "unsupported member 'x'"),
        ({"label": LABEL, "data": []}, r"data: expected a JSON object"),
        ({"entries": {}, "metadata": {}}, "unsupported member 'metadata'"),
        ({"entries": {}}, "expected a non-empty object"),
        ({"entries": {"com.example.x": {"use": "allowed"}}}, "'com.example.x' has no Tessera"),
        ({"entries": {"cawg.ai_training": "allowed"}}, r"entries\.cawg\.ai_training: expected"),
        ({"entries": {"cawg.ai_training": {"use": "maybe"}}}, r"\.use: expected allowed"),
        ({"entries": {"cawg.ai_training": {"use": "allowed", "x": 1}}}, "unsupported member 'x'"),
        (
            {"entries": {"cawg.ai_training": {"use": "allowed", "constraint_info": "x"}}},
            "constraint information on a use that is allowed",
        ),
        (
            {
                "entries": {
                    "cawg.ai_training": {
                        "use": "constrained",
                        "constraint_info": "a",
                        "constraints_info": "b",
                    }
                }
            },
            "disagree",
        ),
        (
            {"entries": {"cawg.ai_training": {"use": "constrained", "constraint_info": 5}}},
            "expected text",
        ),
        (
            {"entries": {"cawg.ai_training": {"use": "constrained", "constraint_info": "a\x00"}}},
            "control character",
        ),
    ],
)
def test_cawg_errors_are_named(assertion: object, words: str) -> None:
    with pytest.raises(UnsupportedAssertion, match=words):
        from_cawg(assertion)


def test_cawg_import_that_breaks_the_model_is_refused() -> None:
    base = ConsentTerms(
        uses={**{use: NOT_ALLOWED for use in Use}, Use.AI_TRAINING: ALLOWED},
        attribution=Attribution(True),
    )
    with pytest.raises(UnsupportedAssertion, match="apply to permitted uses"):
        from_cawg({"entries": {"cawg.ai_training": {"use": "notAllowed"}}}, base=base)


def _uses(**decisions: UseTerm) -> ConsentTerms:
    return ConsentTerms(uses={use: decisions.get(use.value, ALLOWED) for use in Use})


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        (_uses(), "DMI-ALLOWED"),
        (ConsentTerms(uses={use: NOT_ALLOWED for use in Use}), "DMI-PROHIBITED"),
        (
            _uses(ai_training=NOT_ALLOWED, ai_generative_training=NOT_ALLOWED),
            "DMI-PROHIBITED-AIMLTRAINING",
        ),
        (_uses(ai_generative_training=NOT_ALLOWED), "DMI-PROHIBITED-GENAIMLTRAINING"),
        (_uses(ai_generative_training=constrained("ask")), "DMI-PROHIBITED-SEECONSTRAINT"),
        (_uses(commercial=NOT_ALLOWED), "DMI-PROHIBITED-SEECONSTRAINT"),
        (load_terms("no-ai-training"), "DMI-PROHIBITED-AIMLTRAINING"),
    ],
)
def test_iptc_codes(terms: ConsentTerms, code: str) -> None:
    assert data_mining_code(terms) == code
    properties = to_iptc(terms)
    assert properties["plus:DataMining"] == PLUS_VOCAB + code
    assert ("plus:OtherConstraints" in properties) == (code == "DMI-PROHIBITED-SEECONSTRAINT")


def test_iptc_other_constraints_name_only_the_limits() -> None:
    properties = to_iptc(_uses(commercial=NOT_ALLOWED, evaluation=constrained("public sets only")))
    text = properties["plus:OtherConstraints"]
    assert "commercial purposes" in text
    assert "public sets only" in text
    assert "data mining" not in text


def _record(**overrides: Any) -> dict[str, Any]:
    terms = ConsentTerms(
        uses=load_terms("open-research").uses,
        attribution=Attribution(True),
        validity=Validity(None, datetime(2026, 1, 1, tzinfo=UTC)),
        jurisdictions=("EU",),
        revocation=RevocationTerms(True, "email me"),
        contact="ada@example.org",
    )
    arguments: dict[str, Any] = {
        "record_id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "principal": "did:key:z6Mkcontributor",
        "given": datetime(2025, 1, 1, tzinfo=UTC),
        "controllers": ["did:key:z6Mknetwork"],
        "recipients": ["did:key:z6Mknetwork"],
        "data_categories": ["text"],
        "now": datetime(2025, 6, 1, tzinfo=UTC),
    }
    arguments.update(overrides)
    return to_consent_record(terms, **arguments)


def test_consent_record_fields() -> None:
    record = _record()
    assert record["conforms_to"] == "ISO/IEC TS 27560:2023"
    assert record["record_id"].startswith("urn:uuid:")
    assert record["pii_principal_id"] == "did:key:z6Mkcontributor"
    assert record["pii_controllers"] == ["did:key:z6Mknetwork"]
    assert record["pii_recipients"] == ["did:key:z6Mknetwork"]
    assert record["pii_categories"] == ["text"]
    assert record["jurisdictions"] == ["EU"]
    assert record["validity"] == {"from": "2025-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    assert record["withdrawal"] == {"possible": True, "method": "email me"}
    assert record["retention"]["until"] == "2026-01-01T00:00:00Z"
    assert record["retention"]["description"].startswith("Kept while the consent holds")
    custom = _record(retention="Deleted after the study ends.")
    assert custom["retention"]["description"] == "Deleted after the study ends."
    statuses = {purpose["purpose"]: purpose["status"] for purpose in record["purposes"]}
    assert statuses["tessera:commercial"] == Permission.NOT_ALLOWED.value
    assert statuses["tessera:ai_training"] == Permission.ALLOWED.value
    assert record["events"] == [
        {"event": "given", "time": "2025-01-01T00:00:00Z", "dpv": "ConsentGiven"}
    ]
    assert record["state"] == "given"
    assert record["state_dpv"] == "https://w3id.org/dpv#ConsentGiven"
    assert record["notice"]["text"][0].startswith("Your data may be used for data mining")
    assert len(record["notice"]["terms_sha256"]) == 64


def test_consent_record_withdrawn_and_expired() -> None:
    withdrawn = _record(withdrawn=datetime(2025, 3, 1, tzinfo=UTC))
    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["events"][-1] == {
        "event": "withdrawn",
        "time": "2025-03-01T00:00:00Z",
        "dpv": "ConsentWithdrawn",
    }
    expired = _record(now=datetime(2026, 1, 1, tzinfo=UTC))
    assert expired["state"] == "expired"
    assert expired["events"][-1]["time"] == "2026-01-01T00:00:00Z"


def test_consent_record_of_irrevocable_terms() -> None:
    terms = ConsentTerms(uses=load_terms("open-research").uses, revocation=RevocationTerms(False))
    record = to_consent_record(
        terms, record_id="r", principal="p", given=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert record["withdrawal"] == {"possible": False, "method": None}
    assert record["state"] == "given"
