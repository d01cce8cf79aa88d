"""Plain text and Markdown: one record per file, or one per paragraph.

A paragraph ends at a blank line. In Markdown a fenced code block (```` ``` ````
or ``~~~``) stays in one piece even when it holds blank lines, because a code
sample cut in half is worth less than either half. Records are
``{"text": ...}``; the file name is not copied into the data (it can be
personal), it stays in the record's location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, Source
from app.core.datasets.importers.textio import iter_lines, open_text, too_long, utf8_error_reason
from app.core.datasets.records import ImportedRecord, ImportItem, RecordRejected, SourceLocation

_FENCES = (b"```", b"~~~")


def read_text(
    source: Source,
    options: ImportOptions,
    meter: Meter,
    *,
    markdown: bool = False,
    describe: Callable[[str], None] | None = None,
) -> Iterator[ImportItem]:
    """The text of a source as records, per ``options.text_unit``."""
    with source.open() as stream:
        text = open_text(stream, source.name, options, meter)
        if describe is not None:
            describe(text.encoding)
        if options.text_unit == "file":
            yield _whole(text.blocks, source.name, options.max_record_bytes)
        else:
            yield from _paragraphs(text.blocks, source.name, options.max_record_bytes, markdown)


def _whole(blocks: Iterator[bytes], name: str, limit: int) -> ImportItem:
    location = SourceLocation(name, 1, 0)
    parts: list[bytes] = []
    size = 0
    for block in blocks:
        size += len(block)
        if size > limit:
            return RecordRejected(location, too_long(limit, "file"))
        parts.append(block)
    data = b"".join(parts)
    try:
        return ImportedRecord({"text": data.decode("utf-8")}, location)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return RecordRejected(SourceLocation(name, line, 0), utf8_error_reason(exc))


def _paragraphs(
    blocks: Iterator[bytes], name: str, limit: int, markdown: bool
) -> Iterator[ImportItem]:
    lines: list[bytes] = []
    start = 0
    size = 0
    problem: str | None = None
    fence: bytes | None = None
    index = 0
    for number, line in iter_lines(blocks, limit):
        if line is None:
            if not lines and problem is None:
                start = number
            problem = problem or too_long(limit, "paragraph")
            lines.clear()
            continue
        stripped = line.strip()
        if markdown:
            if fence is None:
                if stripped.startswith(_FENCES):
                    fence = stripped[:3]
            elif stripped.startswith(fence):
                fence = None
        if not stripped and fence is None:
            if lines or problem is not None:
                yield _paragraph(lines, name, start, index, problem)
                index += 1
                lines = []
                size = 0
                problem = None
            continue
        if not lines and problem is None:
            start = number
        size += len(line) + 1
        if size > limit:
            problem = problem or too_long(limit, "paragraph")
            lines.clear()
        elif problem is None:
            lines.append(line)
    if lines or problem is not None:
        yield _paragraph(lines, name, start, index, problem)


def _paragraph(
    lines: list[bytes], name: str, start: int, index: int, problem: str | None
) -> ImportItem:
    location = SourceLocation(name, start, index)
    if problem is not None:
        return RecordRejected(location, problem)
    data = b"\n".join(lines)
    try:
        return ImportedRecord({"text": data.decode("utf-8")}, location)
    except UnicodeDecodeError as exc:
        line = start + data.count(b"\n", 0, exc.start)
        return RecordRejected(SourceLocation(name, line, index), utf8_error_reason(exc))
