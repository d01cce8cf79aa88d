"""The facts a dataset card is built from, taken from a prepare's request and outcome.

Kept apart from :mod:`app.services.datasets` because it is pure: no vault,
no files, only the translation from pipeline results to card facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from app import __version__
from app.core.datasets.card import build_card
from app.core.datasets.card_facts import FieldFact, FieldKind, PiiFact, PipelineFacts
from app.core.datasets.card_input import CardInput
from app.core.datasets.pipeline import PipelineOutcome
from app.core.datasets.schema import Schema

if TYPE_CHECKING:
    from app.services.datasets import PrepareRequest

UNSPECIFIED_LICENSE: Final = "urn:tessera:license:unspecified"
"""The card's license when the contributor has not chosen one yet (never a guess)."""


def complete_card(card: CardInput | None, name: str, owner_name: str, owner_did: str) -> CardInput:
    if card is None:
        return CardInput(
            name=name,
            description=f"{name}, a dataset prepared with Tessera.",
            license=UNSPECIFIED_LICENSE,
            creator_name=owner_name,
            contributor_did=owner_did,
        )
    if card.contributor_did is None:
        card = dataclasses.replace(card, contributor_did=owner_did)
    return card


def check_card(card: CardInput) -> None:
    """Refuse unusable card fields before any work, with facts that are surely valid."""
    build_card(
        card,
        PipelineFacts(
            prepared_at=datetime.now(UTC),
            records=0,
            commitment="0" * 64,
            package_sha256="0" * 64,
            package_size=0,
            schema=(),
        ),
    )


_FIELD_KINDS: Final[Mapping[str, FieldKind]] = {
    "string": "text",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
}


def _fields(schema: Schema | None) -> tuple[FieldFact, ...]:
    if schema is None:
        return ()
    sampled = (
        f"Estimated from a sample of {schema.records} of {schema.sample_of} records."
        if schema.sample_of is not None
        else None
    )
    return tuple(
        FieldFact(
            name=column.name,
            kind=_FIELD_KINDS.get(column.kind, "json"),
            null_rate=column.null_rate,
            distinct=column.distinct,
            description=sampled,
        )
        for column in schema.columns
    )


def _pii_facts(outcome: PipelineOutcome) -> tuple[PiiFact, ...]:
    facts = []
    for kind, actions in sorted(outcome.pii.items()):
        found = sum(actions.values())
        used = [action for action, count in actions.items() if count]
        action = used[0] if len(used) == 1 else "mixed"
        kept = actions.get("keep", 0) if action != "keep" else 0
        facts.append(PiiFact(kind, found, action, kept))  # type: ignore[arg-type]
    return tuple(facts)


def pipeline_facts(
    request: PrepareRequest,
    outcome: PipelineOutcome,
    created: datetime,
    package_sha256: str,
    package_size: int,
) -> PipelineFacts:
    return PipelineFacts(
        prepared_at=created,
        records=outcome.records,
        commitment=outcome.commitment.hex(),
        package_sha256=package_sha256,
        package_size=package_size,
        schema=_fields(outcome.schema),
        records_read=outcome.records_read,
        source_files=outcome.source_count,
        source_formats=tuple(sorted({info.format for info in outcome.sources})),
        normalisation=request.normalize.steps(),
        records_rejected=outcome.rejections.total,
        dedupe=request.dedupe,
        exact_duplicates_removed=outcome.exact_duplicates,
        near_duplicates_removed=outcome.near_duplicates,
        near_threshold=request.near_threshold if request.dedupe == "near" else None,
        pii=_pii_facts(outcome),
        tool_version=__version__,
    )


__all__ = ["UNSPECIFIED_LICENSE", "check_card", "complete_card", "pipeline_facts"]
