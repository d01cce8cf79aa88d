"""The records behind a group of near duplicates, read again from the inputs.

The scan reports groups by record position and keeps no record content, so
showing two records side by side means reading the inputs once more up to
the last position wanted. Positions count the records the importers yield,
in import order, as the pipeline counts them (a rejected record takes no
position); records are normalised as the prepared dataset will hold them.
Plain Python without Qt: the wizard runs it in the background with a
cancel token.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from app.core.datasets.importers.options import Format, ImportOptions
from app.core.datasets.importers.run import open_source
from app.core.datasets.normalize import DEFAULT_OPTIONS
from app.core.datasets.records import (
    BadRecordPolicy,
    JsonObject,
    SourceLocation,
)
from app.core.datasets.stages import normalize
from app.core.progress import NEVER_CANCELLED, CancelToken

Located = tuple[JsonObject, SourceLocation]


def records_at(
    paths: Sequence[Path],
    wanted: Collection[int],
    format: Format | None = None,
    options: ImportOptions | None = None,
    *,
    cancel: CancelToken = NEVER_CANCELLED,
) -> dict[int, Located]:
    """The normalised records at positions ``wanted``, with where each was read."""
    if not wanted:
        return {}
    last = max(wanted)
    found: dict[int, Located] = {}
    policy = BadRecordPolicy(skip_bad_records=True, max_details=0)
    stream = open_source(
        list(paths), format, options, policy=policy, cancel=cancel, measure_total=False
    )
    try:
        for position, item in enumerate(stream):
            if position in wanted:
                found[position] = (normalize(item.data, DEFAULT_OPTIONS), item.location)
            if position >= last:
                break
            if position % 4096 == 0:
                cancel.raise_if_cancelled()
    finally:
        stream.close()
    return found
