"""What the prepare pipeline measured, and the RAI statements the card makes from it.

The card's preprocessing and privacy statements are facts, not promises:
they are written from :class:`PipelineFacts` (counts, steps, PII findings
and what was done with them), never from what the contributor typed. Kept
apart from the contributor's input (card_input.py) and from the JSON-LD
document (card.py) so the wording of those statements has one home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.core.datasets.card_input import HEX64, CardInput

FieldKind = Literal["text", "integer", "number", "boolean", "date", "datetime", "url", "json"]


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


_ACTIONS = {
    "mask": "masked with a type tag",
    "pseudonymize": "replaced by keyed pseudonyms (the same value gives the same token)",
    "drop-field": "removed with their field",
    "drop-record": "removed with their record",
    "keep": "kept after review",
    "mixed": "handled case by case after review",
}


def check_facts(facts: PipelineFacts) -> None:
    """Refuse facts no pipeline run produces: a bug, not the user's input, so ValueError."""
    if not HEX64.fullmatch(facts.commitment) or not HEX64.fullmatch(facts.package_sha256):
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


def rai_statements(info: CardInput, facts: PipelineFacts) -> dict[str, object]:
    """The card's ``rai:`` properties: the contributor's words where they gave some, facts after."""
    rai: dict[str, object] = {}
    collection = [info.data_collection.strip()] if info.data_collection else []
    read = facts.records_read if facts.records_read is not None else facts.records
    source = (
        f"Prepared on the contributor's own device with {tool_label(facts)} from {read} records"
    )
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


def tool_label(facts: PipelineFacts) -> str:
    """The preparing tool and its version, as both the RAI and the provenance statements name it."""
    return f"{facts.tool} {facts.tool_version}".strip()


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
