"""ASCII armor: strict PEM with the label ``AGE ENCRYPTED FILE``.

Armored files are malleable unless the parser is strict, so the reader
accepts exactly what age writes: padded canonical base64 in 64-column lines,
the last one shorter or full, LF or CRLF line ends, and nothing but
whitespace before the first line or after the last. Everything else is an
:class:`ArmorError`.
"""

from __future__ import annotations

import binascii
from typing import Final

from app.core.crypto.errors import ArmorError
from app.core.crypto.streams import Source, Writable, write_all

BEGIN: Final = b"-----BEGIN AGE ENCRYPTED FILE-----"
END: Final = b"-----END AGE ENCRYPTED FILE-----"
COLUMNS: Final = 64
LINE_BYTES: Final = 48
MAX_WHITESPACE: Final = 1024
_WHITESPACE: Final = b" \t\r\n"
_BLOCK: Final = 1 << 20
_FAST_LINE: Final = COLUMNS + 1


def is_armored(start: bytes) -> bool:
    """Whether a file starting with ``start`` is armored rather than binary."""
    return start.lstrip(_WHITESPACE).startswith(b"-----")


class ArmorWriter:
    """Armors everything written to it; :meth:`close` writes the last line."""

    def __init__(self, sink: Writable) -> None:
        self._sink = sink
        self._pending = bytearray()
        write_all(sink, BEGIN + b"\n")

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._pending += data
        whole = len(self._pending) - len(self._pending) % LINE_BYTES
        if whole >= _BLOCK:
            self._emit(whole)
        return len(data)

    def _emit(self, size: int) -> None:
        text = binascii.b2a_base64(self._pending[:size], newline=False)
        lines = b"\n".join(text[i : i + COLUMNS] for i in range(0, len(text), COLUMNS))
        write_all(self._sink, lines + b"\n")
        del self._pending[:size]

    def close(self) -> None:
        if self._pending:
            self._emit(len(self._pending))
        write_all(self._sink, END + b"\n")


class ArmorReader:
    """Decodes an armored stream; usable as the raw stream of a :class:`Source`."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._text = bytearray()
        self._pos = 0
        self._out = bytearray()
        self._out_pos = 0
        self._started = False
        self._must_end = False
        self._done = False

    # --- reading the armored text -------------------------------------------

    def _fill(self) -> bool:
        del self._text[: self._pos]
        self._pos = 0
        data = self._source.read(_BLOCK)
        self._text += data
        return bool(data)

    def _line(self) -> bytes | None:
        """The next line without its LF or CRLF; None at the end of the input."""
        while True:
            end = self._text.find(b"\n", self._pos)
            if end >= 0:
                line = bytes(self._text[self._pos : end])
                self._pos = end + 1
                return line[:-1] if line.endswith(b"\r") else line
            if len(self._text) - self._pos > 2 * COLUMNS:
                raise ArmorError("an armor line is too long")
            if not self._fill():
                if self._pos == len(self._text):
                    return None
                line = bytes(self._text[self._pos :])
                self._pos = len(self._text)
                return line

    def _start(self) -> None:
        skipped = 0
        while True:
            rest = self._text[self._pos :].lstrip(_WHITESPACE)
            skipped += len(self._text) - self._pos - len(rest)
            self._pos = len(self._text) - len(rest)
            if skipped > MAX_WHITESPACE:
                raise ArmorError("too much whitespace before the armor")
            if rest or not self._fill():
                break
        if self._line() != BEGIN:
            raise ArmorError("the armor does not start with the AGE ENCRYPTED FILE line")
        self._started = True

    def _finish(self) -> None:
        trailing = self._text[self._pos :]
        while len(trailing) <= MAX_WHITESPACE and self._fill():
            trailing = self._text[self._pos :]
        if trailing.strip(_WHITESPACE):
            raise ArmorError("there is data after the end of the armor")
        if len(trailing) > MAX_WHITESPACE:
            raise ArmorError("too much whitespace after the armor")
        self._done = True

    def _decode_fast(self) -> bool:
        """Decode a run of full LF-terminated lines at once, when there is one."""
        lines = (len(self._text) - self._pos) // _FAST_LINE - 1
        if lines < 2:
            return False
        block = self._text[self._pos : self._pos + lines * _FAST_LINE]
        if (
            block[COLUMNS::_FAST_LINE] != b"\n" * lines
            or b"=" in block
            or b"-" in block
            or b"\r" in block
        ):
            return False
        del block[COLUMNS::_FAST_LINE]
        try:
            self._out += binascii.a2b_base64(block, strict_mode=True)
        except binascii.Error:
            raise ArmorError("the armor contains characters that are not base64") from None
        self._pos += lines * _FAST_LINE
        return True

    def _decode_line(self) -> None:
        line = self._line()
        if line is None:
            raise ArmorError("the armor has no END line")
        if line == END:
            self._finish()
            return
        if self._must_end:
            raise ArmorError("an armor line is shorter than 64 columns before the last")
        if not line or len(line) > COLUMNS:
            raise ArmorError("an armor line is empty or longer than 64 columns")
        try:
            data = binascii.a2b_base64(line, strict_mode=True)
        except binascii.Error:
            raise ArmorError("the armor is not valid padded base64") from None
        if binascii.b2a_base64(data, newline=False) != line:
            raise ArmorError("the armor is not canonical base64")
        self._must_end = len(data) < LINE_BYTES
        self._out += data

    def readinto(self, view: memoryview) -> int:
        if not self._started:
            self._start()
        while len(self._out) - self._out_pos < len(view) and not self._done:
            if self._out_pos:
                del self._out[: self._out_pos]
                self._out_pos = 0
            if self._must_end or not self._decode_fast():
                self._decode_line()
        count = min(len(view), len(self._out) - self._out_pos)
        view[:count] = self._out[self._out_pos : self._out_pos + count]
        self._out_pos += count
        return count
