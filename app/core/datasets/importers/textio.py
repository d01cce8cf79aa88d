"""Text input: encoding detection, transcoding to UTF-8, and capped line splitting.

Every text importer works on UTF-8 bytes. UTF-8 input passes through as it
is (a byte order mark is dropped) and is checked line by line later, so that
one bad byte rejects one record rather than the file; other encodings are
decoded as a stream and re-encoded. Latin-1 and the other single-byte
encodings decode any byte sequence, so guessing one would silently turn bad
bytes into wrong letters: they are used only when the user names them, and
text that is not UTF-8 stops with :class:`EncodingUnsure` instead.

Lines are split on LF only (CR stays attached, CSV and normalisation deal
with it), and a line longer than the cap is skipped as it streams by, never
held: a multi-gigabyte line costs one block of memory.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, read_blocks, read_exactly
from app.core.datasets.records import EncodingUnsure, InvalidSource, MiB
from app.core.errors import InvalidInput

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13}) + b"\x7f"
_BINARY_CONTROL_SHARE = 0.05
_BINARY_CONTROL_MIN = 32


@dataclass(slots=True)
class TextStream:
    """A source's content as UTF-8 byte blocks, and the encoding it was read in.

    ``offset`` is where the blocks start in the source when they are its own
    bytes (UTF-8 read as it is: 0, or 3 after a byte order mark); ``None``
    when they were transcoded.
    """

    encoding: str
    blocks: Iterator[bytes]
    offset: int | None = None


def codec_name(encoding: str) -> str:
    """The canonical codec name for a user's choice; unknown names are input errors."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InvalidInput(f"unknown text encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise InvalidInput(f"{encoding!r} is not a text encoding")
    return info.name


def open_text(
    stream: BinaryIO,
    name: str,
    options: ImportOptions,
    meter: Meter,
    *,
    utf8_by_line: bool = False,
) -> TextStream:
    """Detect (or apply the chosen) encoding and return the content as UTF-8 blocks.

    Raises :class:`InvalidSource` for an empty source and for binary data,
    :class:`EncodingUnsure` when the text is not UTF-8 and no encoding was
    chosen. Formats that are UTF-8 by definition (JSON
    Lines) pass ``utf8_by_line``: bad bytes then reject their own line.
    """
    head = read_exactly(stream, name, options.sample_bytes, meter)
    rest = read_blocks(stream, name, options.block_size, meter)
    if options.encoding is not None:
        codec = codec_name(options.encoding)
    else:
        codec = _detect(head, name, utf8_by_line=utf8_by_line)
    if codec in ("utf-8", "utf-8-sig"):
        offset = 0
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8) :]
            offset = len(codecs.BOM_UTF8)
        if not head:
            raise InvalidSource(name, "the file is empty", skippable=True)
        label = "utf-8" if codec == "utf-8" else "utf-8-sig"
        return TextStream(label, _chain(head, rest), offset)
    blocks = _transcode(_chain(head, rest), codec, name)
    first = next(blocks, b"")
    if not first:
        raise InvalidSource(name, "the file is empty", skippable=True)
    return TextStream(codec, _chain(first, blocks))


def _detect(head: bytes, name: str, *, utf8_by_line: bool) -> str:
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    if not head:
        return "utf-8"
    nul = head.find(b"\x00")
    if nul >= 0:
        raise _binary(name, head, nul)
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls > max(_BINARY_CONTROL_MIN, _BINARY_CONTROL_SHARE * len(head)):
        raise _binary(name, head, None)
    if utf8_by_line:
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise EncodingUnsure(name, line=head.count(b"\n", 0, exc.start) + 1) from None
    return "utf-8"


def _binary(name: str, head: bytes, at: int | None) -> InvalidSource:
    line = None if at is None else head.count(b"\n", 0, at) + 1
    return InvalidSource(
        name,
        "looks like binary data, not text",
        line=line,
        skippable=True,
        hint="choose the format of the file, or --format files to import it as a file",
    )


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


def _transcode(blocks: Iterator[bytes], codec: str, name: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    lines = 0
    for block in blocks:
        state = decoder.getstate()
        try:
            text = decoder.decode(block)
        except UnicodeDecodeError as exc:
            # Decode again up to the bad byte to name its line.
            probe = codecs.getincrementaldecoder(codec)("replace")
            probe.setstate(state)
            good = probe.decode(block[: max(0, exc.start - len(state[0]))])
            line = lines + good.count("\n") + 1
            raise InvalidSource(name, f"the text is not valid {codec}", line=line) from None
        out = text.encode("utf-8")
        lines += out.count(b"\n")
        if out:
            yield out
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InvalidSource(name, f"the text is not valid {codec}", line=lines + 1) from None
    if tail:
        yield tail.encode("utf-8")


def iter_lines(blocks: Iterator[bytes], max_line: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line without LF)`` for each line; ``None`` for a line over ``max_line``.

    An overlong line is dropped as it streams by, so memory stays within one
    block plus ``max_line`` whatever the input. A final line without LF
    counts as a line; an empty input has no lines.
    """
    number = 0
    parts: list[bytes] = []
    pending = 0
    discarding = False
    for block in blocks:
        pieces = block.split(b"\n")
        last = pieces.pop()
        for piece in pieces:
            number += 1
            if discarding:
                discarding = False
                yield number, None
                continue
            if parts:
                parts.append(piece)
                piece = b"".join(parts)
                parts.clear()
                pending = 0
            if len(piece) > max_line:
                yield number, None
            else:
                yield number, piece
        if discarding or not last:
            continue
        pending += len(last)
        if pending > max_line:
            discarding = True
            parts.clear()
            pending = 0
        else:
            parts.append(last)
    if discarding:
        yield number + 1, None
    elif parts:
        yield number + 1, b"".join(parts)


def too_long(limit: int, what: str = "line") -> str:
    """The rejection reason for a line or record over the cap, with the cap in words."""
    return f"the {what} is longer than the limit of {_size(limit)}"


def _size(count: int) -> str:
    if count >= MiB and count % MiB == 0:
        return f"{count // MiB} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


def utf8_error_reason(exc: UnicodeDecodeError) -> str:
    return (
        f"not valid UTF-8 text (byte {exc.start + 1} of the line); "
        "if the file is in another encoding, choose it with --encoding"
    )
