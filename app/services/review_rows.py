"""The values a PII review is made of: findings in, rows out, and how they are chosen.

Kept apart from :mod:`app.services.review_store` (the SQLite store itself)
because these are plain values and pure functions that need no database: the
review table model, the wizard's state and the tests build filters, sort keys
and finding keys without touching a connection, and the key and context
helpers must spell a finding exactly as ``app.core.datasets.pii`` does so that
decisions made in the review find their findings again in the redaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, NamedTuple, Protocol

from app.core.errors import InvalidInput

ACTIONS: Final = ("mask", "pseudonymize", "drop-field", "drop-record", "keep")
"""The redaction actions, spelled as ``app.core.datasets.pii.Action`` values."""

CONTEXT_WIDTH: Final = 40


class SortKey(StrEnum):
    """The columns a review can be ordered by."""

    RECORD = "record"
    TYPE = "type"
    VALUE = "value"
    PATH = "path"
    DETECTOR = "detector"
    ACTION = "action"


class FindingLike(Protocol):
    """What the store needs of a ``app.core.datasets.pii.Finding``."""

    @property
    def type(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def value(self) -> str: ...
    @property
    def detector(self) -> str: ...


class NewFinding(NamedTuple):
    """One finding to load: where it is, what it is, and the text around it."""

    record: int
    type: str
    path: str
    start: int
    end: int
    value: str
    detector: str
    before: str = ""
    after: str = ""


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One finding as the review table shows it."""

    id: int
    record: int
    type: str
    path: str
    start: int
    end: int
    value: str
    detector: str
    before: str
    after: str
    decision: str | None
    """The per-finding override, ``None`` when the type's action applies."""
    action: str
    """What will be done: the override, else the type's action, else the default."""

    @property
    def key(self) -> str:
        return finding_key(self.record, self.path, self.start, self.end, self.type)


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which findings are shown: some types, and text the value or field contains."""

    types: frozenset[str] | None = None
    text: str = ""
    action: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.types is None and not self.text and self.action is None


@dataclass(frozen=True, slots=True)
class Arrangement:
    """An order and a filter, and how many findings they show."""

    order: SortKey = SortKey.RECORD
    descending: bool = False
    filter: ReviewFilter = field(default_factory=ReviewFilter)
    count: int = 0
    generation: int = 0
    direct: bool = True
    """Positions are ids: no positions table is needed."""

    @property
    def natural(self) -> bool:
        return self.order is SortKey.RECORD and not self.descending and self.filter.is_empty


@dataclass(frozen=True, slots=True)
class PolicyParts:
    """The decisions as a redaction policy holds them (plain strings)."""

    default: str
    per_type: dict[str, str]
    per_finding: dict[str, str]


def finding_key(record: int, path: str, start: int, end: int, type_: str) -> str:
    """The key ``app.core.datasets.pii.finding_key`` gives the same finding."""
    return f"{record}:{path}:{start}:{end}:{type_}"


def check_action(action: str) -> str:
    if action not in ACTIONS:
        raise InvalidInput(
            f"unknown redaction action {action!r}", hint="one of " + ", ".join(ACTIONS)
        )
    return action


def context_of(text: str, start: int, end: int, width: int = CONTEXT_WIDTH) -> tuple[str, str]:
    """Up to ``width`` characters either side of a match, on one line."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return _one_line(before), _one_line(after)


_ONE_LINE: Final = {ord(c): " " for c in "\r\n\t\v\f\x85\u2028\u2029"}


def _one_line(text: str) -> str:
    return text.translate(_ONE_LINE)
