"""Which format a path holds: by its name first, by its first bytes when the name says nothing.

A folder (or archive) whose files are all in one data format (all CSV; all
text or Markdown) is imported file by file in that format; as soon as one is
not (a photo among the notes, a table among the texts), the whole folder is a
folder of files, so that nothing in it is silently left out or misread.
Hidden files (``.DS_Store``, ``.git``, and the ``__MACOSX`` folder in
archives) are left out unless asked for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from app.core.datasets.importers.options import Format
from app.core.datasets.importers.source import read_error
from app.core.datasets.records import InvalidSource

EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".zip": "zip",
}
_SNIFF = 64 * 1024


def detect_format(path: str | os.PathLike[str]) -> Format:
    """The format of a file, folder or archive.

    Raises :class:`InvalidSource` when the path cannot be read.
    """
    target = Path(path)
    try:
        if target.is_dir():
            return folder_format(name for name, _ in walk_files(target))
        by_name = format_from_name(target.name)
        if by_name is not None and by_name != "json":
            return by_name
        with open(target, "rb") as handle:
            head = handle.read(_SNIFF)
    except OSError as exc:
        raise read_error(str(target), exc) from None
    return sniff_format(head, by_name)


def format_from_name(name: str) -> Format | None:
    return EXTENSIONS.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())


def folder_format(names: Iterable[str]) -> Format:
    """The format of a folder (or archive) holding files with these names; see the module doc."""
    found: set[Format] = set()
    for name in names:
        fmt = format_from_name(name)
        if fmt is None or fmt == "zip":
            return "files"
        found.add(fmt)
    if len(found) == 1:
        return found.pop()
    if found and found <= {"text", "markdown"}:
        return "markdown"
    return "files"


def sniff_format(head: bytes, by_name: Format | None = None) -> Format:
    """The format the first bytes of a file show."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "files"
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return "jsonl" if _looks_like_lines(text) else "json"
    return by_name or "text"


def _looks_like_lines(text: str) -> bool:
    """True when the first line is one whole object and the next line starts another."""
    first, newline, rest = text.partition("\n")
    if not newline:
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    return rest.lstrip(" \t\r\n").startswith("{")


def walk_files(folder: Path, *, include_hidden: bool = False) -> Iterator[tuple[str, Path]]:
    """``(relative posix name, path)`` of each file under ``folder``, sorted, lazily.

    Symbolic links to folders are not followed (they can loop); hidden files
    and folders are left out unless asked for. A folder that cannot be listed
    is yielded as if it were a file, so that reading it reports the error.
    """
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            yield _relative(folder, Path(current)), Path(current)
            continue
        subfolders: list[Path] = []
        for entry in entries:
            if not include_hidden and entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append(path)
            else:
                yield _relative(folder, path), path
        stack.extend(reversed(subfolders))


def is_hidden(relative: str) -> bool:
    """A hidden file or folder, or the resource forks macOS adds to the archives it makes."""
    parts = relative.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts if part)


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else path.name


def not_found(path: Path) -> InvalidSource:
    return InvalidSource(str(path), "does not exist")
