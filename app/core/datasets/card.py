"""The dataset card: Croissant 1.1 JSON-LD with the Responsible AI (RAI 1.0) fields.

A card lets anyone who receives a contribution understand it with existing
tools: what it is, who made it, under which license and consent, how it was
collected and cleaned, which personal information was found and what was
done with it. Two sources fill it: what the contributor typed
(:class:`CardInput`) and what the pipeline measured (:class:`PipelineFacts`),
so the preprocessing and privacy statements are facts, not promises.

The card never contains record content: no examples, no values, no source
file names (a file name can itself be personal). Field names and counts are
the most it says about the data.

The records travel as one age-encrypted JSONL package, described as a
``cr:FileObject`` with its SHA-256; the plaintext ``records.jsonl`` is a
second FileObject ``containedIn`` the package, as a file inside an archive
would be, and the RecordSet's fields read from it once decrypted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from urllib.parse import quote

from app.core.errors import InvalidInput

CROISSANT = "http://mlcommons.org/croissant/1.1"
CROISSANT_RAI = "http://mlcommons.org/croissant/RAI/1.0"
AGE_FORMAT = "https://age-encryption.org/v1"
"""age has no registered media type; Croissant asks for a defining URL then."""
JSONL_FORMAT = "application/jsonlines"
PACKAGE_ID = "package.age"
RECORDS_ID = "records.jsonl"
RECORD_SET_ID = "records"

CONTEXT: Mapping[str, object] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "annotation": "cr:annotation",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "excludes": "cr:excludes",
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "readLines": "cr:readLines",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sdVersion": "cr:sdVersion",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "unArchive": "cr:unArchive",
    "value": "cr:value",
}
"""The Croissant 1.1 context (spec appendix 1 and mlcroissant's), plus PROV-O."""

COLLECTION_TYPES = (
    "Surveys",
    "Secondary Data analysis",
    "Physical data collection",
    "Direct measurement",
    "Document analysis",
    "Manual Human Curator",
    "Software Collection",
    "Experiments",
    "Web Scraping",
    "Web API",
    "Focus groups",
    "Self-reporting",
    "Customer feedback data",
    "User-generated content data",
    "Passive Data Collection",
    "Others",
)
"""The values RAI 1.0 recommends for ``rai:dataCollectionType``; the GUI offers these."""

FieldKind = Literal["text", "integer", "number", "boolean", "date", "datetime", "url", "json"]
_DATA_TYPES: Mapping[str, str] = {
    "text": "sc:Text",
    "integer": "sc:Integer",
    "number": "sc:Float",
    "boolean": "sc:Boolean",
    "date": "sc:Date",
    "datetime": "sc:DateTime",
    "url": "sc:URL",
    "json": "sc:Text",
}
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SPDX = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*")
_URL = re.compile(r"(https?://|urn:)\S+")
"""Web addresses and URNs only: a card is shown to people, and javascript: is a URL too."""
_DID = re.compile(r"did:[a-z0-9]+:\S+")
_MAX_TEXT = 10_000


class InvalidCard(InvalidInput):
    """What the contributor typed for the card cannot go in it as is."""


@dataclass(frozen=True, slots=True)
class ConsentReference:
    """The consent terms the card points to in ``sc:usageInfo``.

    ``summary`` is the plain-language summary the contributor saw and
    signed; ``sha256`` is the terms' digest, which binds the card to the
    exact terms in the signed manifest.
    """

    name: str
    summary: Sequence[str]
    sha256: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CardInput:
    """What the contributor enters in the wizard's description step."""

    name: str
    description: str
    license: str
    """An SPDX identifier (``CC-BY-4.0``) or a license URL."""
    creator_name: str
    creator_kind: Literal["Person", "Organization"] = "Person"
    contributor_did: str | None = None
    url: str | None = None
    """Where the dataset is described; a local dataset without one gets a urn: of its commitment."""
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    version: str = "1.0.0"
    """Semantic version; a prepared dataset is a fixed snapshot, so 1.0.0 unless the user says."""
    cite_as: str | None = None
    data_collection: str | None = None
    collection_types: tuple[str, ...] = ()
    collection_start: date | None = None
    collection_end: date | None = None
    raw_data: str | None = None
    use_cases: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    biases: tuple[str, ...] = ()
    sensitive_information: tuple[str, ...] = ()
    """The contributor's own statement (categories, consent of the people concerned)."""
    social_impact: str | None = None
    annotation_protocol: tuple[str, ...] = ()
    maintenance_plan: str | None = None
    derived_from: tuple[str, ...] = ()
    """URLs of public sources this dataset was derived from, if any."""
    consent: ConsentReference | None = None


@dataclass(frozen=True, slots=True)
class FieldFact:
    """One inferred column of the records."""

    name: str
    kind: FieldKind
    null_rate: float = 0.0
    distinct: int | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class PiiFact:
    """One kind of personal information: how often it was found and what was done."""

    kind: str
    """Stable detector name: email, phone, payment_card, iban, ip, national_id, secret, ..."""
    found: int
    action: Literal["mask", "pseudonymize", "drop-field", "drop-record", "keep", "mixed"]
    kept_after_review: int = 0


@dataclass(frozen=True, slots=True)
class PipelineFacts:
    """What the prepare pipeline did, measured, for the card's RAI statements."""

    prepared_at: datetime
    records: int
    commitment: str
    """Hex Merkle root over the records (see commitment.py)."""
    package_sha256: str
    package_size: int
    schema: tuple[FieldFact, ...]
    records_read: int | None = None
    source_files: int = 0
    source_formats: tuple[str, ...] = ()
    normalisation: tuple[str, ...] = ()
    """Steps applied, in words: "Unicode NFC", "line endings to LF", ..."""
    records_rejected: int = 0
    dedupe: Literal["off", "exact", "near"] = "off"
    exact_duplicates_removed: int = 0
    near_duplicates_removed: int = 0
    near_threshold: float | None = None
    pii: tuple[PiiFact, ...] = ()
    tool: str = "Tessera"
    tool_version: str = ""


def build_card(info: CardInput, facts: PipelineFacts) -> dict[str, object]:
    """The card as a JSON-LD object. Raises :class:`InvalidCard` on unusable input."""
    _check(info, facts)
    card: dict[str, object] = {
        "@context": dict(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT, CROISSANT_RAI],
        "name": info.name.strip(),
        "description": info.description.strip(),
        "license": _license_url(info.license),
        "url": info.url or f"urn:tessera:dataset:sha256-merkle:{facts.commitment}",
        "creator": _creator(info),
        "datePublished": _utc(facts.prepared_at).date().isoformat(),
        "dateCreated": _utc(facts.prepared_at).isoformat().replace("+00:00", "Z"),
    }
    card["version"] = info.version
    card["citeAs"] = info.cite_as or _bibtex(info, facts)
    if info.keywords:
        card["keywords"] = list(info.keywords)
    if info.languages:
        card["inLanguage"] = list(info.languages)
    card["identifier"] = {
        "@type": "PropertyValue",
        "propertyID": "tessera:commitment",
        "name": "Dataset commitment: RFC 6962 Merkle root over SHA-256 of RFC 8785 records",
        "value": facts.commitment,
    }
    card["distribution"] = _distribution(facts)
    card["recordSet"] = [_record_set(facts)]
    card.update(_rai(info, facts))
    card.update(_provenance(info, facts))
    if info.consent is not None:
        card["usageInfo"] = _usage(info.consent)
    return card


def card_bytes(card: Mapping[str, object]) -> bytes:
    """The card file: stable, readable JSON (its SHA-256 goes into the signed manifest)."""
    return (json.dumps(card, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- parts ---------------------------------------------------------------------------


def _bibtex(info: CardInput, facts: PipelineFacts) -> str:
    """A BibTeX entry, which Croissant recommends for citeAs, made from the card's own facts."""

    def clean(text: str) -> str:
        return " ".join(re.sub(r"[{}\\]", "", text).split())

    return (
        f"@misc{{tessera_{facts.commitment[:16]},\n"
        f"  author = {{{clean(info.creator_name)}}},\n"
        f"  title = {{{clean(info.name)}}},\n"
        f"  year = {{{_utc(facts.prepared_at).year}}},\n"
        f"  note = {{Dataset commitment sha256-merkle:{facts.commitment}}}\n"
        "}"
    )


def _creator(info: CardInput) -> dict[str, object]:
    creator: dict[str, object] = {"@type": f"sc:{info.creator_kind}", "name": info.creator_name}
    if info.contributor_did:
        creator["identifier"] = info.contributor_did
    return creator


def _distribution(facts: PipelineFacts) -> list[dict[str, object]]:
    return [
        {
            "@type": "cr:FileObject",
            "@id": PACKAGE_ID,
            "name": PACKAGE_ID,
            "description": (
                "The records as JSON Lines, encrypted with age v1 "
                "(https://age-encryption.org/v1) to the contributor and the recipients "
                "they chose. Decrypt with any age implementation."
            ),
            "contentUrl": PACKAGE_ID,
            "contentSize": f"{facts.package_size} B",
            "encodingFormat": AGE_FORMAT,
            "sha256": facts.package_sha256,
        },
        {
            "@type": "cr:FileObject",
            "@id": RECORDS_ID,
            "name": RECORDS_ID,
            "description": "The decrypted package: one JSON object per line, in commitment order.",
            "containedIn": {"@id": PACKAGE_ID},
            "contentUrl": RECORDS_ID,
            "encodingFormat": JSONL_FORMAT,
        },
    ]


def _record_set(facts: PipelineFacts) -> dict[str, object]:
    fields = []
    for fact in facts.schema:
        entry: dict[str, object] = {
            "@type": "cr:Field",
            "@id": f"{RECORD_SET_ID}/{quote(fact.name, safe='')}",
            "name": fact.name,
            "dataType": _DATA_TYPES[fact.kind],
            "source": {"fileObject": {"@id": RECORDS_ID}, "extract": {"column": fact.name}},
        }
        notes = []
        if fact.description:
            notes.append(fact.description.strip())
        if fact.kind == "json":
            notes.append("Nested or mixed JSON values.")
        if fact.null_rate:
            notes.append(f"Missing in {fact.null_rate:.1%} of records.")
        if fact.distinct is not None:
            notes.append(f"{fact.distinct} distinct values.")
        if notes:
            entry["description"] = " ".join(notes)
        fields.append(entry)
    return {
        "@type": "cr:RecordSet",
        "@id": RECORD_SET_ID,
        "name": RECORD_SET_ID,
        "description": f"{facts.records} records, one per line of {RECORDS_ID}.",
        "field": fields,
    }


def _rai(info: CardInput, facts: PipelineFacts) -> dict[str, object]:
    rai: dict[str, object] = {}
    collection = [info.data_collection.strip()] if info.data_collection else []
    read = facts.records_read if facts.records_read is not None else facts.records
    source = f"Prepared on the contributor's own device with {_tool(facts)} from {read} records"
    if facts.source_files:
        source += f" in {facts.source_files} file{'s' if facts.source_files != 1 else ''}"
    if facts.source_formats:
        source += f" ({', '.join(facts.source_formats)})"
    collection.append(source + ".")
    rai["rai:dataCollection"] = " ".join(collection)
    if info.collection_types:
        rai["rai:dataCollectionType"] = list(info.collection_types)
    # An ISO 8601 interval, as the RAI vocabulary (croissant_rai.ttl) describes it.
    timeframe = [d.isoformat() for d in (info.collection_start, info.collection_end) if d]
    if timeframe:
        rai["rai:dataCollectionTimeframe"] = "/".join(timeframe)
    if info.raw_data:
        rai["rai:dataCollectionRawData"] = info.raw_data
    rai["rai:dataPreprocessingProtocol"] = _preprocessing(facts)
    if info.annotation_protocol:
        rai["rai:dataAnnotationProtocol"] = " ".join(info.annotation_protocol)
    rai["rai:personalSensitiveInformation"] = [*info.sensitive_information, *_pii(facts)]
    if info.use_cases:
        rai["rai:dataUseCases"] = list(info.use_cases)
    if info.limitations:
        rai["rai:dataLimitations"] = list(info.limitations)
    if info.biases:
        rai["rai:dataBiases"] = list(info.biases)
    if info.social_impact:
        rai["rai:dataSocialImpact"] = info.social_impact
    if info.maintenance_plan:
        rai["rai:dataReleaseMaintenancePlan"] = info.maintenance_plan
    return rai


def _preprocessing(facts: PipelineFacts) -> list[str]:
    steps = []
    if facts.normalisation:
        steps.append("Normalisation: " + "; ".join(facts.normalisation) + ".")
    if facts.records_rejected:
        steps.append(
            f"{facts.records_rejected} malformed input records were rejected and reported "
            "to the contributor."
        )
    if facts.dedupe == "off":
        steps.append("No deduplication.")
    else:
        steps.append(
            f"Exact deduplication after normalisation (SHA-256 of RFC 8785 canonical JSON): "
            f"{facts.exact_duplicates_removed} duplicate records removed, first occurrence kept."
        )
    if facts.dedupe == "near":
        threshold = facts.near_threshold if facts.near_threshold is not None else 0.8
        steps.append(
            "Near-duplicate detection (MinHash over word shingles with LSH banding, "
            f"estimated Jaccard similarity >= {threshold:g}), reviewed by the contributor: "
            f"{facts.near_duplicates_removed} records removed."
        )
    found = sum(fact.found for fact in facts.pii)
    steps.append(
        f"Personal-information scan of every record: {found} findings, handled as listed "
        "under rai:personalSensitiveInformation."
    )
    steps.append(
        f"Commitment: each record hashed as SHA-256 of its RFC 8785 canonical JSON; RFC 6962 "
        f"Merkle root {facts.commitment} over the {facts.records} record hashes in order."
    )
    return steps


_ACTIONS = {
    "mask": "masked with a type tag",
    "pseudonymize": "replaced by keyed pseudonyms (the same value gives the same token)",
    "drop-field": "removed with their field",
    "drop-record": "removed with their record",
    "keep": "kept after review",
    "mixed": "handled case by case after review",
}


def _pii(facts: PipelineFacts) -> list[str]:
    if not facts.pii or not any(fact.found for fact in facts.pii):
        return ["The automated scan found no personal information of the kinds it detects."]
    lines = []
    for fact in sorted(facts.pii, key=lambda f: f.kind):
        if not fact.found:
            continue
        line = f"{fact.kind.replace('_', ' ')}: {fact.found} found, {_ACTIONS[fact.action]}"
        if fact.kept_after_review and fact.action != "keep":
            line += f"; {fact.kept_after_review} kept after review"
        lines.append(line + ".")
    return lines


def _provenance(info: CardInput, facts: PipelineFacts) -> dict[str, object]:
    provenance: dict[str, object] = {
        "prov:wasGeneratedBy": {
            "@type": "prov:Activity",
            "prov:label": f"Dataset preparation with {_tool(facts)}",
            "prov:endedAtTime": _utc(facts.prepared_at).isoformat().replace("+00:00", "Z"),
        }
    }
    if info.contributor_did:
        provenance["prov:wasAttributedTo"] = {
            "@type": "prov:Agent",
            "@id": info.contributor_did,
            "prov:label": info.creator_name,
        }
    if info.derived_from:
        provenance["prov:wasDerivedFrom"] = [{"@id": url} for url in info.derived_from]
    return provenance


def _usage(consent: ConsentReference) -> dict[str, object]:
    usage: dict[str, object] = {
        "@type": "CreativeWork",
        "name": consent.name,
        "description": " ".join(line.strip() for line in consent.summary),
        "identifier": f"sha256:{consent.sha256}",
    }
    if consent.url:
        usage["url"] = consent.url
    return usage


# -- checks ------------------------------------------------------------------------


def _check(info: CardInput, facts: PipelineFacts) -> None:
    for name, value in (
        ("name", info.name),
        ("description", info.description),
        ("creator", info.creator_name),
    ):
        _text(name, value, required=True)
    _text("version", info.version, required=True)
    for name, optional in (
        ("citation", info.cite_as),
        ("data collection", info.data_collection),
        ("raw data", info.raw_data),
        ("social impact", info.social_impact),
        ("maintenance plan", info.maintenance_plan),
    ):
        if optional is not None:
            _text(name, optional, required=False)
    for name, values in (
        ("keywords", info.keywords),
        ("languages", info.languages),
        ("collection types", info.collection_types),
        ("use cases", info.use_cases),
        ("limitations", info.limitations),
        ("biases", info.biases),
        ("sensitive information", info.sensitive_information),
        ("annotation protocol", info.annotation_protocol),
    ):
        for value in values:
            _text(name, value, required=True)
    if info.creator_kind not in ("Person", "Organization"):
        raise InvalidCard("creator: must be a Person or an Organization")
    if not (_SPDX.fullmatch(info.license) or _URL.fullmatch(info.license)):
        raise InvalidCard("license: give an SPDX identifier such as CC-BY-4.0, or a URL")
    for name, url in (("url", info.url), *(("derived from", u) for u in info.derived_from)):
        if url is not None and not _URL.fullmatch(url):
            raise InvalidCard(f"{name}: {url!r} is not a URL")
    if info.contributor_did is not None and not _DID.fullmatch(info.contributor_did):
        raise InvalidCard("contributor: not a DID")
    if (
        info.collection_start
        and info.collection_end
        and info.collection_start > info.collection_end
    ):
        raise InvalidCard("collection timeframe: the start is after the end")
    if info.consent is not None:
        _text("consent name", info.consent.name, required=True)
        for line in info.consent.summary:
            _text("consent summary", line, required=True)
        if not _HEX64.fullmatch(info.consent.sha256):
            raise InvalidCard("consent: the digest must be 64 lowercase hex digits")
        if info.consent.url is not None and not _URL.fullmatch(info.consent.url):
            raise InvalidCard(f"consent: {info.consent.url!r} is not a URL")
    if not _HEX64.fullmatch(facts.commitment) or not _HEX64.fullmatch(facts.package_sha256):
        raise ValueError("commitment and package digest are 64 lowercase hex digits")
    if facts.prepared_at.tzinfo is None:
        raise ValueError("prepared_at must be timezone-aware")
    names = [fact.name for fact in facts.schema]
    if len(set(names)) != len(names):
        raise ValueError("schema field names must be unique")
    for fact in facts.pii:
        if fact.action not in _ACTIONS:
            raise ValueError(f"unknown PII action {fact.action!r}")
    if facts.dedupe not in ("off", "exact", "near"):
        raise ValueError(f"unknown dedupe mode {facts.dedupe!r}")


def _text(name: str, value: str, *, required: bool) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidCard(f"{name}: must not be empty")
    if len(value) > _MAX_TEXT:
        raise InvalidCard(f"{name}: longer than {_MAX_TEXT} characters")


def _license_url(license_: str) -> str:
    if _URL.fullmatch(license_):
        return license_
    return f"https://spdx.org/licenses/{license_}.html"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _tool(facts: PipelineFacts) -> str:
    return f"{facts.tool} {facts.tool_version}".strip()
