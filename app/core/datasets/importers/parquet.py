"""Parquet through pyarrow, one record batch at a time.

pyarrow is imported on first use, so that the command line and the GUI
start without it. Memory is bounded by one row group (how the file was
written) plus one batch of Python rows.

Parquet types wider than JSON become the JSON value that keeps their
meaning: timestamps and dates as ISO 8601 text, decimals as exact decimal
text, binary as base64 text, maps as objects. NaN becomes null (that is how
dataframe tools write a missing number); an infinite number rejects its row.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
from collections.abc import Iterator
from typing import Any

from app.core.datasets.importers.options import ImportOptions
from app.core.datasets.importers.source import Meter, Source, read_error
from app.core.datasets.records import (
    ImportedRecord,
    ImportItem,
    InvalidSource,
    JsonObject,
    JsonValue,
    RecordRejected,
    SourceLocation,
)


class _Unsupported(Exception):
    pass


def read_parquet(source: Source, options: ImportOptions, meter: Meter) -> Iterator[ImportItem]:
    """The rows of a Parquet source as records (locations carry no line: ``line`` is None)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = source.name
    stream = None if source.is_file else source.open()
    try:
        try:
            parquet = pq.ParquetFile(name if stream is None else stream)
        except OSError as exc:
            if isinstance(exc, pa.ArrowException):
                raise _invalid(name, exc) from None
            raise read_error(name, exc) from None
        except (pa.ArrowException, ValueError) as exc:
            raise _invalid(name, exc) from None
        total_rows = max(1, parquet.metadata.num_rows)
        size = source.size or 0
        index = 0
        counted = 0
        batches = parquet.iter_batches(batch_size=options.parquet_batch_rows)
        while True:
            try:
                batch = next(batches, None)
                if batch is None:
                    break
                rows = batch.to_pylist(maps_as_pydicts="lossy")
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise InvalidSource(
                    name, f"cannot be read as Parquet: {_first_line(exc)}"
                ) from None
            reached = size * (index + len(rows)) // total_rows
            meter.add(reached - counted)
            counted = reached
            for row in rows:
                location = SourceLocation(name, None, index)
                index += 1
                try:
                    data: JsonObject = {str(k): _json(v) for k, v in row.items()}
                except _Unsupported as exc:
                    yield RecordRejected(location, str(exc))
                    continue
                yield ImportedRecord(data, location)
    finally:
        if stream is not None:
            stream.close()


def _invalid(name: str, exc: BaseException) -> InvalidSource:
    return InvalidSource(name, f"is not a valid Parquet file: {_first_line(exc)}", skippable=True)


def _first_line(exc: BaseException) -> str:
    """pyarrow's message without paths or data: its first line, shortened."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _json(value: Any) -> JsonValue:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise _Unsupported("a number is infinite, which JSON cannot hold")
        return value
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise _Unsupported(f"a value of type {type(value).__name__} has no JSON form")
