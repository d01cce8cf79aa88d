"""Importers: every source format Tessera reads, streamed as records.

Start at :func:`open_source`; :func:`iter_jsonl_batches` and
:func:`parse_jsonl_batch` split the JSON Lines path for worker processes.
"""

from __future__ import annotations

from app.core.datasets.importers.detect import detect_format
from app.core.datasets.importers.jsonl import RawBatch, iter_jsonl_batches, parse_jsonl_batch
from app.core.datasets.importers.options import FORMATS, Format, ImportOptions, TextUnit, ZipLimits
from app.core.datasets.importers.run import ImportStream, SourceInfo, open_source
from app.core.datasets.importers.safezip import SafeZip
from app.core.datasets.importers.source import Meter, Source

__all__ = [
    "FORMATS",
    "Format",
    "ImportOptions",
    "ImportStream",
    "Meter",
    "RawBatch",
    "SafeZip",
    "Source",
    "SourceInfo",
    "TextUnit",
    "ZipLimits",
    "detect_format",
    "iter_jsonl_batches",
    "open_source",
    "parse_jsonl_batch",
]
