"""What a PII finding is: its kind, where it sits in a record, and the matched text.

A finding points into one string value of a record by JSON Pointer (RFC 6901)
and code-point offsets, so the review screen can show it in context and the
redactor can replace exactly that span later, in another process, without
scanning again. The matched text travels with the finding because the
redactor checks it against the record before touching anything: a stale
finding must fail loudly rather than mask the wrong characters and leave the
real value in place. It is contributor data, so it stays in memory or in the
encrypted vault and never goes into logs or messages (``repr`` hides it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias


class PiiType(StrEnum):
    """The kinds of personal data Tessera looks for; values are stable (JSON, CLI, card)."""

    EMAIL = "email"
    PHONE = "phone"
    PAYMENT_CARD = "payment_card"
    IBAN = "iban"
    IP = "ip"
    NATIONAL_ID = "national_id"
    SECRET = "secret"  # noqa: S105 (a kind name, not a password)
    PERSON_NAME = "person_name"
    STREET_ADDRESS = "street_address"

    @property
    def tag(self) -> str:
        """The word a masked value becomes, e.g. ``EMAIL`` in ``[EMAIL]``."""
        return self.value.upper()


Raw: TypeAlias = tuple[int, int, "PiiType", str]
"""A finding inside one string before overlap resolution: start, end, type, detector."""

ALL_TYPES: frozenset[PiiType] = frozenset(PiiType)
DEFAULT_TYPES: frozenset[PiiType] = ALL_TYPES - {PiiType.PERSON_NAME, PiiType.STREET_ADDRESS}
"""Names and street addresses are heuristic (see docs/pii-evaluation.md), so the user opts in."""

PRIORITY: dict[PiiType, int] = {
    PiiType.SECRET: 0,
    PiiType.IBAN: 1,
    PiiType.PAYMENT_CARD: 2,
    PiiType.NATIONAL_ID: 3,
    PiiType.EMAIL: 4,
    PiiType.IP: 5,
    PiiType.PHONE: 6,
    PiiType.STREET_ADDRESS: 7,
    PiiType.PERSON_NAME: 8,
}
"""Of two overlapping findings the lower number wins: a checksum beats a number plan."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data inside one string value of a record."""

    type: PiiType
    path: str
    """JSON Pointer of the string value inside the record ("" when the record is that string)."""
    start: int
    """Code-point offset of the first character, into the string value."""
    end: int
    """Code-point offset one past the last character."""
    value: str = field(repr=False)
    """The matched text; equals ``text[start:end]``. Never logged."""
    detector: str
    """Which rule found it, e.g. ``phone:DE``, ``card:luhn``, ``secret:github-token``."""

    def context(self, text: str, width: int = 40) -> tuple[str, str, str]:
        """The text before the finding, the finding, and the text after, ``width`` each side."""
        before = text[max(0, self.start - width) : self.start]
        return before, text[self.start : self.end], text[self.end : self.end + width]

    def to_json(self) -> dict[str, str | int]:
        """The finding without its value, for reports that may be shared."""
        return {
            "type": self.type.value,
            "path": self.path,
            "start": self.start,
            "end": self.end,
            "detector": self.detector,
        }
