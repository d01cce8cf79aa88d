"""JSON documents: a top-level array streamed element by element, or one object.

``json.load`` would hold a multi-gigabyte array and every object in it at
once. This reader keeps a text buffer of one element plus one block and
calls ``JSONDecoder.raw_decode`` at each element start. When an element is
cut by the end of the buffer, the buffer at least doubles before the next
try, so a large element costs a constant number of passes, not one per block.

Elements that are valid JSON but not objects are rejected one by one. A
syntax error, though, leaves no way to find where the next element starts,
so it stops the import with the line it is on.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, Source
from app.core.datasets.importers.textio import open_text, too_long
from app.core.datasets.records import (
    ImportedRecord,
    ImportItem,
    InvalidSource,
    RecordRejected,
    SourceLocation,
)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_WHITESPACE = " \t\n\r"
_NEAR_END = 16
"""An error this close to the end of the buffer may just be a cut literal ("tru")."""


class _Buffer:
    """Decoded text with a read position and the line number at that position."""

    def __init__(self, blocks: Iterator[bytes], name: str) -> None:
        self._blocks = blocks
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.name = name
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def fill(self, at_least: int = 1) -> None:
        """Read until ``at_least`` more characters are buffered past ``pos``, or the end."""
        if self.pos > 0:
            self.text = self.text[self.pos :]
            self.pos = 0
        parts = [self.text]
        have = len(self.text)
        target = have + at_least
        while have < target and not self.eof:
            block = next(self._blocks, None)
            try:
                piece = self._decoder.decode(block or b"", final=block is None)
            except UnicodeDecodeError:
                raise InvalidSource(
                    self.name,
                    "not valid UTF-8 text",
                    line=self.line + sum(p.count("\n") for p in parts),
                ) from None
            if block is None:
                self.eof = True
            parts.append(piece)
            have += len(piece)
        self.text = "".join(parts)

    def skip_space(self) -> str:
        """The next non-space character (``""`` at the end), reading more as needed."""
        while True:
            text = self.text
            pos = self.pos
            size = len(text)
            while pos < size and text[pos] in _WHITESPACE:
                pos += 1
            if pos < size:
                self.advance(pos)
                return text[pos]
            self.advance(pos)
            if self.eof:
                return ""
            self.fill()

    def advance(self, pos: int) -> None:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        if pos > 1 << 20 and pos * 2 > len(self.text):
            self.text = self.text[pos:]
            self.pos = 0

    def error(self, reason: str, *, skippable: bool = False) -> InvalidSource:
        return InvalidSource(self.name, reason, line=self.line, skippable=skippable)


def read_json(source: Source, options: ImportOptions, meter: Meter) -> Iterator[ImportItem]:
    """The elements of a top-level JSON array (or the one top-level object) as records."""
    name = source.name
    with source.open() as stream:
        text = open_text(stream, name, options, meter, utf8_by_line=True)
        buffer = _Buffer(text.blocks, name)
        buffer.fill(options.sample_bytes)
        first = buffer.skip_space()
        if first == "{":
            value, line = _element(buffer, options)
            if buffer.skip_space() != "":
                raise buffer.error("not valid JSON: more data after the top-level object")
            yield ImportedRecord(value, SourceLocation(name, line, 0))  # type: ignore[arg-type]
            return
        if first != "[":
            raise buffer.error("not a JSON array or object", skippable=True)
        buffer.advance(buffer.pos + 1)
        index = 0
        if buffer.skip_space() == "]":
            buffer.advance(buffer.pos + 1)
        else:
            while True:
                value, line = _element(buffer, options)
                location = SourceLocation(name, line, index)
                index += 1
                if type(value) is dict:
                    yield ImportedRecord(value, location)
                else:
                    yield RecordRejected(location, "the element is not a JSON object")
                after = buffer.skip_space()
                if after == "]":
                    buffer.advance(buffer.pos + 1)
                    break
                if after != ",":
                    reason = "the array is not closed" if after == "" else "expected ',' or ']'"
                    raise buffer.error(f"not valid JSON: {reason}")
                buffer.advance(buffer.pos + 1)
                if buffer.skip_space() == "":
                    raise buffer.error("not valid JSON: the array is not closed")
        if buffer.skip_space() != "":
            raise buffer.error("not valid JSON: more data after the top-level array")


def _element(buffer: _Buffer, options: ImportOptions) -> tuple[object, int]:
    """Decode the value at the buffer position; return it with its first line."""
    limit = options.max_record_bytes
    line = buffer.line
    while True:
        start = buffer.pos
        text = buffer.text
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            if buffer.eof or not _maybe_cut(exc, len(text)):
                line_of_error = buffer.line + text.count("\n", start, exc.pos)
                raise InvalidSource(
                    buffer.name, f"not valid JSON: {exc.msg}", line=line_of_error
                ) from None
            value, end = None, -1
        except RecursionError:
            raise buffer.error("not valid JSON: nested too deeply") from None
        except ValueError as exc:
            raise buffer.error(f"not valid JSON: {exc}") from None
        if end >= 0 and (end < len(text) or buffer.eof):
            if _utf8_length(text, start, end, limit) > limit:
                raise buffer.error(too_long(limit, "element"))
            buffer.advance(end)
            return value, line
        buffered = len(text) - start
        if _utf8_length(text, start, len(text), limit) > limit:
            raise buffer.error(too_long(limit, "element"))
        buffer.fill(max(buffered, options.block_size))


def _maybe_cut(exc: json.JSONDecodeError, size: int) -> bool:
    """Whether more input could make the text valid: a cut string, or an error at the end."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= size - _NEAR_END


def _utf8_length(text: str, start: int, end: int, limit: int) -> int:
    """Bytes of ``text[start:end]`` in UTF-8, counted only when they could pass ``limit``."""
    chars = end - start
    if chars * 4 <= limit or chars > limit:
        return chars
    return len(text[start:end].encode("utf-8", "surrogatepass"))
