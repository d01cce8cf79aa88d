"""JSON Lines parsed with the raw line kept, and the common line finished from it in C.

The per-record stages (normalise, scan for personal data, encode canonically)
each walk the record in Python, and each walk costs about one JSON parse of
the same text. Most lines of a real file need none of them: already
normal, no personal data, numbers that the C encoder already spells the RFC
8785 way. This module decides that from the raw line with C-speed string
operations and, when it holds, gives the stage the record's canonical bytes
at once, from orjson, together with the PII detector
families that could still find something (usually none, see
:mod:`.pii.prefilter`). Every other line goes the full way.

A line takes the fast lane when it is ASCII without a backslash or DEL (so
every string value is a literal slice of the line: no escapes, no control
characters), every float it holds is spelled by ``repr`` as ECMAScript
would (no exponent, not a whole number: a walk over the values checks each one), it has
no run of 16 digits (an integer beyond +-(2^53 - 1) has one), and its
canonical text (the C encoder's, sorted keys, no spaces between tokens) has
no space after an opening quote, before a closing quote or next to another
space, which is exactly when the default normalisation changes nothing
(no string starts or ends with a space or holds two in a row). Property
tests hold the lane equal to the full way.

Lines are read with orjson, several times faster than the stdlib decoder and
the same values for every line it accepts (the last of duplicate keys wins,
in the first one's place), except integers beyond 64 bits, which it reads as
floats: a line with 16 digits in a row goes to the stdlib decoder, and so
does any line orjson refuses (the stdlib then accepts it, an unpaired
surrogate or an overflowing float, or rejects it in the importer's words).
The canonical bytes come from orjson too, which writes what the C encoder
writes for such records. Parsing mirrors
:func:`~app.core.datasets.importers.jsonl.parse_jsonl_batch` line for line
(the same rejections, locations and record order); batches that are not
plain UTF-8, or stand for an overlong line, are handed to it.

This is the reference lane and the fallback: :mod:`.nativelane` runs the
same decisions in C when the extension is built, and sends every line it
does not take to :class:`LineReader`, this lane's per-line logic.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence

import orjson

from app.core.canonical import encode_plain

# The importer's own wording for bad lines, so that both paths reject alike.
from app.core.datasets.importers.jsonl import RawBatch, parse_jsonl_batch
from app.core.datasets.importers.jsonl import _json_reason as json_reason
from app.core.datasets.importers.jsonl import _no_constant as reject_constant
from app.core.datasets.importers.jsonl import _not_object as not_an_object
from app.core.datasets.importers.textio import too_long
from app.core.datasets.pii import prefilter
from app.core.datasets.records import (
    ImportedRecord,
    ImportItem,
    JsonObject,
    RecordRejected,
    SourceLocation,
)

Lane = tuple[ImportItem, bytes | None, int, bool]
"""An item; its canonical bytes when the fast lane finished it (else None); the PII families
left to run; whether the record is *plain*: ASCII keys and plain numbers, so that after any
change to its strings the C encoder (:func:`encode_plain`) still writes its canonical bytes."""


NORMALIZED = 64
"""In :attr:`Run.flags`: the line's record is its parse after the default normalisation."""


class Run:
    """Lines in a row that the native lane finished: canonical, no PII family left to run.

    Their records are parsed (from :meth:`line`, then normalised when ``flags``
    has :data:`NORMALIZED` for them) only for what needs them: the schema
    sample and near-duplicate signatures. ``first`` is the first line's index
    in its source (its number - 1), as in :class:`SourceLocation`.
    """

    __slots__ = ("canonical", "data", "first", "flags", "leaves", "offset", "starts")

    def __init__(
        self,
        canonical: list[bytes | None],
        leaves: bytes,
        flags: bytes,
        data: bytes,
        starts: Sequence[int],
        offset: int,
        first: int,
    ) -> None:
        self.canonical = canonical
        """The lines' RFC 8785 bytes (all bytes; typed as the batch result's list)."""
        self.leaves = leaves
        """Their Merkle leaf hashes, 32 bytes each."""
        self.flags = flags
        """A byte per line: :data:`NORMALIZED` or 0."""
        self.data = data
        """The batch, whose line ``offset + k`` is the run's line ``k``."""
        self.starts = starts
        """Where each line of the batch starts (line ``i`` ends at ``starts[i + 1] - 1``)."""
        self.offset = offset
        self.first = first

    def line(self, k: int) -> bytes:
        """The raw text of the run's line ``k`` (without its newline)."""
        at = self.offset + k
        return self.data[self.starts[at] : self.starts[at + 1] - 1]


class Flagged:
    """A line the native lane finished (canonical bytes known) with PII families left to run.

    Its record is parsed only when something asks for it (:meth:`item`, or
    the :data:`Lane` it stands for, which it also unpacks and indexes as):
    the stage first tries the text lane (:mod:`.pii.textlane`), which scans
    and redacts the canonical text itself and never needs the record.
    ``number`` is the line's number in its source; ``at`` its index in the
    batch (``data``, ``starts`` and ``leaves`` as in :class:`Run`).
    """

    __slots__ = ("at", "canonical", "data", "families", "leaves", "normalize", "number", "path",
                 "starts")  # fmt: skip

    def __init__(
        self,
        canonical: bytes,
        families: int,
        data: bytes | bytearray,
        starts: Sequence[int],
        leaves: bytes,
        at: int,
        number: int,
        path: str,
        normalize: Callable[[JsonObject], JsonObject] | None,
    ) -> None:
        self.canonical = canonical
        """The line's RFC 8785 bytes: ASCII, no backslash, no control character."""
        self.families = families
        """The PII families left to run (never 0, :data:`NORMALIZED` not included)."""
        self.data = data
        self.starts = starts
        self.leaves = leaves
        self.at = at
        self.number = number
        self.path = path
        self.normalize = normalize
        """The default normalisation, for a line whose record needs it (else None)."""

    @property
    def index(self) -> int:
        """The line's position in its source (``number - 1``), as in :class:`SourceLocation`."""
        return self.number - 1

    def leaf(self) -> bytes:
        """The Merkle leaf hash of :attr:`canonical`, as the native lane computed it."""
        at = 32 * self.at
        return self.leaves[at : at + 32]

    def item(self) -> ImportedRecord:
        """The line's record (normalised when it needed it) and location, as the lane reads it."""
        line = self.data[self.starts[self.at] : self.starts[self.at + 1] - 1]
        record: JsonObject = orjson.loads(line)
        if self.normalize is not None:
            record = self.normalize(record)
        number = self.number
        return ImportedRecord(record, SourceLocation(self.path, number, number - 1))

    def lane(self) -> tuple[ImportedRecord, bytes | None, int, bool]:
        """The :data:`Lane` this line stands for."""
        return self.item(), self.canonical, self.families, True

    def __iter__(self) -> Iterator[object]:
        return iter(self.lane())

    def __getitem__(self, position: int) -> object:
        return self.lane()[position]

    def __len__(self) -> int:
        return 4


_EDGE_SPACE = re.compile(rb'"(?: |(?<= "))')
"""A quote after or before a space: in compact JSON, a string that starts or ends with one."""
_SORTED = orjson.OPT_SORT_KEYS


def finish_normalized(record: JsonObject, *, families_wanted: bool) -> tuple[bytes, int]:
    """A plain record after normalisation: its canonical bytes and the PII families left."""
    data = encode_plain(record)
    if not families_wanted or not data.isascii() or b"\\" in data:
        return data, prefilter.ALL
    folded = data.translate(prefilter.FOLD)
    return data, prefilter.line_families(data.decode("ascii"), folded, len(record))


class _Parser:
    """A decoder that notes whether every float it read has a plain ECMAScript spelling."""

    __slots__ = ("decode", "plain")

    def __init__(self) -> None:
        self.plain = True
        self.decode = json.JSONDecoder(
            parse_constant=reject_constant, parse_float=self._float
        ).decode

    def _float(self, text: str) -> float:
        value = float(text)
        spelled = float.__repr__(value)
        if "e" in spelled or spelled.endswith(".0") or not math.isfinite(value):
            self.plain = False
        return value


def read_batch(batch: RawBatch, *, families_wanted: bool) -> Iterator[Lane]:
    """The batch's items, each with its fast-lane result (see the module doc).

    ``families_wanted`` is False when the PII prefilter does not cover the
    scan (names and addresses): fast lines then come with every family.
    Raises what :meth:`RawBatch.load` raises for an unreadable source.
    """
    if batch.overlong:
        yield from slow_lanes(parse_jsonl_batch(batch))
        return
    data = bytes(batch.load())  # as it is when bytes; a batch read into its own buffer, copied
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield from slow_lanes(parse_jsonl_batch(batch))
        return
    lines = text.split("\n")
    folded_lines = data.translate(prefilter.FOLD).split(b"\n")
    if lines[-1] == "":
        lines.pop()
    read = LineReader(batch, families_wanted=families_wanted).read
    number = batch.first_line - 1
    for position, line in enumerate(lines):
        number += 1
        lane = read(line, folded_lines[position], number)
        if lane is not None:
            yield lane


class LineReader:
    """The lane of one line of a batch: :func:`read_batch` line by line.

    The native lane (:mod:`.nativelane`) sends the lines it does not take here,
    so that both lanes give the same item for every line.
    """

    __slots__ = ("char_limit", "families_wanted", "max_line", "parser", "path")

    def __init__(self, batch: RawBatch, *, families_wanted: bool) -> None:
        self.path = batch.path
        self.max_line = batch.max_line
        self.char_limit = batch.max_line // 4
        self.parser = _Parser()
        self.families_wanted = families_wanted

    def read(self, line: str, folded: bytes, number: int) -> Lane | None:
        """The lane of ``line`` (numbered ``number``, ``folded`` through FOLD); None if blank."""
        if len(line) > self.char_limit and len(line.encode("utf-8", "surrogatepass")) > (
            self.max_line
        ):
            return _rejected(self.path, number, too_long(self.max_line))
        parser = self.parser
        value: object
        if _SIXTEEN in folded:
            # orjson reads an integer beyond 64 bits as a float; the stdlib keeps it exact.
            value = _decoded(parser, line)
        else:
            try:
                value = orjson.loads(line)
                parser.plain = True
            except orjson.JSONDecodeError:
                # Rejected, or a NaN, an overflowing float or an unpaired surrogate, which
                # the stdlib may read: it decides, and words any rejection as the importer does.
                value = _decoded(parser, line)
        if type(value) is not dict:
            if isinstance(value, _Failure):
                if value.exc is None:
                    return None
                return _rejected(self.path, number, json_reason(value.exc))
            return _rejected(self.path, number, not_an_object(value))
        new = tuple.__new__
        item = new(ImportedRecord, (value, new(SourceLocation, (self.path, number, number - 1))))
        if (
            not parser.plain
            or not line.isascii()
            or "\\" in line
            or "\x7f" in line
            or prefilter.long_digit_run(folded)
            or not _plain_floats(value)
        ):
            return item, None, prefilter.ALL, False
        canonical = orjson.dumps(value, option=_SORTED)
        if b"  " in canonical or _EDGE_SPACE.search(canonical) is not None:
            return item, None, prefilter.ALL, True  # a string to normalise (or a key with spaces)
        families = (
            prefilter.line_families(line, folded, len(value))
            if self.families_wanted
            else prefilter.ALL
        )
        return item, canonical, families, True


_SIXTEEN = b"0000000000000000"
"""Sixteen digits in a row, through :data:`prefilter.FOLD`."""


class _Failure:
    """A line the stdlib decoder did not read: blank (``exc`` None) or rejected."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException | None) -> None:
        self.exc = exc


def _decoded(parser: _Parser, line: str) -> object:
    """The stdlib reading of ``line`` (noting its floats), or a :class:`_Failure`."""
    parser.plain = True
    try:
        return parser.decode(line)
    except (ValueError, RecursionError) as exc:
        if line.isspace() or not line:
            return _Failure(None)
        return _Failure(exc)


def _plain_floats(container: dict[str, object] | list[object]) -> bool:
    """Whether each float in ``container`` is one ``repr`` (and orjson) spell as ECMAScript does.

    A walk over the values only (records are shallow; strings are skipped by
    their type), cheaper than finding the numbers in the line's text.
    """
    for value in container.values() if type(container) is dict else container:
        kind = type(value)
        if kind is str:
            continue
        if kind is float:
            spelled = float.__repr__(value)
            if "e" in spelled or spelled.endswith(".0") or spelled[-1] in "fn":
                return False  # a whole number, an exponent, inf or nan
        elif (kind is dict or kind is list) and not _plain_floats(value):  # type: ignore[arg-type]
            return False
    return True


def slow_lanes(items: list[ImportItem]) -> Iterator[Lane]:
    """Items read the full way, as lanes that take nothing from the fast lane."""
    every = prefilter.ALL
    for item in items:
        yield item, None, every, False


def _rejected(path: str, number: int, reason: str) -> Lane:
    return RecordRejected(SourceLocation(path, number, number - 1), reason), None, 0, False


__all__ = [
    "NORMALIZED",
    "Flagged",
    "Lane",
    "LineReader",
    "Run",
    "encode_plain",
    "finish_normalized",
    "read_batch",
    "slow_lanes",
]
