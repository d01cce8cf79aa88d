"""Arbitrary files as records that point at their content by SHA-256.

Images, audio, PDFs: Tessera does not parse them, it records what they are
(name inside the chosen folder or archive, size, a media type guess) and a
SHA-256 of the bytes, so the prepared dataset commits to the exact content
and the package can carry the files beside the records.

The media type comes from the name first, from a small table of magic numbers
when the name says nothing. The name table is Python's built-in one, not the
system's ``mime.types``, so every machine guesses the same.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterator
from pathlib import PurePosixPath

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, Source, read_blocks, read_exactly
from app.core.datasets.records import ImportedRecord, ImportItem, JsonObject, SourceLocation

_TYPES = mimetypes.MimeTypes()
_EXTRA = {
    # Registered types that Python's table lacks in some versions.
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".avif": "image/avif",
    ".flac": "audio/flac",
    ".opus": "audio/opus",
    ".m4a": "audio/mp4",
    ".webm": "video/webm",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"PAR1", "application/vnd.apache.parquet"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)
_SNIFF = 512


def read_file(source: Source, options: ImportOptions, meter: Meter) -> Iterator[ImportItem]:
    """One record for the source: name, size, media type and (unless turned off) SHA-256."""
    digest = hashlib.sha256() if options.hash_files else None
    with source.open() as stream:
        head = read_exactly(stream, source.name, _SNIFF, meter)
        size = len(head)
        if digest is not None:
            digest.update(head)
            for block in read_blocks(stream, source.name, options.block_size, meter):
                digest.update(block)
                size += len(block)
        elif source.size is not None:
            size = source.size
    data: JsonObject = {
        "name": source.relative,
        "size": size,
        "media_type": media_type(source.relative, head),
        "sha256": None if digest is None else digest.hexdigest(),
    }
    yield ImportedRecord(data, SourceLocation(source.name, None, 0))


def media_type(name: str, head: bytes) -> str:
    """A guess at the media type from the name, else the first bytes."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _EXTRA:
        return _EXTRA[suffix]
    guessed, _encoding = _TYPES.guess_type(name, strict=False)
    if guessed:
        return guessed
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"
