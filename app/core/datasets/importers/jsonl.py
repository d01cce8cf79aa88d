"""JSON Lines, split for parallel parsing.

The JSONL path is the one the benchmark measures against a plain
``json.loads`` loop, so it is cut in two cheap halves. :func:`iter_jsonl_batches`
reads large binary blocks and cuts them at the last newline: no per-line
Python work at all. :func:`parse_jsonl_batch` turns one batch into records;
it is a plain function of a plain value, so the pipeline can run it in a
process pool (both sides pickle cheaply) or inline.

A line longer than the cap is skipped while it streams by and reported as a
rejection in its place, so a multi-gigabyte line costs one block of memory
and the records around it still import. Duplicate keys in an object keep the
last value, as ``json`` does; NaN and Infinity are refused, they are not JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, Source, read_blocks_into, read_error
from app.core.datasets.importers.textio import open_text, too_long, utf8_error_reason
from app.core.datasets.records import (
    DEFAULT_MAX_RECORD_BYTES,
    ImportedRecord,
    ImportItem,
    InvalidSource,
    RecordRejected,
    SourceLocation,
)
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress

DEFAULT_BATCH_BYTES = 1024 * 1024
"""Large enough to amortise a trip to a worker, small enough to stay in cache."""


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Whole lines of one JSONL source, undecoded, or where to find them.

    ``first_line`` is the 1-based number of the batch's first line.
    ``overlong`` marks a line that was longer than ``max_line`` and was
    skipped: the batch then stands for that one line and holds no bytes.
    A batch made ``by_reference`` holds no bytes either but ``offset`` and
    ``length`` in the file at ``path``: a worker reads them itself, so
    only a few numbers cross the process boundary instead of the data.
    """

    path: str
    first_line: int
    data: bytes | bytearray
    """The lines (a bytearray when they were read straight into their own buffer, never
    changed after)."""
    max_line: int = DEFAULT_MAX_RECORD_BYTES
    overlong: bool = False
    offset: int = -1
    length: int = 0

    def load(self) -> bytes | bytearray:
        """The batch's bytes, read from the file when the batch is a reference."""
        if self.offset < 0:
            return self.data
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read(self.length)
        except OSError as exc:
            raise read_error(self.path, exc) from None
        if len(data) != self.length:
            raise InvalidSource(
                self.path, "the file changed while it was read", line=self.first_line
            )
        return data


def iter_jsonl_batches(
    path: str | os.PathLike[str] | Source,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    *,
    max_line: int = DEFAULT_MAX_RECORD_BYTES,
    encoding: str | None = None,
    by_reference: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    meter: Meter | None = None,
) -> Iterator[RawBatch]:
    """Batches of about ``batch_bytes`` of whole lines, in order, from a JSONL source.

    JSON Lines is UTF-8 (a byte order mark, UTF-16 or UTF-32 with one, is
    recognised); ``encoding`` overrides that for files made otherwise.
    ``by_reference`` makes batches that point into the file rather than
    carry its bytes, when the source is a file read as it is (UTF-8); other
    sources (archive entries, transcoded text) carry their bytes anyway.
    Raises :class:`~app.core.datasets.records.InvalidSource` for an empty,
    unreadable or binary source.
    """
    source = path if isinstance(path, Source) else Source.from_path(Path(path))
    if meter is None:
        meter = Meter(progress, cancel, source.size)
    options = ImportOptions(
        encoding=encoding,
        block_size=max(1, batch_bytes),
        sample_bytes=max(1, min(batch_bytes, 64 * 1024)),
    )
    with source.open() as stream:
        text = open_text(stream, source.name, options, meter, utf8_by_line=True)
        base = text.offset if by_reference and source.is_file else None
        blocks: Iterator[bytes | bytearray] = text.blocks
        if base is not None:
            blocks = _scanned(text.blocks, stream, source.name, options.block_size, meter)
        elif text.offset is not None and not by_reference:
            blocks = _whole_lines(
                text.blocks, stream, source.name, options.block_size, max_line, meter
            )
        yield from _batches(blocks, source.name, max_line, base)
    meter.finish()


def _scanned(
    blocks: Iterator[bytes], stream: BinaryIO, name: str, block_size: int, meter: Meter
) -> Iterator[bytes | bytearray]:
    """The blocks of a source cut by reference: its first block, then the rest in one buffer.

    Batches by reference keep no bytes, only where they lie in the file, so
    the cutter only scans each block: the first is the sample
    :func:`~app.core.datasets.importers.textio.open_text` read (it reads the
    rest only when asked, so the stream stands just past it), the others
    are read into one reused buffer (:func:`read_blocks_into`).
    """
    first = next(blocks, b"")
    if first:
        yield first
    yield from read_blocks_into(stream, name, block_size, meter)


def _whole_lines(
    blocks: Iterator[bytes],
    stream: BinaryIO,
    name: str,
    block_size: int,
    max_line: int,
    meter: Meter,
) -> Iterator[bytes | bytearray]:
    """The blocks of a source read as it is, each read into its own buffer and ending at a newline.

    A batch that carries its bytes is then one block, handed over as it was
    read: the part line at a block's end goes in front of the next one (a
    copy of a line, not of the block), so the reading thread copies no block
    (:func:`_batches` takes a whole block as a batch's bytes). The blocks end
    where the blocks by reference end, so both cut a file into the same
    batches: the first is the sample ``open_text`` read (the stream stands
    past it), and a block whose last line is already longer than
    ``max_line``, or holds no newline at all, comes as it is, for the cutter
    to skip that line as it does by reference.
    """
    carry: bytes | bytearray = b""
    buffer: bytes | bytearray = next(blocks, b"")
    end = len(buffer)
    while True:
        cut = buffer.rfind(b"\n", 0, end)
        if cut < 0 or end - cut - 1 > max_line:
            carry = b""
            yield buffer if end == len(buffer) else buffer[:end]
        else:
            carry = bytes(buffer[cut + 1 : end])
            yield buffer[: cut + 1] if isinstance(buffer, bytes) else _cut(buffer, cut + 1)
        grown = bytearray(len(carry) + block_size)
        grown[: len(carry)] = carry
        try:
            count = stream.readinto(memoryview(grown)[len(carry) :])  # type: ignore[attr-defined]
        except OSError as exc:
            raise read_error(name, exc) from None
        if not count:
            if carry:
                yield carry
            return
        meter.add(count)
        buffer, end = grown, len(carry) + count


def _cut(buffer: bytearray, size: int) -> bytearray:
    """``buffer`` shortened to ``size`` bytes in place (it is handed over, never used again)."""
    del buffer[size:]
    return buffer


def _batches(
    blocks: Iterable[bytes | bytearray], name: str, max_line: int, base: int | None
) -> Iterator[RawBatch]:
    """Cut blocks into batches at newlines; ``base`` (the blocks' file offset) makes references.

    With ``base`` no block is kept past its turn (a reused buffer is fine);
    without, the batches carry the blocks' bytes.
    """
    line = 1
    newlines = _NewlineCounter()
    parts: list[bytes | bytearray | memoryview] = []
    pending = 0  # bytes of the line that is not complete yet
    pending_at = 0  # where that line starts, counted in block bytes
    position = 0  # block bytes before the current block
    discarding = False

    def batch(
        first: int, at: int, length: int, pieces: list[bytes | bytearray | memoryview]
    ) -> RawBatch:
        if base is not None:
            return RawBatch(name, first, b"", max_line, offset=base + at, length=length)
        if len(pieces) == 1 and isinstance(piece := pieces[0], memoryview):
            whole = piece.obj
            if isinstance(whole, bytes | bytearray) and piece.nbytes == len(whole):
                return RawBatch(name, first, whole, max_line)  # a whole block, never reused
        # Views of the blocks, joined into the batch's bytes: each byte is copied once here.
        return RawBatch(name, first, b"".join(pieces), max_line)

    for block in blocks:
        cut = block.rfind(b"\n")
        if cut < 0:
            if not discarding:
                pending += len(block)
                if pending > max_line:
                    discarding = True
                    parts.clear()
                elif base is None:
                    parts.append(block)
            position += len(block)
            continue
        start = 0
        if discarding:
            start = block.find(b"\n") + 1
            yield RawBatch(name, line, b"", max_line, overlong=True)
            line += 1
            discarding = False
        elif pending:
            head = memoryview(block)[: cut + 1] if base is None else b""
            yield batch(line, pending_at, pending + cut + 1, [*parts, head])
            line += newlines(block, 0, cut + 1)
            parts.clear()
            start = cut + 1
        if start <= cut:
            piece = memoryview(block)[start : cut + 1] if base is None else b""
            yield batch(line, position + start, cut + 1 - start, [piece])
            line += newlines(block, start, cut + 1)
        pending = len(block) - cut - 1
        pending_at = position + cut + 1
        position += len(block)
        if pending > max_line:
            discarding = True
        elif pending and base is None:
            parts.append(block[cut + 1 :])
    if discarding:
        yield RawBatch(name, line, b"", max_line, overlong=True)
    elif pending:
        yield batch(line, pending_at, pending, parts)


LONG_LINES = 256
"""Mean bytes a line from which newlines are counted by searching (see :class:`_NewlineCounter`)."""


class _NewlineCounter:
    """Counts newlines in a span, by the faster of two ways for the lines seen so far.

    ``bytes.count`` looks at every byte in turn, while ``find`` skips to the
    next newline at memory speed but costs a Python step a line: for lines
    of a kilobyte (the usual record) searching is about three times
    faster, for short lines counting is. The choice follows the mean line
    length of the previous span; either way the count is exact.
    """

    __slots__ = ("native", "search")

    def __init__(self) -> None:
        self.search = False
        self.native = _native_counter()
        """The C lane's count (a memchr a line, no Python step), when it is built."""

    def __call__(self, block: bytes | bytearray, start: int, end: int) -> int:
        if self.native is not None:
            return self.native(block, start, end)
        if self.search:
            find = block.find
            count = 0
            at = find(b"\n", start, end)
            while at >= 0:
                count += 1
                at = find(b"\n", at + 1, end)
        else:
            count = block.count(b"\n", start, end)
        self.search = end - start >= LONG_LINES * max(1, count)
        return count


def _native_counter() -> Callable[[bytes | bytearray, int, int], int] | None:
    """``_fastlane.count_lines`` when the C lane is built and on (imported late: it imports us)."""
    from app.core.datasets import nativelane

    native = nativelane._NATIVE if nativelane.ENABLED else None
    return getattr(native, "count_lines", None)


def parse_jsonl_batch(batch: RawBatch) -> list[ImportedRecord | RecordRejected]:
    """The records of one batch, with a rejection in place of each bad line.

    Blank lines are skipped. Pure and picklable: safe to run in a worker.
    This loop is the import's hot path: the tuples are built with
    ``tuple.__new__`` to skip the named tuples' Python-level constructors.
    """
    path = batch.path
    if batch.overlong:
        location = SourceLocation(path, batch.first_line, batch.first_line - 1)
        return [RecordRejected(location, too_long(batch.max_line))]
    data = batch.load()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _parse_lines_slowly(path, batch.first_line, bytes(data), batch.max_line)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    out: list[ImportedRecord | RecordRejected] = []
    append = out.append
    decode = _DECODER.decode
    new = tuple.__new__
    max_line = batch.max_line
    char_limit = max_line // 4
    index = batch.first_line - 2
    for line in lines:
        index += 1
        if len(line) > char_limit and len(line.encode("utf-8", "surrogatepass")) > max_line:
            append(RecordRejected(SourceLocation(path, index + 1, index), too_long(max_line)))
            continue
        try:
            value = decode(line)
        except (ValueError, RecursionError) as exc:
            if line.isspace() or not line:
                continue
            append(RecordRejected(SourceLocation(path, index + 1, index), _json_reason(exc)))
            continue
        if type(value) is dict:
            append(new(ImportedRecord, (value, new(SourceLocation, (path, index + 1, index)))))
        else:
            append(RecordRejected(SourceLocation(path, index + 1, index), _not_object(value)))
    return out


def _parse_lines_slowly(
    path: str, first_line: int, data: bytes, max_line: int
) -> list[ImportedRecord | RecordRejected]:
    """The batch holds bytes that are not UTF-8: find them line by line."""
    out: list[ImportedRecord | RecordRejected] = []
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()
    for offset, raw in enumerate(raw_lines):
        number = first_line + offset
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            location = SourceLocation(path, number, number - 1)
            out.append(RecordRejected(location, utf8_error_reason(exc)))
            continue
        out.extend(parse_jsonl_batch(RawBatch(path, number, raw, max_line)))
    return out


def read_jsonl(source: Source, options: ImportOptions, meter: Meter) -> Iterator[ImportItem]:
    """The records of a JSONL source, parsed here (the serial path)."""
    batches = iter_jsonl_batches(
        source,
        options.block_size,
        max_line=options.max_record_bytes,
        encoding=options.encoding,
        meter=meter,
    )
    for batch in batches:
        yield from parse_jsonl_batch(batch)


def _json_reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "not valid JSON: nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} (column {exc.colno})"
    return f"not valid JSON: {exc}"


def _not_object(value: object) -> str:
    kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
    return f"the line is {kind}, not a JSON object"
