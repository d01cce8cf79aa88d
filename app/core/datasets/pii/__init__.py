"""PII scan and redaction: find personal data in records, then mask, pseudonymise or drop it.

The scanner (:class:`PiiScanner`) finds e-mail addresses, phone numbers,
payment cards, IBANs, IP addresses, national identifiers and secrets, and on
request person names and street addresses; the redactor
(:func:`redact_record`) applies the user's :class:`RedactionPolicy`.
docs/pii-evaluation.md has the measured precision, recall and speed.
"""

from app.core.datasets.pii.redact import (
    Action,
    RedactionPolicy,
    finding_key,
    mask_tag,
    pseudonym,
    pseudonym_matches,
    redact_record,
)
from app.core.datasets.pii.scanner import DEFAULT_REGIONS, PiiScanner
from app.core.datasets.pii.types import ALL_TYPES, DEFAULT_TYPES, Finding, PiiType

__all__ = [
    "ALL_TYPES",
    "DEFAULT_REGIONS",
    "DEFAULT_TYPES",
    "Action",
    "Finding",
    "PiiScanner",
    "PiiType",
    "RedactionPolicy",
    "finding_key",
    "mask_tag",
    "pseudonym",
    "pseudonym_matches",
    "redact_record",
]
