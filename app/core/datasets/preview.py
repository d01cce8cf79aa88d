"""The first records of any source, at once, whatever its size.

A preview reads only as far as it needs: the importers stream, so taking the
first ``limit`` records reads about one block per source. Two things would
still make it slow, and the preview turns both off: hashing every file of a
folder of files (``sha256`` is null in a preview) and walking every input
first to measure the total for progress. A source full of bad records does
not make it scan to the end either: it stops after ``max_rejected``
rejections and shows those.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.core.datasets.importers.options import Format, ImportOptions
from app.core.datasets.importers.run import PathArg, SourceInfo, open_source
from app.core.datasets.records import BadRecordPolicy, ImportedRecord, RecordRejected
from app.core.progress import NEVER_CANCELLED, CancelToken

PREVIEW_BLOCK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Preview:
    """The first records, the rejections met on the way, and what was detected.

    ``columns`` is the union of the records' keys in the order first seen.
    ``more`` is True when the sources hold records beyond those shown (or
    the preview stopped at ``max_rejected`` rejections).
    """

    records: tuple[ImportedRecord, ...]
    rejected: tuple[RecordRejected, ...]
    columns: tuple[str, ...]
    sources: tuple[SourceInfo, ...]
    more: bool


class _Enough(Exception):
    pass


class _PreviewPolicy(BadRecordPolicy):
    """Skip bad records, but stop the preview once it has shown enough of them."""

    __slots__ = ("_limit",)

    def __init__(self, limit: int) -> None:
        super().__init__(skip_bad_records=True, max_details=limit)
        self._limit = limit

    def reject(self, rejected: RecordRejected) -> None:
        super().reject(rejected)
        if self.rejected >= self._limit:
            raise _Enough


def preview(
    paths: PathArg | Sequence[PathArg],
    limit: int = 100,
    format: Format | None = None,
    options: ImportOptions | None = None,
    *,
    max_rejected: int = 100,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Preview:
    """Up to ``limit`` records from the start of ``paths``.

    Bad records are skipped and listed, as a preview should show problems
    rather than stop at them; a source that cannot be read at all (an
    encoding to choose, an unsafe archive) raises as it would on import.
    """
    options = options or ImportOptions()
    options = replace(options, hash_files=False, block_size=min(options.block_size, PREVIEW_BLOCK))
    policy = _PreviewPolicy(max(1, max_rejected))
    stream = open_source(paths, format, options, policy=policy, cancel=cancel, measure_total=False)
    records: list[ImportedRecord] = []
    stopped = False
    try:
        records.extend(itertools.islice(stream, limit + 1))
    except _Enough:
        stopped = True
    finally:
        stream.close()
    more = stopped or len(records) > limit
    del records[limit:]
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record.data))
    return Preview(
        tuple(records),
        policy.report().details,
        tuple(columns),
        tuple(stream.sources),
        more,
    )
