"""Adding and removing recipients without touching the payload.

The header only wraps the file key, so whoever can open a file can give it a
new header (new stanzas, new MAC) in front of the unchanged payload: no
re-encryption. :func:`rewrap_header` returns just the new header and where
the payload starts, in time independent of the file size, for callers that
keep the payload where it is; :func:`rewrap_file` writes a new file, copying
a binary payload inside the kernel (``copy_file_range``, which filesystems
with reflinks do without copying data).

Whom a stanza is for cannot be read from it: X25519 and post-quantum stanzas
are anonymous by design. A stanza can be attributed only by opening it, so
``remove`` works for recipients whose identity is among ``identities``; to
drop a recipient whose identity you do not hold, give the complete new set
with ``recipients=`` instead. Stanzas that cannot be attributed are kept.
The payload is not authenticated by a rewrap (that would take time
proportional to its size); decrypting the result does that.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from app.core.crypto.age import (
    HeaderInfo,
    IdentitySource,
    check_recipients,
    choose_identities,
    header_info,
    open_input,
    open_source,
    unwrap_file_key,
)
from app.core.crypto.armor import ArmorWriter
from app.core.crypto.base import Identity, Recipient
from app.core.crypto.header import Header, Stanza, encode_header, parse_header
from app.core.crypto.hybrid import LABEL as POSTQUANTUM
from app.core.crypto.hybrid import STANZA_TYPE as HYBRID_TYPE
from app.core.crypto.output import atomic_output
from app.core.crypto.scrypt import STANZA_TYPE as SCRYPT_TYPE
from app.core.crypto.streams import Source, write_all
from app.core.crypto.x25519 import STANZA_TYPE as X25519_TYPE
from app.core.errors import InvalidInput
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)

_COPY_STEP: Final = 64 << 20
_BUFFER: Final = 4 << 20


def _short(recipient: Recipient) -> str:
    text = recipient.to_string()
    return f"{text[:16]}...{text[-6:]}"


def _stanza_labels(stanza: Stanza) -> frozenset[str] | None:
    """The labels of a native stanza's recipient; None for types this does not know."""
    if stanza.type == SCRYPT_TYPE:
        return frozenset({"scrypt-existing"})
    if stanza.type == HYBRID_TYPE:
        return frozenset({POSTQUANTUM})
    if stanza.type == X25519_TYPE:
        return frozenset()
    return None


def _owner(stanza: Stanza, file_key: bytes, identities: Sequence[Identity]) -> Recipient | None:
    for identity in identities:
        if identity.recipient is not None and identity.unwrap_stanza(stanza) == file_key:
            return identity.recipient
    return None


def new_stanzas(
    header: Header,
    file_key: bytes,
    identities: Sequence[Identity],
    *,
    add: Sequence[Recipient] = (),
    remove: Sequence[Recipient] = (),
    recipients: Sequence[Recipient] | None = None,
) -> list[Stanza]:
    """The stanzas of the rewrapped header (see the module notes)."""
    if recipients is not None:
        if add or remove:
            raise InvalidInput("give either the full set of recipients or changes, not both")
        check_recipients(recipients)
        return [stanza for r in recipients for stanza in r.wrap(file_key)]
    unwanted = set(remove)
    if unwanted & set(add):
        raise InvalidInput("a recipient cannot be both added and removed")
    kept: list[Stanza] = []
    present: set[Recipient] = set()
    removed: set[Recipient] = set()
    for stanza in header.stanzas:
        owner = _owner(stanza, file_key, identities)
        if owner is not None and owner in unwanted:
            removed.add(owner)
            continue
        if owner is not None:
            present.add(owner)
        kept.append(stanza)
    for recipient in remove:
        if recipient not in removed:
            raise InvalidInput(
                f"cannot find the stanza of {_short(recipient)}: a stanza can only be recognised "
                "with its identity; rewrap to the full list of recipients instead"
            )
    added = [r for r in dict.fromkeys(add) if r not in present]
    known = (_stanza_labels(stanza) for stanza in kept)
    labels = {label for label in known if label is not None} | {r.labels for r in added}
    if len(labels) > 1:
        if any(label.startswith("scrypt-") for group in labels for label in group):
            raise InvalidInput("a passphrase-encrypted file cannot have other recipients")
        raise InvalidInput("post-quantum and classic recipients cannot share a file")
    stanzas = kept + [stanza for r in added for stanza in r.wrap(file_key)]
    if not stanzas:
        raise InvalidInput("a file needs at least one recipient; nothing would remain")
    return stanzas


def _copy_range(src_fd: int, dst_fd: int, offset: int, cancel: CancelToken) -> int | None:
    """Copy from ``offset`` to the end inside the kernel; None when unsupported."""
    copied = 0
    while True:
        cancel.raise_if_cancelled()
        try:
            count = os.copy_file_range(src_fd, dst_fd, _COPY_STEP, offset + copied)
        except OSError as exc:
            if copied == 0 and exc.errno in (
                errno.EXDEV,
                errno.ENOSYS,
                errno.EINVAL,
                errno.EOPNOTSUPP,
            ):
                return None
            raise
        if count == 0:
            return copied
        copied += count


def _copy_stream(
    source: Source,
    sink: BinaryIO | ArmorWriter,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> int:
    buffer = memoryview(bytearray(_BUFFER))
    copied = 0
    while True:
        cancel.raise_if_cancelled()
        count = source.readinto(buffer)
        write_all(sink, buffer[:count])
        copied += count
        progress(ProgressEvent("rewrap", copied))
        if count < len(buffer):
            return copied


@dataclass(frozen=True, slots=True)
class NewHeader:
    """A rewrapped header, to be followed by the original file from ``payload_offset``."""

    header: bytes
    payload_offset: int
    info: HeaderInfo


def rewrap_header(
    src: BinaryIO | Path,
    identities: IdentitySource,
    *,
    add: Sequence[Recipient] = (),
    remove: Sequence[Recipient] = (),
    recipients: Sequence[Recipient] | None = None,
) -> NewHeader:
    """Only the new header of a binary age file, in time independent of its size.

    The rewrapped file is ``header`` followed by the bytes of ``src`` from
    ``payload_offset`` on, so a caller can send or store the two pieces
    without copying the payload at all.
    """
    if isinstance(src, Path):
        handle, _ = open_input(src)
        with handle:
            return rewrap_header(handle, identities, add=add, remove=remove, recipients=recipients)
    source, armored = open_source(src, None)
    if armored:
        raise InvalidInput("an armored file cannot keep its payload in place; use rewrap_file")
    header = parse_header(source)
    chosen = choose_identities(identities, header_info(header, armored))
    file_key = unwrap_file_key(header, chosen)
    stanzas = new_stanzas(header, file_key, chosen, add=add, remove=remove, recipients=recipients)
    encoded = encode_header(stanzas, file_key)
    info = HeaderInfo(tuple(stanza.type for stanza in stanzas), False, len(encoded))
    return NewHeader(encoded, header.size, info)


def rewrap_stream(
    src: BinaryIO,
    dst: BinaryIO,
    identities: IdentitySource,
    *,
    add: Sequence[Recipient] = (),
    remove: Sequence[Recipient] = (),
    recipients: Sequence[Recipient] | None = None,
    armor: bool | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> HeaderInfo:
    """Copy ``src`` to ``dst`` with a new header; the payload bytes are unchanged.

    The output is armored when the input is, unless ``armor`` says otherwise.
    """
    source, armored = open_source(src, None)
    header = parse_header(source)
    chosen = choose_identities(identities, header_info(header, armored))
    file_key = unwrap_file_key(header, chosen)
    stanzas = new_stanzas(header, file_key, chosen, add=add, remove=remove, recipients=recipients)
    encoded = encode_header(stanzas, file_key)
    out_armor = armored if armor is None else armor
    sink: BinaryIO | ArmorWriter = ArmorWriter(dst) if out_armor else dst
    write_all(sink, encoded)
    copied = None
    if not armored and not out_armor:
        copied = _fast_copy(src, dst, source, cancel)
    if copied is None:
        _copy_stream(source, sink, progress, cancel)
    else:
        progress(ProgressEvent("rewrap", copied, copied))
    if isinstance(sink, ArmorWriter):
        sink.close()
    flush = getattr(dst, "flush", None)
    if flush is not None:
        flush()
    return HeaderInfo(tuple(stanza.type for stanza in stanzas), out_armor, len(encoded))


def _fast_copy(src: BinaryIO, dst: BinaryIO, source: Source, cancel: CancelToken) -> int | None:
    """The payload copied by the kernel, when both ends are plain files."""
    try:
        src_fd, dst_fd = src.fileno(), dst.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    if not src.seekable():
        return None
    return _copy_range(src_fd, dst_fd, source.consumed, cancel)


def rewrap_file(
    src: Path,
    dst: Path,
    identities: IdentitySource,
    *,
    add: Sequence[Recipient] = (),
    remove: Sequence[Recipient] = (),
    recipients: Sequence[Recipient] | None = None,
    armor: bool | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> HeaderInfo:
    """Write ``dst``: ``src`` with a new header; ``dst`` appears only when complete."""
    handle, _ = open_input(Path(src))
    with handle, atomic_output(Path(dst)) as out:
        return rewrap_stream(
            handle,
            out,
            identities,
            add=add,
            remove=remove,
            recipients=recipients,
            armor=armor,
            progress=progress,
            cancel=cancel,
        )
