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

This module builds the JSON-LD document; the contributor's input and its
checks live in card_input.py, the pipeline's facts and the RAI statements
written from them in card_facts.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

from app.core.datasets.card_facts import PipelineFacts, check_facts, rai_statements, tool_label
from app.core.datasets.card_input import CardInput, ConsentReference, check_input, license_url

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


def build_card(info: CardInput, facts: PipelineFacts) -> dict[str, object]:
    """The card as a JSON-LD object. Raises :class:`~.card_input.InvalidCard` on unusable input."""
    check_input(info)
    check_facts(facts)
    card: dict[str, object] = {
        "@context": dict(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT, CROISSANT_RAI],
        "name": info.name.strip(),
        "description": info.description.strip(),
        "license": license_url(info.license),
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
    card.update(rai_statements(info, facts))
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


def _provenance(info: CardInput, facts: PipelineFacts) -> dict[str, object]:
    provenance: dict[str, object] = {
        "prov:wasGeneratedBy": {
            "@type": "prov:Activity",
            "prov:label": f"Dataset preparation with {tool_label(facts)}",
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


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
