"""What Tessera writes is valid against the published JSON Schemas, and what they refuse it refuses.

Needs ``jsonschema`` (a test dependency).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from app.core.consent.templates import TEMPLATES
from app.core.consent.terms import ConsentTerms
from app.core.errors import InvalidInput
from app.core.submission.manifest import Manifest
from app.core.submission.revocation import Revocation, make_revocation
from tests.unit.core.consent.strategies import consent_terms
from tests.unit.core.submission.conftest import Folder
from tests.vectors.submission.generate import HERE as VECTORS

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")
referencing = pytest.importorskip("referencing")

SCHEMAS = Path(__file__).resolve().parents[4] / "resources" / "protocol" / "schemas"


def _load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return schema


_REGISTRY = referencing.Registry().with_resources(
    (schema["$id"], referencing.Resource.from_contents(schema))
    for schema in map(_load, sorted(path.name for path in SCHEMAS.glob("*.json")))
)


def _validator(name: str) -> Any:
    schema = _load(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=_REGISTRY)


TERMS = _validator("consent-terms.schema.json")
MANIFEST = _validator("manifest.schema.json")
REVOCATION = _validator("revocation.schema.json")


def test_templates_are_valid() -> None:
    for template in TEMPLATES.values():
        TERMS.validate(template.terms.to_json())


@settings(max_examples=80)
@given(consent_terms())
def test_generated_terms_are_valid(terms: ConsentTerms) -> None:
    TERMS.validate(json.loads(json.dumps(terms.to_json())))


def test_built_manifest_and_golden_vectors_are_valid(folder: Folder) -> None:
    MANIFEST.validate(folder.built.manifest.to_json())
    statement = json.loads((VECTORS / "statement.json").read_bytes())
    MANIFEST.validate(statement["predicate"])


def test_revocation_is_valid(folder: Folder) -> None:
    revocation = make_revocation(
        folder.built.submission_id,
        folder.built.manifest.contributor,
        created=datetime(2025, 7, 1, tzinfo=UTC),
    )
    REVOCATION.validate(revocation.to_json())
    REVOCATION.validate(revocation.to_json() | {"reason": None})


def _terms_json() -> dict[str, Any]:
    return TEMPLATES["commercial-attribution"].terms.to_json()


def _set(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return changed


TERMS_REFUSED = [
    ("schema_version", 2),
    ("uses.ai_training.use", "sometimes"),
    ("uses.ai_training.constraint", "words on an allowed use"),
    ("uses.ai_training", {"use": "constrained", "constraint": None}),
    ("uses.ai_training", {"use": "constrained", "constraint": " \t"}),
    ("uses.ai_training", {"use": "constrained", "constraint": "bell\u0007"}),
    ("attribution.credit", "credit without requirement is refused below"),
    ("compensation.kind", "gift"),
    ("compensation.amount", "5"),
    ("compensation", {"kind": "fixed", "amount": "0.0", "currency": "EUR", "details": None}),
    ("compensation", {"kind": "fixed", "amount": "5", "currency": "eur", "details": None}),
    ("compensation", {"kind": "none", "amount": None, "currency": None, "details": "x"}),
    ("validity.from", "2025-01-01"),
    ("jurisdictions", ["FR", "FR"]),
    ("jurisdictions", ["fr"]),
    ("revocation", {"revocable": False, "method": "email"}),
    ("contact", "x" * 321),
    ("extra", 1),
]


@pytest.mark.parametrize(("path", "value"), TERMS_REFUSED)
def test_schema_and_model_refuse_the_same_terms(path: str, value: Any) -> None:
    document = _set(_terms_json(), path, value)
    if path == "attribution.credit":
        document["attribution"]["required"] = False
    assert not TERMS.is_valid(document)
    with pytest.raises(InvalidInput):
        ConsentTerms.from_json(document)


def test_nothing_permitted_with_conditions_is_refused_by_both() -> None:
    document = _terms_json()
    for entry in document["uses"].values():
        entry["use"] = "notAllowed"
    assert not TERMS.is_valid(document)
    with pytest.raises(InvalidInput):
        ConsentTerms.from_json(document)
    document["attribution"]["required"] = False
    document["compensation"]["kind"] = "none"
    TERMS.validate(document)
    ConsentTerms.from_json(document)


MANIFEST_REFUSED = [
    ("manifest_version", 2),
    ("dataset.commitment", "A" * 64),
    ("dataset.records", -1),
    ("package.size", 1.5),
    ("package.header.sha256", "0" * 63),
    ("package.payload.size", -1),
    ("package.payload.extra", 1),
    ("package.recipients", []),
    ("package.recipients", ["age1notbech32"]),
    ("contributor", "did:key:z6LSnjagzhe8Df6gZmroW3wjDd7XQLwAuYfwa4ZeTBCGFoYc"),
    ("organization_credential", "org"),
    ("network", "example.org"),
    ("created", "2025-06-01T12:00:00+00:00"),
    ("nonce", "0" * 31),
    ("client", "tessera"),
    ("consent.terms.schema_version", 2),
    ("extra", True),
]


@pytest.mark.parametrize(("path", "value"), MANIFEST_REFUSED)
def test_schema_and_model_refuse_the_same_manifests(folder: Folder, path: str, value: Any) -> None:
    document = _set(folder.built.manifest.to_json(), path, value)
    assert not MANIFEST.is_valid(document)
    with pytest.raises(InvalidInput):
        Manifest.from_json(document)


REVOCATION_REFUSED = [
    ("revocation_version", 2),
    ("submission", "abc"),
    ("contributor", "did:web:example.org"),
    ("reason", ""),
    ("effective", "soon"),
    ("nonce", "x" * 32),
    ("extra", 1),
]


@pytest.mark.parametrize(("path", "value"), REVOCATION_REFUSED)
def test_schema_and_model_refuse_the_same_revocations(
    folder: Folder, path: str, value: Any
) -> None:
    revocation = make_revocation(folder.built.submission_id, folder.built.manifest.contributor)
    document = _set(revocation.to_json(), path, value)
    assert not REVOCATION.is_valid(document)
    with pytest.raises(InvalidInput):
        Revocation.from_json(document)
