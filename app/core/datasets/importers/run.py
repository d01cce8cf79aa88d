"""One entry point over every format: paths in, records out, bad input handled by policy.

:func:`open_source` expands the paths the user gave (files, folders, Zip
archives) into sources, picks each one's reader, and applies the
:class:`~app.core.datasets.records.BadRecordPolicy` to what the readers
reject. It returns an :class:`ImportStream`: an iterator of records that also
tells what it detected and what it rejected, and closes its files when
closed or garbage collected.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from app.core.datasets.importers.delimited import read_delimited
from app.core.datasets.importers.detect import (
    detect_format,
    folder_format,
    format_from_name,
    is_hidden,
    walk_files,
)
from app.core.datasets.importers.files import read_file
from app.core.datasets.importers.jsonarray import read_json
from app.core.datasets.importers.jsonl import read_jsonl
from app.core.datasets.importers.options import FORMATS, Format, ImportOptions
from app.core.datasets.importers.parquet import read_parquet
from app.core.datasets.importers.safezip import SafeZip
from app.core.datasets.importers.source import Meter, Source
from app.core.datasets.importers.text import read_text
from app.core.datasets.importers.textio import codec_name
from app.core.datasets.records import (
    BadRecordPolicy,
    ImportedRecord,
    ImportItem,
    InvalidSource,
    RejectionReport,
)
from app.core.errors import InvalidInput
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress

PathArg = str | os.PathLike[str]
_KEEP_SOURCES = 1000


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What was detected about one source: shown in the preview, recorded in the card."""

    name: str
    format: Format
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None


class ImportStream(Iterator[ImportedRecord]):
    """The records of an import, in order, with what was detected and rejected on the way.

    Iterating reads; nothing is read before the first ``next``. ``sources``
    holds the first thousand sources read, ``source_count`` counts them all.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        format: Format | None,
        options: ImportOptions,
        policy: BadRecordPolicy,
        meter: Meter,
        *,
        measure_total: bool,
    ) -> None:
        self.policy = policy
        self.sources: list[SourceInfo] = []
        self.source_count = 0
        self._paths = paths
        self._format = format
        self._options = options
        self._meter = meter
        self._measure_total = measure_total
        self._records = self._run()

    @property
    def rejections(self) -> RejectionReport:
        return self.policy.report()

    def __iter__(self) -> ImportStream:
        return self

    def __next__(self) -> ImportedRecord:
        return next(self._records)

    def close(self) -> None:
        """Stop reading and close every open file; safe to call twice."""
        self._records.close()

    def __enter__(self) -> ImportStream:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> Generator[ImportedRecord, None, None]:
        if self._measure_total:
            self._meter.total = self._measure()
        reject = self.policy.reject
        for path in self._paths:
            plan = self._plan(path)
            try:
                for source, fmt in plan:
                    self._meter.check()
                    items = self._read(source, fmt)
                    try:
                        for item in items:
                            if type(item) is ImportedRecord:
                                yield item
                            else:
                                reject(item)  # type: ignore[arg-type]
                    except InvalidSource as exc:
                        self.policy.reject_source(exc)
                    finally:
                        _close(items)
            except InvalidSource as exc:
                self.policy.reject_source(exc)
            finally:
                plan.close()
        self._meter.finish()

    def _measure(self) -> int:
        """The bytes the import will read, for progress; problems are left to the reading pass."""
        total = 0
        for path in self._paths:
            try:
                for source, _fmt in self._plan(path, measure=True):
                    total += source.size or 0
            except InvalidSource:
                continue
        return total

    def _plan(
        self, path: Path, *, measure: bool = False
    ) -> Generator[tuple[Source, Format], None, None]:
        if not os.path.lexists(path):
            raise InvalidSource(str(path), "does not exist")
        if path.is_dir():
            yield from self._folder(path, measure=measure)
            return
        fmt = self._format or detect_format(path)
        if fmt == "zip" or (self._format is not None and format_from_name(path.name) == "zip"):
            yield from self._archive(path, None if fmt == "zip" else fmt, measure=measure)
        else:
            yield Source.from_path(path), fmt

    def _folder(self, folder: Path, *, measure: bool) -> Iterator[tuple[Source, Format]]:
        hidden = self._options.include_hidden
        chosen = self._format
        overall: Format = "files"
        if chosen is None:
            overall = folder_format(name for name, _ in walk_files(folder, include_hidden=hidden))
        empty = True
        for relative, path in walk_files(folder, include_hidden=hidden):
            empty = False
            if chosen == "zip":
                yield from self._archive(path, None, measure=measure)
                continue
            if chosen is not None:
                own: Format | None = chosen
            elif overall == "files":
                own = "files"
            else:
                own = format_from_name(relative)
            yield Source.from_path(path, relative), own or "files"
        if empty:
            raise InvalidSource(str(folder), "the folder holds no files", skippable=True)

    def _archive(
        self, path: Path, fmt: Format | None, *, measure: bool
    ) -> Iterator[tuple[Source, Format]]:
        with SafeZip(path, self._options.zip_limits) as archive:
            entries = archive.entries()
            if not self._options.include_hidden:
                entries = [entry for entry in entries if not is_hidden(entry.relative)]
            if measure:
                size = sum(entry.size or 0 for entry in entries)
                yield Source(str(path), path.name, size, _unused), "zip"
                return
            if not entries:
                raise InvalidSource(str(path), "the archive holds no files", skippable=True)
            overall = fmt or folder_format(entry.relative for entry in entries)
            for entry in entries:
                own = overall if overall == "files" or fmt else format_from_name(entry.relative)
                yield entry, own or "files"

    def _read(self, source: Source, fmt: Format) -> Iterator[ImportItem]:
        options, meter = self._options, self._meter

        def describe(encoding: str | None, delimiter: str | None, quote: str | None) -> None:
            self._note(SourceInfo(source.name, fmt, encoding, delimiter, quote))

        if fmt in ("csv", "tsv"):
            return read_delimited(source, options, meter, tab=fmt == "tsv", describe=describe)
        if fmt in ("text", "markdown"):
            return read_text(
                source,
                options,
                meter,
                markdown=fmt == "markdown",
                describe=lambda encoding: describe(encoding, None, None),
            )
        self._note(SourceInfo(source.name, fmt, _encoding_of(fmt, options)))
        if fmt == "jsonl":
            return read_jsonl(source, options, meter)
        if fmt == "json":
            return read_json(source, options, meter)
        if fmt == "parquet":
            return read_parquet(source, options, meter)
        return read_file(source, options, meter)

    def _note(self, info: SourceInfo) -> None:
        self.source_count += 1
        if len(self.sources) < _KEEP_SOURCES:
            self.sources.append(info)


def open_source(
    paths: PathArg | Sequence[PathArg],
    format: Format | None = None,
    options: ImportOptions | None = None,
    *,
    policy: BadRecordPolicy | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    measure_total: bool = True,
) -> ImportStream:
    """Records from files, folders and Zip archives, lazily, in order.

    ``format`` ``None`` detects each path's format (:func:`detect_format`);
    a format given applies to every file, also inside folders and archives.
    ``policy`` defaults to failing at the first bad record with
    :class:`~app.core.datasets.records.InvalidRecord`. Whole-source problems
    raise :class:`~app.core.datasets.records.InvalidSource` (or become a
    rejection when skipping and the problem allows it). ``measure_total``
    walks the inputs once first so that progress has a total; a preview turns
    it off to answer at once.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if format is not None and format not in FORMATS:
        raise InvalidInput(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    options = options or ImportOptions()
    if options.encoding is not None:
        codec_name(options.encoding)
    meter = Meter(progress, cancel)
    return ImportStream(
        [Path(p) for p in paths],
        format,
        options,
        policy or BadRecordPolicy.fail_fast(),
        meter,
        measure_total=measure_total,
    )


def _encoding_of(fmt: Format, options: ImportOptions) -> str | None:
    if fmt in ("parquet", "files"):
        return None
    return options.encoding or "utf-8"


def _close(items: Iterator[ImportItem]) -> None:
    """Close a reader at once, so that its file closes now, not when collected."""
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _unused() -> BinaryIO:
    raise AssertionError("a source made only to measure sizes is never opened")
