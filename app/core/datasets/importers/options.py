"""What the caller can choose about an import, in one frozen, picklable value.

Every option has a safe default; the caller sets only what the user chose
(an encoding, a delimiter, one record per paragraph). The value is plain data
so that the pipeline can hand it to worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from app.core.datasets.records import DEFAULT_MAX_RECORD_BYTES, MiB
from app.core.errors import InvalidInput

Format = Literal["csv", "tsv", "jsonl", "json", "parquet", "text", "markdown", "files", "zip"]
"""The source formats Tessera reads. ``json`` is a top-level array (or one object)."""

FORMATS: tuple[Format, ...] = get_args(Format)

TextUnit = Literal["file", "paragraph"]


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """How much a Zip archive may hold before it is refused as a possible bomb.

    The ratio applies to entries larger than ``ratio_floor`` bytes: a small
    file of zeros compresses a thousandfold and is harmless.
    """

    max_entries: int = 100_000
    max_total_bytes: int = 16 * 1024 * MiB
    max_ratio: float = 200.0
    ratio_floor: int = 1 * MiB


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """The choices of one import.

    ``encoding`` ``None`` means detect: UTF-8 (with or without a byte order
    mark), UTF-16 and UTF-32 with a byte order mark; anything else asks the
    user to choose. ``delimiter`` and ``quotechar`` ``None`` mean sniff.
    ``max_record_bytes`` caps one line or one record; longer ones are
    rejected, never cut. ``hash_files`` off leaves ``sha256`` null in file
    records (a preview must not read whole videos).
    """

    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None
    header: bool = True
    text_unit: TextUnit = "file"
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    block_size: int = 1 * MiB
    sample_bytes: int = 64 * 1024
    hash_files: bool = True
    include_hidden: bool = False
    zip_limits: ZipLimits = field(default_factory=ZipLimits)
    parquet_batch_rows: int = 1024

    def __post_init__(self) -> None:
        if self.max_record_bytes < 1:
            raise InvalidInput("max_record_bytes must be positive")
        if self.block_size < 1 or self.sample_bytes < 1 or self.parquet_batch_rows < 1:
            raise InvalidInput("block_size, sample_bytes and parquet_batch_rows must be positive")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise InvalidInput("a delimiter is one character")
        if self.quotechar is not None and len(self.quotechar) != 1:
            raise InvalidInput("a quote character is one character")
