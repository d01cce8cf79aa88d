"""The age v1 header: stanzas, strict parsing, and the header MAC.

Parsing is strict on purpose: every byte of the header is covered by the MAC
only once a file key is known, so anything a lenient parser would accept is
room for malleability. Base64 must be canonical and unpadded, lines end in LF
only, stanza bodies wrap at exactly 64 columns and end with a shorter line.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from hashlib import sha256
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.crypto.errors import HeaderError, HMACError
from app.core.crypto.streams import Source

VERSION_LINE: Final = b"age-encryption.org/v1\n"
VERSION_PREFIX: Final = b"age-encryption.org/"
STANZA_PREFIX: Final = b"-> "
MAC_PREFIX: Final = b"---"
COLUMNS: Final = 64
MAX_LINE: Final = 1 << 16
MAX_HEADER: Final = 4 << 20
MAC_SIZE: Final = 32
_B64: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def b64encode(data: bytes) -> str:
    """Unpadded standard base64, as the header writes it."""
    return base64.b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str | bytes, what: str) -> bytes:
    """Decode canonical unpadded base64 or raise :class:`HeaderError` naming ``what``."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    if not _B64.issuperset(raw) or len(raw) % 4 == 1:
        raise HeaderError(f"the {what} is not valid unpadded base64")
    data = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4), strict_mode=True)
    if b64encode(data).encode("ascii") != raw:
        raise HeaderError(f"the {what} is not canonical base64")
    return data


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


@dataclass(frozen=True, slots=True)
class Stanza:
    """One recipient stanza: its arguments (the first is the type) and body."""

    args: tuple[str, ...]
    body: bytes

    @property
    def type(self) -> str:
        return self.args[0]

    def encode(self) -> bytes:
        lines = [STANZA_PREFIX + " ".join(self.args).encode("ascii")]
        text = b64encode(self.body).encode("ascii")
        lines.extend(text[i : i + COLUMNS] for i in range(0, len(text), COLUMNS))
        if len(text) % COLUMNS == 0:
            lines.append(b"")
        return b"\n".join(lines) + b"\n"


@dataclass(frozen=True, slots=True)
class Header:
    """A parsed header; ``signed`` is the exact text the MAC covers."""

    stanzas: tuple[Stanza, ...]
    mac: bytes
    signed: bytes

    @property
    def size(self) -> int:
        """Bytes of the header as written, MAC line included."""
        return len(self.signed) + 1 + len(b64encode(self.mac)) + 1

    def verify_mac(self, file_key: bytes) -> None:
        if not hmac.compare_digest(header_mac(file_key, self.signed), self.mac):
            raise HMACError("the header MAC is wrong: the header was changed after encryption")


def header_mac(file_key: bytes, signed: bytes) -> bytes:
    key = hkdf(file_key, b"", b"header")
    return hmac.new(key, signed, sha256).digest()


def encode_header(stanzas: list[Stanza] | tuple[Stanza, ...], file_key: bytes) -> bytes:
    """The full header text for these stanzas, MAC line included."""
    if not stanzas:
        raise ValueError("a header needs at least one stanza")
    signed = VERSION_LINE + b"".join(stanza.encode() for stanza in stanzas) + MAC_PREFIX
    mac = b64encode(header_mac(file_key, signed)).encode("ascii")
    return signed + b" " + mac + b"\n"


def _line(source: Source, total: int) -> bytes:
    if total > MAX_HEADER:
        raise HeaderError("the header is too large")
    line = source.readline(MAX_LINE)
    if not line.endswith(b"\n"):
        raise HeaderError("the header is truncated or has an overlong line")
    return line


def _arguments(line: bytes) -> tuple[str, ...]:
    args = line[len(STANZA_PREFIX) : -1].split(b" ")
    for arg in args:
        if not arg or any(not 0x21 <= byte <= 0x7E for byte in arg):
            raise HeaderError("a stanza has an empty or invalid argument")
    return tuple(arg.decode("ascii") for arg in args)


def parse_header(source: Source) -> Header:
    """Read one header from ``source``, leaving it at the first payload byte."""
    first = _line(source, 0)
    if first != VERSION_LINE:
        if first.startswith(VERSION_PREFIX):
            raise HeaderError("this age file uses a version this program does not support")
        raise HeaderError("this is not an age file (the version line is missing)")
    signed = bytearray(first)
    stanzas: list[Stanza] = []
    line = _line(source, len(signed))
    while line.startswith(STANZA_PREFIX):
        signed += line
        args = _arguments(line)
        body_text = bytearray()
        while True:
            body_line = _line(source, len(signed))
            signed += body_line
            content = body_line[:-1]
            if len(content) > COLUMNS:
                raise HeaderError("a stanza body line is longer than 64 columns")
            body_text += content
            if len(content) < COLUMNS:
                break
        stanzas.append(Stanza(args, b64decode(bytes(body_text), "stanza body")))
        line = _line(source, len(signed))
    if not stanzas:
        raise HeaderError("the header has no recipient stanza")
    if not line.startswith(MAC_PREFIX + b" "):
        raise HeaderError("the header is malformed (expected a stanza or the MAC line)")
    signed += MAC_PREFIX
    mac = b64decode(line[len(MAC_PREFIX) + 1 : -1], "header MAC")
    if len(mac) != MAC_SIZE:
        raise HeaderError("the header MAC has the wrong length")
    return Header(tuple(stanzas), mac, bytes(signed))
