"""CSV and TSV: sniffed dialect, one record per row keyed by the header.

The dialect (delimiter, quote character) is sniffed on the first
``sample_bytes`` only, so a huge file costs nothing extra; the user can
override either. Values stay strings: a CSV cell has no type, and guessing
one (is ``007`` a number?) would change the contributor's data. Schema
inference reports what the strings look like instead.

A row with more or fewer fields than the header is rejected, not padded or
cut. Quoted fields may span lines; a record that grows past the cap is almost
always an unclosed quote, after which no later row can be trusted, so it
stops the import rather than being skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, Source
from app.core.datasets.importers.textio import iter_lines, open_text, too_long, utf8_error_reason
from app.core.datasets.records import (
    ImportedRecord,
    ImportItem,
    InvalidSource,
    JsonObject,
    RecordRejected,
    SourceLocation,
)

_SNIFF_DELIMITERS = ",;\t|"
Describe = Callable[[str, str | None, str | None], None]


class _LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _RecordTooLong(Exception):
    pass


class _Lines:
    """The lines ``csv.reader`` asks for, decoded, with what went wrong in the current record.

    A class rather than a generator: an exception raised from a generator
    ends it, and the reader must be able to go on after a bad line.
    """

    __slots__ = ("_lines", "bad", "max_record", "number", "record_bytes")

    def __init__(self, lines: Iterator[tuple[int, bytes | None]], max_record: int) -> None:
        self._lines = lines
        self.max_record = max_record
        self.number = 0
        self.record_bytes = 0
        self.bad: tuple[int, str] | None = None

    def start_record(self) -> int:
        self.record_bytes = 0
        self.bad = None
        return self.number + 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        number, line = next(self._lines)
        self.number = number
        if line is None:
            raise _LineTooLong(number)
        self.record_bytes += len(line) + 1
        if self.record_bytes > self.max_record:
            raise _RecordTooLong
        try:
            return line.decode("utf-8") + "\n"
        except UnicodeDecodeError as exc:
            if self.bad is None:
                self.bad = (number, utf8_error_reason(exc))
            return line.decode("utf-8", "surrogateescape") + "\n"


def read_delimited(
    source: Source,
    options: ImportOptions,
    meter: Meter,
    *,
    tab: bool = False,
    describe: Describe | None = None,
) -> Iterator[ImportItem]:
    """The rows of a CSV (or, with ``tab``, TSV) source as records."""
    name = source.name
    with source.open() as stream:
        text = open_text(stream, name, options, meter)
        first = next(text.blocks, b"")
        dialect = _dialect(first, options, tab=tab)
        if describe is not None:
            describe(text.encoding, dialect["delimiter"], dialect["quotechar"])
        lines = _Lines(
            iter_lines(_chain(first, text.blocks), options.max_record_bytes),
            options.max_record_bytes,
        )
        _raise_field_limit(options.max_record_bytes)
        reader = csv.reader(lines, **dialect)
        header: list[str] | None = None
        index = 0
        while True:
            start = lines.start_record()
            try:
                row = next(reader)
            except StopIteration:
                break
            except _LineTooLong as exc:
                yield RecordRejected(
                    SourceLocation(name, exc.line, index), too_long(options.max_record_bytes)
                )
                index += 1
                continue
            except _RecordTooLong:
                raise InvalidSource(
                    name,
                    "a record is longer than the limit of the longest record "
                    "(a quote that is never closed?)",
                    line=start,
                ) from None
            except csv.Error as exc:
                yield RecordRejected(SourceLocation(name, start, index), _csv_reason(exc))
                index += 1
                continue
            if not row:
                continue
            if header is None:
                if lines.bad is not None:
                    raise InvalidSource(name, lines.bad[1], line=lines.bad[0])
                if options.header:
                    header = column_names(row)
                    continue
                header = [f"column_{n}" for n in range(1, len(row) + 1)]
            location = SourceLocation(name, start, index)
            index += 1
            if lines.bad is not None:
                yield RecordRejected(
                    SourceLocation(name, lines.bad[0], location.index), lines.bad[1]
                )
            elif len(row) != len(header):
                yield RecordRejected(
                    location, f"the row has {len(row)} fields, the header has {len(header)}"
                )
            else:
                data: JsonObject = dict(zip(header, row, strict=True))
                yield ImportedRecord(data, location)


def column_names(row: list[str]) -> list[str]:
    """Header cells as unique, non-empty names: blanks become ``column_N``, repeats get ``_2``."""
    names: list[str] = []
    seen: set[str] = set()
    for number, cell in enumerate(row, start=1):
        base = cell.strip() or f"column_{number}"
        name = base
        suffix = 2
        while name in seen:
            name = f"{base}_{suffix}"
            suffix += 1
        seen.add(name)
        names.append(name)
    return names


def _dialect(sample: bytes, options: ImportOptions, *, tab: bool) -> dict[str, Any]:
    """Reader arguments: the user's choices, else what the sample shows, else the defaults."""
    delimiter = options.delimiter or ("\t" if tab else None)
    quotechar = options.quotechar
    skipinitialspace = False
    if delimiter is None or quotechar is None:
        text = sample.decode("utf-8", "replace")
        cut = text.rfind("\n")
        if cut > 0:
            text = text[:cut]
        try:
            sniffed = csv.Sniffer().sniff(text, delimiters=delimiter or _SNIFF_DELIMITERS)
        except csv.Error:
            sniffed = None
        if sniffed is not None:
            delimiter = delimiter or sniffed.delimiter
            if quotechar is None and sniffed.quotechar in ('"', "'"):
                quotechar = sniffed.quotechar
            skipinitialspace = bool(sniffed.skipinitialspace)
    return {
        "delimiter": delimiter or ",",
        "quotechar": quotechar or '"',
        "doublequote": True,
        "skipinitialspace": skipinitialspace,
        "strict": False,
    }


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "new-line character" in message:
        return (
            "not valid CSV: a line break (CR) inside a field that is not quoted; "
            "files with CR-only line endings need converting to LF or CRLF"
        )
    return f"not valid CSV: {message}"


def _raise_field_limit(limit: int) -> None:
    """``csv`` caps a field at 128 KiB by default, process-wide; raise it to the record cap.

    Only ever raised, never lowered, so that another reader in the process
    keeps what it set.
    """
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
