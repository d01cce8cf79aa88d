"""A consent record shaped after ISO/IEC TS 27560:2023, for the contributor's files.

The record answers what a privacy officer asks about a consent: who gave it,
for which purposes, about which data, to whom, where, for how long, how to
withdraw it, and what happened to it since (given, withdrawn, expired). Field
names follow the standard's sections as the W3C DPV guide names them; states
use DPV terms. It embeds the plain-language notice the contributor read and
the digest of the exact terms they signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.core.consent.i18n import Translate, untranslated
from app.core.consent.jsonform import format_utc
from app.core.consent.summary import USE_LABELS, summarize
from app.core.consent.terms import ConsentTerms

RECORD_SCHEMA = "https://tessera.dev/consent/record/v1"
DPV = "https://w3id.org/dpv#"
STANDARD = "ISO/IEC TS 27560:2023"
DEFAULT_WITHDRAWAL = "A signed Tessera revocation of the submission, sent to the network."
DEFAULT_RETENTION = "Kept while the consent holds: until it is withdrawn or expires."


def to_consent_record(
    terms: ConsentTerms,
    *,
    record_id: str,
    principal: str,
    given: datetime,
    controllers: Sequence[str] = (),
    recipients: Sequence[str] = (),
    data_categories: Sequence[str] = (),
    retention: str | None = None,
    withdrawn: datetime | None = None,
    now: datetime | None = None,
    translate: Translate = untranslated,
) -> dict[str, Any]:
    """The record for one consent; ``now`` decides whether it has expired."""
    moment = now or datetime.now(UTC)
    events: list[dict[str, Any]] = [_event("given", given, "ConsentGiven")]
    state = "given"
    until = terms.validity.until
    if withdrawn is not None:
        events.append(_event("withdrawn", withdrawn, "ConsentWithdrawn"))
        state = "withdrawn"
    elif until is not None and moment >= until:
        events.append(_event("expired", until, "ConsentExpired"))
        state = "expired"
    revocation = terms.revocation
    return {
        "schema": RECORD_SCHEMA,
        "conforms_to": STANDARD,
        "record_id": record_id,
        "pii_principal_id": principal,
        "notice": {
            "terms_sha256": terms.digest(),
            "text": summarize(terms, translate=translate),
        },
        "purposes": [
            {
                "purpose": f"tessera:{use.value}",
                "description": translate(USE_LABELS[use]),
                "status": term.permission.value,
                "condition": term.constraint,
            }
            for use, term in terms.uses.items()
        ],
        "pii_categories": list(data_categories),
        "pii_controllers": list(controllers),
        "pii_recipients": list(recipients),
        "jurisdictions": list(terms.jurisdictions),
        "validity": {
            "from": format_utc(terms.validity.start or given),
            "until": None if until is None else format_utc(until),
        },
        "retention": {
            "until": None if until is None else format_utc(until),
            "description": retention or DEFAULT_RETENTION,
        },
        "withdrawal": {
            "possible": revocation.revocable,
            "method": (revocation.method or DEFAULT_WITHDRAWAL) if revocation.revocable else None,
        },
        "contact": terms.contact,
        "events": events,
        "state": state,
        "state_dpv": DPV + events[-1]["dpv"],
    }


def _event(kind: str, moment: datetime, dpv_state: str) -> dict[str, Any]:
    return {"event": kind, "time": format_utc(moment), "dpv": dpv_state}
