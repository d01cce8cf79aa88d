"""Zip archives opened as if they were hostile.

Before any entry is read, the whole central directory is checked: the entry
count (from the end record, before Python builds an object per entry), each
name (no absolute path, no ``..``, no NUL), each kind (no symbolic link, no
device), no encrypted entry, no name twice, the declared total size, the
compression ratio of each large entry, and that no two entries share
compressed bytes (the overlapping-entry bomb). While reading, the bytes
that come out are counted against the same total, and a corrupt entry is an
error that names it. Nothing is extracted to disk: entries stream from the
archive into the importers.

Archives inside the archive are not opened: a nested bomb needs a reader
that recurses, and this one does not.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, cast

from app.core.datasets.importers.options import ZipLimits
from app.core.datasets.importers.source import Source, read_error
from app.core.datasets.records import InvalidSource, UnsafeArchive

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_LOCAL_HEADER = 30
_DRIVE = re.compile(r"^[A-Za-z]:")


class _Budget:
    """Uncompressed bytes still allowed across all entries of one archive."""

    __slots__ = ("left",)

    def __init__(self, total: int) -> None:
        self.left = total


class SafeZip:
    """An opened, checked archive whose entries are :class:`Source` objects.

    Use as a context manager; entries can be read only while it is open.
    """

    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.name = str(path)
        self.limits = limits or ZipLimits()
        try:
            handle = open(path, "rb")  # noqa: SIM115 - owned by the ZipFile below
        except OSError as exc:
            raise read_error(self.name, exc) from None
        try:
            _check_entry_count(handle, self.name, self.limits.max_entries)
            handle.seek(0)
            self._zip = zipfile.ZipFile(handle)
            self._handle = handle
        except zipfile.BadZipFile as exc:
            handle.close()
            raise InvalidSource(self.name, f"is not a valid Zip archive ({exc})") from None
        except (OSError, EOFError, ValueError, NotImplementedError) as exc:
            handle.close()
            if isinstance(exc, OSError):
                raise read_error(self.name, exc) from None
            raise InvalidSource(self.name, "is not a valid Zip archive") from None
        except BaseException:
            handle.close()
            raise
        try:
            self._infos = _checked(self._zip, self.name, self.limits)
        except BaseException:
            self.close()
            raise
        self._budget = _Budget(self.limits.max_total_bytes)

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    @property
    def total_size(self) -> int:
        """The declared uncompressed size of all file entries."""
        return sum(info.file_size for info in self._infos)

    def entries(self) -> list[Source]:
        """The file entries (folders left out), in archive order."""
        return [self._source(info) for info in self._infos]

    def _source(self, info: zipfile.ZipInfo) -> Source:
        entry = info.filename

        def opener() -> BinaryIO:
            return cast(BinaryIO, _EntryReader(self._zip, info, self.name, self._budget))

        return Source(f"{self.name}!/{entry}", entry, info.file_size, opener)


def _check_entry_count(handle: BinaryIO, name: str, limit: int) -> None:
    """Refuse an archive with too many entries before ``zipfile`` builds one object per entry."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_size = min(size, 22 + 65535)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return  # zipfile will say it is not an archive
    (count,) = struct.unpack_from("<H", tail, at + 10)
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == _EOCD64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", tail, at - 20 + 8)
        if offset + 56 <= size:
            handle.seek(offset)
            record = handle.read(56)
            if record[:4] == _EOCD64:
                (count,) = struct.unpack_from("<Q", record, 32)
    if count > limit:
        raise UnsafeArchive(name, f"has {count} entries, more than the limit of {limit}")


def _checked(archive: zipfile.ZipFile, name: str, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise UnsafeArchive(
            name, f"has {len(infos)} entries, more than the limit of {limits.max_entries}"
        )
    seen: set[str] = set()
    files: list[zipfile.ZipInfo] = []
    total = 0
    for info in infos:
        entry = info.filename
        _check_name(name, entry)
        key = entry.replace("\\", "/").rstrip("/").casefold()
        if key in seen:
            raise UnsafeArchive(name, "appears twice in the archive", entry=entry)
        seen.add(key)
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode) if info.create_system == 3 else 0
        if kind == stat.S_IFLNK:
            raise UnsafeArchive(name, "is a symbolic link", entry=entry)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(name, "is not a regular file", entry=entry)
        if info.flag_bits & 0x1:
            raise InvalidSource(
                name,
                f"entry {entry!r} is encrypted",
                hint="Tessera does not open encrypted archives; extract it first",
            )
        if info.is_dir() or kind == stat.S_IFDIR:
            continue
        if info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
            zipfile.ZIP_BZIP2,
            zipfile.ZIP_LZMA,
        ):
            raise InvalidSource(name, f"entry {entry!r} uses a compression Tessera cannot read")
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            1, info.compress_size
        ):
            ratio = info.file_size // max(1, info.compress_size)
            raise UnsafeArchive(
                name,
                f"expands {ratio} times, more than the limit of {limits.max_ratio:g}",
                entry=entry,
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise UnsafeArchive(
                name,
                f"holds more than the limit of {limits.max_total_bytes} bytes uncompressed",
            )
        files.append(info)
    _check_overlap(archive, name, infos)
    return files


def _check_name(name: str, entry: str) -> None:
    path = entry.replace("\\", "/")
    if "\x00" in path:
        raise UnsafeArchive(name, "has a NUL character in its name", entry=entry)
    if path.startswith("/") or _DRIVE.match(path):
        raise UnsafeArchive(name, "has an absolute path", entry=entry)
    if ".." in path.split("/"):
        raise UnsafeArchive(name, "points outside the archive's folder", entry=entry)


def _check_overlap(archive: zipfile.ZipFile, name: str, infos: list[zipfile.ZipInfo]) -> None:
    """No two entries' compressed data may share bytes, and none may run into the directory."""
    end_of_data: int = archive.start_dir
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for current, following in zip(ordered, [*ordered[1:], None], strict=True):
        limit = end_of_data if following is None else following.header_offset
        if current.header_offset + _LOCAL_HEADER + current.compress_size > limit:
            raise UnsafeArchive(name, "overlaps another entry", entry=current.filename)


class _EntryReader(io.RawIOBase):
    """One entry's bytes, counted against the archive's budget; corruption named."""

    def __init__(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: _Budget
    ) -> None:
        super().__init__()
        self._info = info
        self._name = name
        self._budget = budget
        self._high = 0
        try:
            self._inner = archive.open(info)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
            raise self._corrupt(exc) from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._inner.read(size)
            position = self._inner.tell()
        except (zipfile.BadZipFile, EOFError, zlib.error, ValueError) as exc:
            raise self._corrupt(exc) from None
        if position > self._high:
            self._budget.left -= position - self._high
            self._high = position
            if self._budget.left < 0 or position > self._info.file_size:
                raise UnsafeArchive(
                    self._name,
                    "expands beyond its declared size",
                    entry=self._info.filename,
                )
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        try:
            return self._inner.seek(offset, whence)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise self._corrupt(exc) from None

    def tell(self) -> int:
        return self._inner.tell()

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()

    def _corrupt(self, exc: BaseException) -> InvalidSource:
        reason = str(exc).split("\n")[0].split(" for file ")[0][:120]
        if not reason or self._info.filename in reason:
            reason = type(exc).__name__
        return InvalidSource(self._name, f"entry {self._info.filename!r} is corrupt ({reason})")
