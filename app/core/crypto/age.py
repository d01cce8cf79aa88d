"""Encrypting and decrypting age v1 files: bytes, streams and files.

Any age tool can open what this writes, and this opens what they write.
Streams are processed in bounded memory whatever their size, with the
payload spread over the machine's cores (see :mod:`.payload`). Files are
written all-or-nothing (see :mod:`.output`).

Errors are typed: :class:`NoIdentityMatch`, :class:`HeaderError`,
:class:`HMACError`, :class:`PayloadError`, :class:`ArmorError`, all
:class:`~app.core.errors.InvalidInput`; problems of the disk are
:class:`~app.core.errors.StorageError`; a cancel raises
:class:`~app.core.errors.Cancelled`.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from app.core.crypto.armor import MAX_WHITESPACE, ArmorReader, ArmorWriter, is_armored
from app.core.crypto.base import FILE_KEY_SIZE, Identity, Recipient
from app.core.crypto.errors import HeaderError, NoIdentityMatch
from app.core.crypto.header import Header, encode_header, parse_header
from app.core.crypto.output import atomic_output
from app.core.crypto.payload import (
    NONCE_SIZE,
    FileRange,
    open_payload,
    payload_key,
    seal_payload,
)
from app.core.crypto.scrypt import STANZA_TYPE as SCRYPT_TYPE
from app.core.crypto.scrypt import ScryptIdentity
from app.core.crypto.streams import Source, write_all
from app.core.errors import InvalidInput, StorageError
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress

_PEEK: Final = MAX_WHITESPACE + 8


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """What a header says without any key: how many stanzas, of which types.

    X25519 and post-quantum stanzas do not say whom they are for; only the
    count and types are visible.
    """

    stanza_types: tuple[str, ...]
    armored: bool
    header_size: int
    """Bytes of the (decoded) header, MAC line included."""

    @property
    def recipient_count(self) -> int:
        return len(self.stanza_types)

    @property
    def passphrase(self) -> bool:
        return SCRYPT_TYPE in self.stanza_types


IdentitySource = Sequence[Identity] | Callable[[HeaderInfo], Sequence[Identity]]
"""Identities, or a function choosing them once the header is known (for
example asking for a passphrase only when the file needs one)."""


def check_recipients(recipients: Sequence[Recipient]) -> None:
    """Refuse an empty or incompatible set of recipients before any work."""
    if not recipients:
        raise InvalidInput("encrypting needs at least one recipient")
    labels = {recipient.labels for recipient in recipients}
    if len(labels) > 1:
        if any(label.startswith("scrypt-") for group in labels for label in group):
            raise InvalidInput("a passphrase cannot be combined with other recipients")
        raise InvalidInput("post-quantum and classic recipients cannot share a file")


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def _flush(stream: object) -> None:
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()


def header_info(header: Header, armored: bool) -> HeaderInfo:
    return HeaderInfo(tuple(s.type for s in header.stanzas), armored, header.size)


def _regular_file(src: object) -> tuple[int, int, int] | None:
    """Descriptor, position and size when ``src`` is a regular file."""
    try:
        fd = src.fileno()  # type: ignore[attr-defined]
        info = os.fstat(fd)
        position = src.tell()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return fd, position, info.st_size


def _rest_of(origin: tuple[int, int, int] | None, consumed: int) -> FileRange | None:
    if origin is None:
        return None
    fd, position, size = origin
    start = position + consumed
    return FileRange(fd, start, max(0, size - start))


def _skip_to_end(src: object, file_range: FileRange | None) -> None:
    """Leave a file read by position where a sequential reader would be."""
    if file_range is not None:
        src.seek(file_range.offset + file_range.size)  # type: ignore[attr-defined]


def open_source(src: BinaryIO, armor: bool | None) -> tuple[Source, bool]:
    """A source over ``src``, decoding armor if asked to or, with None, if it looks armored."""
    source = Source(src)
    if armor is None:
        armor = is_armored(source.peek(_PEEK))
    if armor:
        return Source(ArmorReader(source)), True
    return source, False


def unwrap_file_key(header: Header, identities: Sequence[Identity]) -> bytes:
    """The file key, from the first identity that opens a stanza; MAC checked."""
    types = [stanza.type for stanza in header.stanzas]
    if SCRYPT_TYPE in types and len(types) != 1:
        raise HeaderError("a passphrase stanza must be the only one in the header")
    for identity in identities:
        file_key = identity.unwrap(header.stanzas)
        if file_key is not None:
            header.verify_mac(file_key)
            return file_key
    if SCRYPT_TYPE in types:
        raise NoIdentityMatch("the passphrase does not open this file")
    if identities and all(isinstance(i, ScryptIdentity) for i in identities):
        raise NoIdentityMatch("this file is not encrypted with a passphrase")
    raise NoIdentityMatch("none of the identities opens this file")


def choose_identities(source: IdentitySource, info: HeaderInfo) -> Sequence[Identity]:
    return source(info) if callable(source) else source


def encrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    workers: int | None = None,
    size_hint: int | None = None,
) -> int:
    """Encrypt all of ``src`` to ``recipients`` into ``dst``; the plaintext size.

    ``workers`` threads seal the payload (default: one per core);
    ``size_hint`` (the input size, when known) sizes the buffers and the
    progress total.
    """
    check_recipients(recipients)
    file_key = bytearray(os.urandom(FILE_KEY_SIZE))
    try:
        stanzas = [stanza for r in recipients for stanza in r.wrap(bytes(file_key))]
        header = encode_header(stanzas, bytes(file_key))
        nonce = os.urandom(NONCE_SIZE)
        key = payload_key(bytes(file_key), nonce)
    finally:
        _wipe(file_key)
    sink: BinaryIO | ArmorWriter = ArmorWriter(dst) if armor else dst
    write_all(sink, header + nonce)
    file_range = _rest_of(_regular_file(src), 0)
    size = seal_payload(
        Source(src),
        sink,
        key,
        workers=workers,
        progress=progress,
        cancel=cancel,
        total=size_hint,
        file_range=file_range,
    )
    _skip_to_end(src, file_range)
    if isinstance(sink, ArmorWriter):
        sink.close()
    _flush(dst)
    return size


def decrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    identities: IdentitySource,
    *,
    armor: bool | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    workers: int | None = None,
    size_hint: int | None = None,
) -> int:
    """Decrypt ``src`` into ``dst``; the plaintext size.

    Only authenticated plaintext is ever written to ``dst``: the payload is
    made of 64 KiB chunks, each with its own tag, and a chunk reaches ``dst``
    only after its tag has verified, in order (a few MiB of verified chunks
    per write). If the file turns out to be damaged, truncated or extended
    further on, this raises after having written the authentic chunks before
    the damage: the output is then incomplete and must be discarded
    (:func:`decrypt_file` does so). ``armor=None`` detects ASCII armor.
    """
    origin = _regular_file(src)
    source, armored = open_source(src, armor)
    header = parse_header(source)
    chosen = choose_identities(identities, header_info(header, armored))
    file_key = unwrap_file_key(header, chosen)
    nonce = source.read(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise HeaderError("the file ends before the payload starts")
    file_range = None if armored else _rest_of(origin, source.consumed)
    size = open_payload(
        source,
        dst,
        payload_key(file_key, nonce),
        workers=workers,
        progress=progress,
        cancel=cancel,
        total=None if size_hint is None or armored else size_hint - source.consumed,
        file_range=file_range,
    )
    _skip_to_end(src, file_range)
    _flush(dst)
    return size


def encrypt_bytes(
    plaintext: bytes, recipients: Sequence[Recipient], *, armor: bool = False
) -> bytes:
    """An age file holding ``plaintext``; for small data held in memory."""
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, recipients, armor=armor, size_hint=len(plaintext))
    return out.getvalue()


def decrypt_bytes(ciphertext: bytes, identities: IdentitySource) -> bytes:
    """The plaintext of an age file held in memory (binary or armored)."""
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(ciphertext), out, identities, size_hint=len(ciphertext))
    return out.getvalue()


def open_input(path: Path) -> tuple[BinaryIO, int | None]:
    """An unbuffered handle (reads go straight into the payload buffers) and the size."""
    try:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - the caller closes it
        stat = os.fstat(handle.fileno())
    except OSError as exc:
        raise StorageError(f"could not open {path}: {exc.strerror or type(exc).__name__}") from None
    size = stat.st_size if stat.st_size > 0 else None
    return handle, size


def encrypt_file(
    src: Path,
    dst: Path,
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    workers: int | None = None,
) -> int:
    """Encrypt the file ``src`` into ``dst``, which appears only when complete."""
    check_recipients(recipients)
    handle, size = open_input(Path(src))
    with handle, atomic_output(Path(dst)) as out:
        return encrypt_stream(
            handle,
            out,
            recipients,
            armor=armor,
            progress=progress,
            cancel=cancel,
            workers=workers,
            size_hint=size,
        )


def decrypt_file(
    src: Path,
    dst: Path,
    identities: IdentitySource,
    *,
    armor: bool | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    workers: int | None = None,
) -> int:
    """Decrypt ``src`` into ``dst``; ``dst`` appears only if every chunk verified.

    On any failure nothing is left at ``dst`` (when it is a regular file); a
    device or pipe given as ``dst`` has received the authenticated chunks
    before the failure, as with :func:`decrypt_stream`.
    """
    handle, size = open_input(Path(src))
    with handle, atomic_output(Path(dst)) as out:
        return decrypt_stream(
            handle,
            out,
            identities,
            armor=armor,
            progress=progress,
            cancel=cancel,
            workers=workers,
            size_hint=size,
        )


def read_header(src: BinaryIO | Path | bytes, *, armor: bool | None = None) -> HeaderInfo:
    """The stanza types and count of an age file, without any key.

    Checks the header's syntax but not its MAC (that needs the file key).
    """
    if isinstance(src, bytes):
        return read_header(io.BytesIO(src), armor=armor)
    if isinstance(src, Path):
        handle, _ = open_input(src)
        with handle:
            return read_header(handle, armor=armor)
    source, armored = open_source(src, armor)
    return header_info(parse_header(source), armored)
