"""The record model every importer produces and every later stage consumes.

A record is one JSON object plus where it came from. Importers yield them one
at a time, so a stage never needs the whole dataset; the location travels with
the record so that a problem found much later (a PII finding, a duplicate) can
still be shown as "notes.csv, line 12".

The two per-record types are ``NamedTuple``s rather than dataclasses: millions
of them are made, and a named tuple costs less than half of a frozen dataclass
to build and pickles compactly when worker processes hand batches back.

Bad input has two shapes. A :class:`RecordRejected` is one record that could
not be read (a ragged row, a line that is not JSON); the caller's
:class:`BadRecordPolicy` decides whether it stops the import or lands in a
report. An :class:`InvalidSource` is a whole file that cannot be read (not
text, unreadable, an unsafe archive); some of those can be skipped as well,
others always stop the import because going on would hide the problem.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

from app.core.errors import InvalidInput

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
"""Any value a JSON document can hold, as the ``json`` module builds it."""

JsonObject: TypeAlias = "dict[str, JsonValue]"
"""One record's data."""

_NUMBER = re.compile(r"(?<![\w-])\d+(?![\w-])")

MiB = 1024 * 1024
DEFAULT_MAX_RECORD_BYTES = 64 * MiB
"""The longest line or record an importer accepts before it reports the record too long."""


class SourceLocation(NamedTuple):
    """Where one record came from.

    ``path`` is the file as the user named it; an entry of a Zip archive is
    ``archive.zip!/folder/entry.csv``. ``line`` is 1-based, ``None`` for
    formats without lines (Parquet, whole files). ``index`` is the record's
    0-based position in its source: unique and increasing, dense (0, 1, 2,
    ...) for every format but JSON Lines, where it is the line's position
    (``line - 1``, so that batches parsed apart agree) and blank lines leave gaps.
    """

    path: str
    line: int | None
    index: int  # type: ignore[assignment]  # shadows tuple.index, which nobody calls here

    def describe(self) -> str:
        """The location in words, for messages ("data.csv, line 12")."""
        if self.line is not None:
            return f"{self.path}, line {self.line}"
        return f"{self.path}, record {self.index + 1}"


class ImportedRecord(NamedTuple):
    """One record read from a source."""

    data: JsonObject
    location: SourceLocation


class RecordRejected(NamedTuple):
    """One record that could not be read, and why.

    ``reason`` describes the problem, never the record's content, since that
    is the contributor's data and reports may be shared.
    """

    location: SourceLocation
    reason: str

    def describe(self) -> str:
        return f"{self.location.describe()}: {self.reason}"


ImportItem: TypeAlias = "ImportedRecord | RecordRejected"
"""What the low-level readers yield: a record, or a rejection in its place."""


class InvalidRecord(InvalidInput):
    """One record is malformed and the import was asked to stop at the first one."""

    def __init__(self, rejected: RecordRejected) -> None:
        super().__init__(
            rejected.describe(),
            hint="fix the record, or choose to skip bad records",
        )
        self.rejected = rejected

    @property
    def location(self) -> SourceLocation:
        return self.rejected.location


class InvalidSource(InvalidInput):
    """A whole source cannot be read: empty, not text, unreadable, malformed beyond one record.

    ``skippable`` sources become a rejection when the user chose to skip bad
    records (an empty or unreadable file among many); the others always stop
    the import (an unsafe archive, an encoding only the user can choose, a
    syntax error after which no later record can be trusted).
    """

    def __init__(
        self,
        path: str,
        reason: str,
        *,
        line: int | None = None,
        skippable: bool = False,
        hint: str | None = None,
    ) -> None:
        where = path if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {reason}", hint=hint)
        self.path = path
        self.line = line
        self.reason = reason
        self.skippable = skippable

    def as_rejection(self) -> RecordRejected:
        return RecordRejected(SourceLocation(self.path, self.line, 0), self.reason)


class EncodingUnsure(InvalidSource):
    """The text is not UTF-8 and its encoding cannot be told for sure."""

    def __init__(self, path: str, *, line: int | None) -> None:
        super().__init__(
            path,
            "the text is not UTF-8 and its encoding cannot be detected for sure",
            line=line,
            hint="choose the encoding with --encoding, for example --encoding latin-1",
        )


class UnsafeArchive(InvalidSource):
    """A Zip archive breaks a safety rule (a path out of the folder, a link, a bomb)."""

    def __init__(self, path: str, reason: str, *, entry: str | None = None) -> None:
        if entry is not None:
            reason = f"entry {entry!r}: {reason}"
        super().__init__(path, reason, hint="Tessera does not open unsafe archives")
        self.entry = entry


@dataclass(frozen=True, slots=True)
class RejectionReport:
    """The rejections of one import, counted; details kept for the first ones only."""

    total: int
    by_reason: dict[str, int]
    details: tuple[RecordRejected, ...]

    @property
    def truncated(self) -> bool:
        """True when more records were rejected than ``details`` holds."""
        return self.total > len(self.details)


class BadRecordPolicy:
    """What an import does with a bad record: stop at once, or skip it and report.

    The policy is the one stateful piece an import carries: under
    :meth:`skip` it counts every rejection and keeps the first
    ``max_details`` of them (a million bad lines must not fill the memory).
    Use one policy per import.
    """

    __slots__ = ("_by_reason", "_details", "_max_details", "_total", "skip_bad_records")

    def __init__(self, *, skip_bad_records: bool = False, max_details: int = 1000) -> None:
        self.skip_bad_records = skip_bad_records
        self._max_details = max(0, max_details)
        self._details: list[RecordRejected] = []
        self._by_reason: Counter[str] = Counter()
        self._total = 0

    @classmethod
    def fail_fast(cls) -> BadRecordPolicy:
        return cls(skip_bad_records=False)

    @classmethod
    def skip(cls, *, max_details: int = 1000) -> BadRecordPolicy:
        return cls(skip_bad_records=True, max_details=max_details)

    def reject(self, rejected: RecordRejected) -> None:
        """Raise :class:`InvalidRecord` when failing fast, else record the rejection."""
        if not self.skip_bad_records:
            raise InvalidRecord(rejected)
        self._total += 1
        self._by_reason[_reason_key(rejected.reason)] += 1
        if len(self._details) < self._max_details:
            self._details.append(rejected)

    def reject_source(self, error: InvalidSource) -> None:
        """Skip a whole source when the policy and the error allow it, else raise it."""
        if not (self.skip_bad_records and error.skippable):
            raise error
        self.reject(error.as_rejection())

    @property
    def rejected(self) -> int:
        return self._total

    def report(self) -> RejectionReport:
        return RejectionReport(self._total, dict(self._by_reason), tuple(self._details))


def _reason_key(reason: str) -> str:
    """Group reasons that differ only in numbers ("row has 3 fields" and "row has 4 fields")."""
    return _NUMBER.sub("N", reason)
