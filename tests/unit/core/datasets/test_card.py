"""The Croissant 1.1 + RAI 1.0 dataset card."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.canonical import canonical_json
from app.core.datasets.card import (
    AGE_FORMAT,
    CONTEXT,
    CROISSANT,
    CROISSANT_RAI,
    build_card,
    card_bytes,
)
from app.core.datasets.card_facts import FieldFact, PiiFact, PipelineFacts
from app.core.datasets.card_input import CardInput, ConsentReference, InvalidCard

DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
COMMITMENT = "c0" * 32
PACKAGE = "5a" * 32
CONSENT = "9e" * 32

FULL = CardInput(
    name="Clinic questions",
    description="Questions patients ask, with the answers a nurse gave.",
    license="CC-BY-4.0",
    creator_name="Dr. Ada {Lovelace}",
    contributor_did=DID,
    keywords=("medicine", "nursing"),
    languages=("en", "fr"),
    version="1.0.0",
    data_collection="Written from memory after consultations.",
    collection_types=("Manual Human Curator",),
    collection_start=date(2024, 1, 1),
    collection_end=date(2024, 6, 30),
    raw_data="Handwritten notes.",
    use_cases=("Fine tuning",),
    limitations=("One clinic in one town.",),
    biases=("Mostly adult patients.",),
    sensitive_information=("Health topics, no patient identities.",),
    social_impact="Could help triage.",
    annotation_protocol=("Answers checked twice.",),
    maintenance_plan="No updates planned.",
    derived_from=("https://example.org/guidelines",),
    consent=ConsentReference(
        "Open research",
        ["AI training is allowed.", "Attribution is required."],
        CONSENT,
        "https://example.org/terms",
    ),
)
FACTS = PipelineFacts(
    prepared_at=datetime(2025, 6, 1, 12, 30, 15, 999, tzinfo=timezone(timedelta(hours=2))),
    records=120,
    records_read=131,
    commitment=COMMITMENT,
    package_sha256=PACKAGE,
    package_size=48_213,
    schema=(
        FieldFact("question", "text", distinct=118),
        FieldFact("answer", "text", null_rate=0.025),
        FieldFact("age group", "integer"),
        FieldFact("tags/extra", "json", description="Free-form tags."),
        FieldFact("score", "number"),
        FieldFact("seen", "boolean"),
        FieldFact("day", "date"),
        FieldFact("at", "datetime"),
        FieldFact("link", "url"),
    ),
    source_files=3,
    source_formats=("CSV", "Markdown"),
    normalisation=("Unicode NFC", "line endings to LF", "trimmed whitespace"),
    records_rejected=2,
    dedupe="near",
    exact_duplicates_removed=6,
    near_duplicates_removed=3,
    near_threshold=0.85,
    pii=(
        PiiFact("email", 4, "mask"),
        PiiFact("phone", 2, "pseudonymize", kept_after_review=1),
        PiiFact("iban", 0, "drop-record"),
    ),
    tool_version="0.1.0",
)
MINIMAL = CardInput(
    name="Notes", description="My notes.", license="https://example.org/license", creator_name="Bo"
)
MINIMAL_FACTS = PipelineFacts(
    prepared_at=datetime(2025, 1, 2, tzinfo=UTC),
    records=1,
    commitment=COMMITMENT,
    package_sha256=PACKAGE,
    package_size=300,
    schema=(FieldFact("text", "text"),),
)


def test_required_croissant_properties() -> None:
    card = build_card(FULL, FACTS)
    assert card["@context"] == dict(CONTEXT)
    assert card["@type"] == "sc:Dataset"
    assert card["conformsTo"] == [CROISSANT, CROISSANT_RAI]
    assert card["name"] == "Clinic questions"
    assert card["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert card["url"] == f"urn:tessera:dataset:sha256-merkle:{COMMITMENT}"
    assert card["creator"] == {
        "@type": "sc:Person",
        "name": "Dr. Ada {Lovelace}",
        "identifier": DID,
    }
    assert card["datePublished"] == "2025-06-01"
    assert card["dateCreated"] == "2025-06-01T10:30:15Z"
    assert card["identifier"]["value"] == COMMITMENT  # type: ignore[index]
    bibtex = str(card["citeAs"])
    assert bibtex.startswith("@misc{tessera_c0c0c0c0c0c0c0c0,")
    assert "author = {Dr. Ada Lovelace}" in bibtex  # braces cannot break out of the entry


def test_package_and_records_are_described() -> None:
    package, records = build_card(FULL, FACTS)["distribution"]  # type: ignore[misc]
    assert package["@type"] == "cr:FileObject"
    assert package["sha256"] == PACKAGE
    assert package["encodingFormat"] == AGE_FORMAT
    assert package["contentUrl"] == "package.age"
    assert package["contentSize"] == "48213 B"
    assert records["containedIn"] == {"@id": "package.age"}
    assert records["encodingFormat"] == "application/jsonlines"
    assert "sha256" not in records  # a digest of the plaintext would reveal guessable content


def test_record_set_follows_the_schema() -> None:
    (record_set,) = build_card(FULL, FACTS)["recordSet"]  # type: ignore[misc]
    assert record_set["description"] == "120 records, one per line of records.jsonl."
    fields = {field["name"]: field for field in record_set["field"]}
    assert list(fields) == [fact.name for fact in FACTS.schema]
    assert fields["age group"]["@id"] == "records/age%20group"
    assert fields["tags/extra"]["@id"] == "records/tags%2Fextra"
    assert fields["tags/extra"]["source"] == {
        "fileObject": {"@id": "records.jsonl"},
        "extract": {"column": "tags/extra"},
    }
    types = {name: field["dataType"] for name, field in fields.items()}
    assert types == {
        "question": "sc:Text",
        "answer": "sc:Text",
        "age group": "sc:Integer",
        "tags/extra": "sc:Text",
        "score": "sc:Float",
        "seen": "sc:Boolean",
        "day": "sc:Date",
        "at": "sc:DateTime",
        "link": "sc:URL",
    }
    assert fields["answer"]["description"] == "Missing in 2.5% of records."
    assert fields["question"]["description"] == "118 distinct values."
    assert fields["tags/extra"]["description"] == "Free-form tags. Nested or mixed JSON values."
    assert "description" not in fields["score"]


def test_rai_fields_come_from_the_contributor_and_the_pipeline() -> None:
    card = build_card(FULL, FACTS)
    assert card["rai:dataCollection"] == (
        "Written from memory after consultations. Prepared on the contributor's own device "
        "with Tessera 0.1.0 from 131 records in 3 files (CSV, Markdown)."
    )
    assert card["rai:dataCollectionType"] == ["Manual Human Curator"]
    assert card["rai:dataCollectionTimeframe"] == "2024-01-01/2024-06-30"
    assert card["rai:dataCollectionRawData"] == "Handwritten notes."
    steps = card["rai:dataPreprocessingProtocol"]
    assert isinstance(steps, list)
    assert steps[0] == "Normalisation: Unicode NFC; line endings to LF; trimmed whitespace."
    assert "2 malformed input records were rejected" in steps[1]
    assert "6 duplicate records removed" in steps[2]
    assert "Jaccard similarity >= 0.85" in steps[3]
    assert "3 records removed" in steps[3]
    assert "6 findings" in steps[4]
    assert COMMITMENT in steps[5]
    assert "120 record hashes" in steps[5]
    assert card["rai:personalSensitiveInformation"] == [
        "Health topics, no patient identities.",
        "email: 4 found, masked with a type tag.",
        "phone: 2 found, replaced by keyed pseudonyms (the same value gives the same token); "
        "1 kept after review.",
    ]
    assert card["rai:dataUseCases"] == ["Fine tuning"]
    assert card["rai:dataLimitations"] == ["One clinic in one town."]
    assert card["rai:dataBiases"] == ["Mostly adult patients."]
    assert card["rai:dataSocialImpact"] == "Could help triage."
    assert card["rai:dataAnnotationProtocol"] == "Answers checked twice."
    assert card["rai:dataReleaseMaintenancePlan"] == "No updates planned."


def test_provenance_and_consent() -> None:
    card = build_card(FULL, FACTS)
    assert card["prov:wasAttributedTo"] == {
        "@type": "prov:Agent",
        "@id": DID,
        "prov:label": "Dr. Ada {Lovelace}",
    }
    assert card["prov:wasGeneratedBy"] == {
        "@type": "prov:Activity",
        "prov:label": "Dataset preparation with Tessera 0.1.0",
        "prov:endedAtTime": "2025-06-01T10:30:15Z",
    }
    assert card["prov:wasDerivedFrom"] == [{"@id": "https://example.org/guidelines"}]
    assert card["usageInfo"] == {
        "@type": "CreativeWork",
        "name": "Open research",
        "description": "AI training is allowed. Attribution is required.",
        "identifier": f"sha256:{CONSENT}",
        "url": "https://example.org/terms",
    }


def test_minimal_card() -> None:
    card = build_card(MINIMAL, MINIMAL_FACTS)
    assert card["license"] == "https://example.org/license"
    assert "usageInfo" not in card
    assert "prov:wasAttributedTo" not in card
    assert card["version"] == "1.0.0"
    assert "rai:dataCollectionTimeframe" not in card
    assert card["creator"] == {"@type": "sc:Person", "name": "Bo"}
    assert card["rai:dataCollection"] == (
        "Prepared on the contributor's own device with Tessera from 1 records."
    )
    assert card["rai:dataPreprocessingProtocol"][0] == "No deduplication."  # type: ignore[index]
    assert card["rai:personalSensitiveInformation"] == [
        "The automated scan found no personal information of the kinds it detects."
    ]
    only_start = replace(MINIMAL, collection_start=date(2023, 5, 1))
    assert build_card(only_start, MINIMAL_FACTS)["rai:dataCollectionTimeframe"] == "2023-05-01"
    organisation = replace(MINIMAL, creator_kind="Organization", cite_as="Bo et al. 2025")
    card = build_card(organisation, replace(MINIMAL_FACTS, dedupe="exact"))
    assert card["creator"] == {"@type": "sc:Organization", "name": "Bo"}
    assert card["citeAs"] == "Bo et al. 2025"
    steps = card["rai:dataPreprocessingProtocol"]
    assert isinstance(steps, list)
    assert "0 duplicate records removed" in steps[0]
    assert not any("Near-duplicate" in step for step in steps)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "name: must not be empty"),
        ({"description": ""}, "description: must not be empty"),
        ({"creator_name": ""}, "creator: must not be empty"),
        ({"license": "MIT OR Apache-2.0"}, "license: give an SPDX identifier"),
        ({"url": "example.org/data"}, "url: 'example.org/data' is not a URL"),
        ({"derived_from": ("not a url",)}, "derived from"),
        ({"url": "javascript:alert(1)"}, "is not a URL"),
        ({"license": "javascript:alert(1)"}, "license: give an SPDX identifier"),
        ({"consent": ConsentReference("x", ["y"], CONSENT, "file:///etc")}, "consent: 'file"),
        ({"consent": ConsentReference(" ", ["y"], CONSENT)}, "consent name: must not be empty"),
        ({"consent": ConsentReference("x", [""], CONSENT)}, "consent summary: must not be"),
        ({"contributor_did": "z6Mk"}, "contributor: not a DID"),
        ({"collection_start": date(2025, 1, 2), "collection_end": date(2025, 1, 1)}, "start is"),
        ({"consent": ConsentReference("x", ["y"], "ABC")}, "consent: the digest"),
        ({"keywords": ("ok", " ")}, "keywords: must not be empty"),
        ({"version": "x" * 10_001}, "version: longer than"),
        ({"creator_kind": "Robot"}, "creator: must be a Person or an Organization"),
    ],
)
def test_unusable_input_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidCard, match=message):
        build_card(replace(FULL, **change), FACTS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commitment": "C0" * 32}, "64 lowercase hex"),
        ({"package_sha256": "5a"}, "64 lowercase hex"),
        ({"prepared_at": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"schema": (FieldFact("a", "text"), FieldFact("a", "integer"))}, "unique"),
        ({"pii": (PiiFact("email", 1, "shred"),)}, "unknown PII action"),  # type: ignore[arg-type]
        ({"dedupe": "fuzzy"}, "unknown dedupe mode"),
    ],
)
def test_pipeline_facts_are_checked(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_card(FULL, replace(FACTS, **change))


def test_card_bytes_are_stable_json() -> None:
    card = build_card(FULL, FACTS)
    data = card_bytes(card)
    assert data == card_bytes(build_card(FULL, FACTS))
    assert data.endswith(b"}\n")
    assert json.loads(data) == card
    assert b"Lovelace" in data


_WORDS = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(str.strip)


@settings(max_examples=60)
@given(
    name=_WORDS,
    creator=_WORDS,
    keywords=st.lists(_WORDS, max_size=3),
    field_names=st.lists(_WORDS, min_size=1, max_size=4, unique=True),
)
def test_any_typed_text_gives_a_valid_json_card(
    name: str, creator: str, keywords: list[str], field_names: list[str]
) -> None:
    info = replace(FULL, name=name, creator_name=creator, keywords=tuple(keywords))
    facts = replace(FACTS, schema=tuple(FieldFact(n, "text") for n in field_names))
    card = build_card(info, facts)
    assert json.loads(card_bytes(card)) == card
    canonical_json(card)  # I-JSON throughout
    ids = [field["@id"] for field in card["recordSet"][0]["field"]]  # type: ignore[index]
    assert len(set(ids)) == len(ids)
    assert all(" " not in i and "#" not in i for i in ids)
    assert "}" not in str(card["citeAs"]).split("author = {", 1)[1].split("}", 1)[0]


# -- validation by mlcroissant, the reference Croissant implementation --------------


def _mlcroissant() -> Any:
    if os.environ.get("CI") == "true":
        import mlcroissant

        return mlcroissant
    return pytest.importorskip("mlcroissant")


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(
    ("info", "facts"), [(FULL, FACTS), (MINIMAL, MINIMAL_FACTS)], ids=["full", "minimal"]
)
def test_mlcroissant_accepts_the_card(info: CardInput, facts: PipelineFacts) -> None:
    mlc = _mlcroissant()
    card = json.loads(card_bytes(build_card(info, facts)))
    metadata = mlc.Dataset(jsonld=card).metadata
    assert metadata.ctx.issues.errors == set()
    assert metadata.ctx.issues.warnings == set()
    assert str(metadata.ctx.conforms_to.value) == CROISSANT
    assert metadata.conforms_to == [CROISSANT, CROISSANT_RAI]
    assert metadata.name == info.name
    package = metadata.distribution[0]
    assert package.sha256 == facts.package_sha256
    (record_set,) = metadata.record_sets
    assert [field.name for field in record_set.fields] == [fact.name for fact in facts.schema]
    assert metadata.personal_sensitive_information == card["rai:personalSensitiveInformation"]
    assert metadata.data_preprocessing_protocol == card["rai:dataPreprocessingProtocol"]
    assert metadata.data_collection == card["rai:dataCollection"]
    if info is FULL:
        assert metadata.data_use_cases == ["Fine tuning"]
        assert metadata.data_biases == ["Mostly adult patients."]
        assert metadata.data_limitations == ["One clinic in one town."]
        assert metadata.data_collection_type == ["Manual Human Curator"]
        assert [field.data_types[0].split("/")[-1] for field in record_set.fields][:3] == [
            "Text",
            "Text",
            "Integer",
        ]
