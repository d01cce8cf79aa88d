"""What crosses the process boundary of the stages: the worker's config in, a batch's result out.

Both sides of a process pool import these, and both are pickled on every
start or batch, so they are plain data kept apart from the stage runner
(:mod:`app.core.datasets.stages`) and from the parent's pipeline. A
:class:`BatchResult` travels packed (see :meth:`BatchResult.pack`): what it
costs to pickle is paid per batch by the worker and again by the parent.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add
from typing import Literal

from app.core.datasets.dedupe import MinHashParams
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.normalize import DEFAULT_OPTIONS, NormalizeOptions
from app.core.datasets.pii import DEFAULT_TYPES, Finding, PiiType, RedactionPolicy
from app.core.datasets.records import ImportedRecord, JsonObject, RecordRejected, SourceLocation
from app.core.datasets.schema import SchemaBuilder

Mode = Literal["prepare", "scan"]
DedupeMode = Literal["off", "exact", "near"]
Context = tuple[str, str, str]
WorkItem = RawBatch | list[ImportedRecord]
"""What a worker is given: a JSONL span to parse, or records read by the parent."""


@dataclass(frozen=True)
class StageConfig:
    """Everything a worker needs, sent once to each worker process.

    ``pseudonym_key`` is the per-dataset HMAC secret of pseudonymised
    values; it reaches the workers through their start-up arguments and is
    never written anywhere but the vault.
    """

    mode: Mode = "prepare"
    normalize: NormalizeOptions = DEFAULT_OPTIONS
    pii_types: frozenset[PiiType] = DEFAULT_TYPES
    policy: RedactionPolicy = field(default_factory=RedactionPolicy)
    pseudonym_key: bytes = bytes(32)
    dedupe: DedupeMode = "exact"
    minhash: MinHashParams = field(default_factory=MinHashParams)
    near_threshold: float = 0.85
    keep_near: frozenset[int] = frozenset()
    """Records (by index in the import) the contributor kept although near duplicates."""
    max_findings: int = 1_000_000
    """Scan mode: findings kept per batch (the parent caps the total)."""
    context_width: int = 40

    @property
    def defers(self) -> bool:
        return self.mode == "prepare" and bool(self.policy.per_finding)


@dataclass(slots=True)
class BatchResult:
    """What one batch gives back to the parent; small next to the batch itself.

    ``lines`` holds, per kept record, its RFC 8785 bytes (``None`` when
    deferred, see :mod:`app.core.datasets.stages`) and ``local`` its index in the batch;
    ``leaves`` the 32-byte leaf hashes in the same order (zeros for deferred
    records). ``pii`` counts findings by type, then by action taken, in records
    that are not handed back (dropped by the redaction policy); ``record_pii``
    holds the same counts per kept record, by position in ``lines``, so the
    parent counts only what the package ends up holding and tells apart the
    findings in records it removes as duplicates. ``pii_kept`` is the sum of
    all ``record_pii`` values, tallied as records are kept, so that the parent
    merges one dictionary per batch and subtracts (from ``record_pii``) only
    the counts of the records it removes.

    Across the process boundary ``lines`` travels packed (:meth:`pack`): one
    ``text`` blob and its line ``ends`` instead of a bytes object per record,
    which both sides pay for per object; the parent writes the blob, or
    slices of it, to the package without joining lines again.
    """

    count: int = 0
    lines: list[bytes | None] = field(default_factory=list)
    local: list[int] = field(default_factory=list)
    leaves: bytearray = field(default_factory=bytearray)
    deferred: dict[int, tuple[JsonObject, list[Finding], SourceLocation]] = field(
        default_factory=dict
    )
    signatures: list[bytes] = field(default_factory=list)
    dropped: int = 0
    pii: dict[str, dict[str, int]] = field(default_factory=dict)
    record_pii: dict[int, dict[str, dict[str, int]]] = field(default_factory=dict)
    pii_kept: dict[str, dict[str, int]] = field(default_factory=dict)
    """The counts of ``record_pii`` added up: findings in the records handed back finished."""
    rejections: list[RecordRejected] = field(default_factory=list)
    schema: SchemaBuilder = field(default_factory=SchemaBuilder)
    """Sketch of the records :func:`schema_sampled` picks among those finished here."""
    schema_population: int = 0
    """Records finished here, sampled or not (the sketch's population)."""
    findings: list[tuple[int, Finding, Context]] = field(default_factory=list)
    exact_keys: bytearray = field(default_factory=bytearray)
    """Scan mode: 16 bytes a record (zeros for records that cannot be hashed)."""
    bytes_in: int = 0
    source_error: tuple[str, str, int | None, bool] | None = None
    """A source that failed while the worker read it: path, reason, line, skippable.

    Sent as plain values: the exception itself does not survive pickling."""
    text: bytes = b""
    """The kept records' lines back to back, each with its newline (deferred records: nothing)."""
    ends: Sequence[int] = field(default_factory=list)
    """Per position in ``local``: where its line ends in ``text`` (after the newline).

    Position ``i`` spans ``text[ends[i - 1]:ends[i]]`` (from 0 for the first);
    a deferred record spans nothing. Filled by :meth:`pack`, or by a stage
    that writes ``text`` directly instead of ``lines``."""

    kinds: bytes = b""
    """Findings of records the C lane finished whole (see :meth:`counts_at`): kind codes."""
    kind_ends: Sequence[int] = ()
    """Per position: where its kind codes end in ``kinds`` (empty: none kept that way)."""
    kind_names: tuple[tuple[str, str], ...] = ()
    """Per kind code: the type and action it is counted as."""

    def counts_at(self, position: int) -> dict[str, dict[str, int]] | None:
        """The findings counted in the kept record at ``position`` (None: none).

        From :attr:`record_pii`, or for a record the C lane finished in a
        whole batch from its kind codes, tallied only when asked (the parent
        asks for the few it removes as duplicates).
        """
        counts = self.record_pii.get(position)
        if counts is not None or not self.kinds:
            return counts
        ends = self.kind_ends
        found = self.kinds[ends[position - 1] if position else 0 : ends[position]]
        if not found:
            return None
        names = self.kind_names
        tally: dict[str, dict[str, int]] = {}
        for code in found:
            kind, action = names[code]
            actions = tally.setdefault(kind, {})
            actions[action] = actions.get(action, 0) + 1
        return tally

    def pack(self) -> None:
        """Move ``lines`` into ``text`` and ``ends``; nothing to do when already packed."""
        lines = self.lines
        if not lines:
            return
        if self.deferred:
            self.ends = array(
                "Q", accumulate(0 if line is None else len(line) + 1 for line in lines)
            )
            kept = [line for line in lines if line is not None]
            self.text = b"\n".join([*kept, b""]) if kept else b""
        else:
            # Nothing deferred, no None: every step in C.
            complete: list[bytes] = lines  # type: ignore[assignment]
            self.ends = array("Q", map(add, accumulate(map(len, complete)), count(1)))
            # The last newline as a last empty line: ``join(...) + b"\n"`` would copy the whole
            # text once more, which cost more than everything else here (~1 us a line of 1 KB).
            self.text = b"\n".join([*complete, b""])
        self.lines = []

    def line(self, position: int) -> bytes | None:
        """The line (without its newline) at ``position``, None when deferred, packed or not."""
        if self.lines:
            return self.lines[position]
        if position in self.deferred:
            return None
        start = self.ends[position - 1] if position else 0
        return self.text[start : self.ends[position] - 1]

    def __getstate__(self) -> dict[str, object]:
        self.pack()
        state = {name: getattr(self, name) for name in self.__slots__}
        for name in ("ends", "kind_ends"):  # a view of a C lane's buffer does not pickle
            view = state[name]
            if isinstance(view, memoryview):
                state[name] = array(view.format, view.tobytes())
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
