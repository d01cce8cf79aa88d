"""The prepare pipeline: inputs in, prepared records out in order, in bounded memory.

Work is split where it parallelises. Reading stays in this process and the
stages (:mod:`.stages`: normalise, scan for personal information, redact,
hash each record) run inline or in worker processes; both are
:mod:`.pipeline_batches`, which hands back the results in submission order.
This module keeps what must be sequential: exact and near duplicates (by
the final record's hash, so no two identical records reach the output), the
Merkle commitment, and the writes into the caller's sinks, which encrypt.
Memory is the in-flight batches plus the duplicate index, whatever the
input size.

The same loop runs the scan-only first pass of the review wizard
(:func:`scan`): no redaction and no output, findings with their record
indices instead. Record indices are positions in the import stream (records
that were read, rejections not counted), the same in both passes, so the
review's per-finding decisions find their records again; both passes share
their setup and the common part of their outcome (:class:`_Pass`) so that
stays true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.canonical import NotIJSON
from app.core.datasets.commitment import MerkleBuilder
from app.core.datasets.dedupe import NearDuplicateIndex, minhash, record_text
from app.core.datasets.duplicate_clusters import DuplicateCluster, DuplicateMember
from app.core.datasets.exact_dedupe import ExactDeduper
from app.core.datasets.importers import Format, ImportOptions, SourceInfo
from app.core.datasets.importers.jsonl import DEFAULT_BATCH_BYTES
from app.core.datasets.pii import Finding
from app.core.datasets.pipeline_batches import (
    BatchReader,
    choose_workers,
    guarded_results,
    stage_results,
    threads_fit,
    total_size,
)
from app.core.datasets.records import BadRecordPolicy, JsonObject, RecordRejected, RejectionReport
from app.core.datasets.schema import Schema, SchemaBuilder
from app.core.datasets.schema_sampling import schema_sampled
from app.core.datasets.stage_findings import finish_record, merge_counts
from app.core.datasets.stage_io import BatchResult, Context, StageConfig
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressEvent

CLUSTERS_KEPT = 100
"""Duplicate clusters detailed in the report; all are counted."""
MEMBERS_KEPT = 20


class Sink(Protocol):
    def write(self, data: bytes | memoryview, /) -> object: ...


@dataclass(frozen=True, slots=True)
class PipelineInput:
    """What to read and how bad input is treated."""

    paths: tuple[Path, ...]
    format: Format | None = None
    options: ImportOptions = field(default_factory=ImportOptions)
    skip_bad_records: bool = False
    workers: int | None = None
    """Worker processes; None picks the cores available (inline for small inputs)."""
    batch_bytes: int | None = None
    """JSON Lines bytes a batch (None: :data:`DEFAULT_BATCH_BYTES`, four times that when the
    stages run on threads, whose batches cost Python per batch, not per record)."""
    spill_dir: Path | None = None
    """Where the exact-dedupe index spills past its memory bound (an unnamed, encrypted file);
    None for the system's temporary folder."""


@dataclass(slots=True)
class PipelineOutcome:
    """What a pass measured. Prepare fills the record and commitment parts, scan the findings."""

    records_read: int = 0
    records: int = 0
    bytes_read: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    dropped_by_policy: int = 0
    clusters: list[DuplicateCluster] = field(default_factory=list)
    near_clusters: list[DuplicateCluster] = field(default_factory=list)
    pii: dict[str, dict[str, int]] = field(default_factory=dict)
    """Prepare: findings in the records the package holds or the policy dropped, by action."""
    pii_in_removed_duplicates: dict[str, int] = field(default_factory=dict)
    """Prepare: findings in records removed as duplicates (their kept twin holds the same)."""
    rejections: RejectionReport = field(default_factory=lambda: RejectionReport(0, {}, ()))
    schema: Schema | None = None
    commitment: bytes = b""
    sources: list[SourceInfo] = field(default_factory=list)
    source_count: int = 0
    findings: list[tuple[int, Finding]] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    workers: int = 0

    def pii_totals(self) -> dict[str, int]:
        """Findings per type, whatever was done with them, duplicates removed not counted."""
        return {kind: sum(actions.values()) for kind, actions in sorted(self.pii.items())}


THREAD_BATCH_FACTOR = 2
"""Batches of four times the default size when the stages run on threads (see PipelineInput)."""
EXACT_MEMORY_KEYS: int | None = None
"""Distinct records whose keys the exact index holds in memory before it spills them (None:
its own bound, :data:`.exact_dedupe.MEMORY_KEYS` or ``TABLE_MEMORY_KEYS``)."""
EXPECTED_RECORD_BYTES = 1024
"""Input bytes a record is expected to take, to size the exact-dedupe filter up front."""
EXPECTED_RECORDS_CAP = 8_000_000
"""At most this many expected records (a spill filter of 16 MB at most, two bytes a record)
whatever the input size: a filter that fills up is rebuilt by reading every spilled key back."""


def _exact_index(source: PipelineInput) -> ExactDeduper:
    """The exact-dedupe index of a pass: bounded, spilling to ``source.spill_dir``."""
    return ExactDeduper(
        _expected_records(source),
        memory_keys=EXACT_MEMORY_KEYS,
        spill_dir=source.spill_dir,
        keep_pairs=False,
    )


def _expected_records(source: PipelineInput) -> int:
    """A first size for the exact-dedupe index's spill filter, from the input's size.

    A filter that fills up is rebuilt twice as large from the spill file
    (reading it all once); sized for a kilobyte a record, that is rare.
    Larger records leave it partly empty, at most the cap's 16 MB.
    """
    total = total_size(source.paths) or 0
    return max(1024, min(total // EXPECTED_RECORD_BYTES, EXPECTED_RECORDS_CAP))


class _Clusters:
    """The first clusters of exact duplicates, for the report; all are counted elsewhere."""

    def __init__(self) -> None:
        self.groups: dict[int, list[int]] = {}

    def add(self, index: int, representative: int) -> None:
        members = self.groups.get(representative)
        if members is None:
            if len(self.groups) >= CLUSTERS_KEPT:
                return
            members = self.groups[representative] = []
        if len(members) < MEMBERS_KEPT:
            members.append(index)

    def result(self) -> list[DuplicateCluster]:
        return [
            DuplicateCluster("exact", first, tuple(DuplicateMember(i, 1.0) for i in members))
            for first, members in self.groups.items()
        ]


# -- a pass ------------------------------------------------------------------------------


class _Pass:
    """What a prepare and a scan share: reading, the stages, the dedupe indexes, the schema.

    Both passes must read, number and index records alike (the review's
    decisions find their records in the prepare again by index), so both
    start here and fill the common part of their outcome in :meth:`finish`.
    Used as a context manager: the exact index drops its spill file however
    the pass ends.
    """

    def __init__(
        self,
        source: PipelineInput,
        config: StageConfig,
        progress: Callable[[ProgressEvent], None] | None,
        cancel: CancelToken,
    ) -> None:
        self.config = config
        self.report = report = progress or _no_progress
        self.cancel = cancel
        self.policy = policy = BadRecordPolicy(skip_bad_records=source.skip_bad_records)
        self.outcome = PipelineOutcome(workers=choose_workers(source.workers, source.paths))
        self.threads = threads_fit(source.paths, source.format, config)
        """Whether the workers are threads (see :func:`.threads_fit`), else processes."""
        batch_bytes = source.batch_bytes or DEFAULT_BATCH_BYTES * (
            THREAD_BATCH_FACTOR if self.threads else 1
        )
        self.reader = BatchReader(
            source.paths, source.format, source.options, batch_bytes, policy, report, cancel
        )
        # Threads share the parent's memory: a batch carries its bytes (one copy of what the
        # parent read anyway) instead of being read again by a worker process.
        self.reader.by_reference = not self.threads
        near = config.dedupe == "near"
        self.near = NearDuplicateIndex(config.minhash, config.near_threshold) if near else None
        self.schema = SchemaBuilder()
        self.population = 0
        self.exact = _exact_index(source) if config.dedupe != "off" else None

    def __enter__(self) -> _Pass:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.exact is not None:
            self.exact.close()

    def results(self) -> Iterator[BatchResult]:
        """Stage results in order, their rejections, schema and findings counted.

        The batch generators stay unnamed: a bad record rejected here then
        closes them, and with them the process pool, as the error leaves,
        where a name would keep them alive in its traceback.
        """
        for result in guarded_results(
            stage_results(
                self.reader.items(),
                self.config,
                self.outcome.workers,
                self.cancel,
                threads=self.threads,
            ),
            self.policy,
        ):
            for rejected in result.rejections:
                self.policy.reject(rejected)
            self.schema.merge(result.schema)
            self.population += result.schema_population
            merge_counts(self.outcome.pii, result.pii)
            yield result

    def finish(self, records_read: int) -> PipelineOutcome:
        """The outcome's parts both passes measure alike."""
        outcome, exact, near = self.outcome, self.exact, self.near
        outcome.records_read = records_read
        outcome.exact_duplicates = exact.duplicates if exact is not None else 0
        outcome.near_duplicates = near.duplicates if near is not None else 0
        outcome.rejections = self.policy.report()
        outcome.schema = self.schema.result(self.population)
        outcome.sources, outcome.source_count = self.reader.sources, self.reader.source_count
        return outcome


# -- prepare and scan ---------------------------------------------------------------------


def prepare(
    source: PipelineInput,
    config: StageConfig,
    records_sink: Sink,
    leaves_sink: Sink,
    *,
    progress: Callable[[ProgressEvent], None] | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> PipelineOutcome:
    """Run every stage; prepared records go to ``records_sink`` as JSONL, in order.

    ``leaves_sink`` receives the 32-byte leaf hash of each written record,
    in the same order (what inclusion proofs are made from). Raises
    :class:`~app.core.datasets.records.InvalidRecord` or
    :class:`~app.core.datasets.records.InvalidSource` at the first bad input
    unless skipping, ``Cancelled`` when asked to stop; the sinks may then
    hold part of the output, which the caller discards.
    """
    with _Pass(source, config, progress, cancel) as run:
        return _prepare(run, records_sink, leaves_sink)


def _prepare(run: _Pass, records_sink: Sink, leaves_sink: Sink) -> PipelineOutcome:
    config, outcome, policy = run.config, run.outcome, run.policy
    exact, near, schema = run.exact, run.near, run.schema
    clusters = _Clusters()
    builder = MerkleBuilder()
    base = 0
    for result in run.results():
        outcome.dropped_by_policy += result.dropped
        outcome.bytes_read += result.bytes_in
        if near is None and not result.deferred:
            _exact_only(result, base, exact, clusters, builder, outcome, records_sink, leaves_sink)
            base += result.count
            run.report(ProgressEvent("prepare", base, None, "records"))
            continue
        kept: list[bytes] = []
        kept_leaves = bytearray()
        leaves = result.leaves
        for position in range(len(result.local)):
            line = result.line(position)
            index = base + result.local[position]
            signature = result.signatures[position] if near is not None else b""
            counts = result.counts_at(position)
            if line is None:
                counts = {}
                finished = _finish(result, position, config, index, outcome, policy, counts)
                if finished is None:
                    continue
                line, leaf, value = finished
                run.population += 1
                if schema_sampled(result.deferred[position][2].index):
                    schema.add(value)
                if near is not None:
                    signature = minhash(record_text(value), config.minhash)
            else:
                leaf = bytes(leaves[32 * position : 32 * position + 32])
            if exact is not None:
                first = exact.add(index, leaf)
                if first is not None:
                    clusters.add(index, first)
                    _count_removed(outcome.pii_in_removed_duplicates, counts)
                    continue
            keep = index in config.keep_near
            if near is not None and near.add(index, signature, keep=keep) is not None:
                _count_removed(outcome.pii_in_removed_duplicates, counts)
                continue
            if counts:
                merge_counts(outcome.pii, counts)
            kept.append(line)
            kept_leaves += leaf
        builder.add_many(kept_leaves)
        if kept:
            kept.append(b"")
            records_sink.write(b"\n".join(kept))
            leaves_sink.write(bytes(kept_leaves))
        base += result.count
        run.report(ProgressEvent("prepare", base, None, "records"))
    run.finish(base)
    outcome.records = builder.size
    outcome.commitment = builder.root()
    outcome.clusters = clusters.result()
    outcome.near_clusters = near.clusters()[:CLUSTERS_KEPT] if near is not None else []
    if not outcome.bytes_read:
        outcome.bytes_read = run.reader.meter.done
    return outcome


def scan(
    source: PipelineInput,
    config: StageConfig,
    *,
    max_findings: int = 1_000_000,
    progress: Callable[[ProgressEvent], None] | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> PipelineOutcome:
    """The review's first pass: findings with record indices, duplicates, schema; no output."""
    with _Pass(source, config, progress, cancel) as run:
        return _scan(run, max_findings)


def _scan(run: _Pass, max_findings: int) -> PipelineOutcome:
    outcome, exact, near = run.outcome, run.exact, run.near
    zero = bytes(16)
    hashed = 0
    base = 0
    for result in run.results():
        keys = bytes(result.exact_keys)
        locals_hashed = [
            local for local in range(result.count) if keys[16 * local : 16 * local + 16] != zero
        ]
        hashed += len(locals_hashed)
        duplicates = (
            exact.add_many(
                [keys[16 * local : 16 * local + 12] for local in locals_hashed],
                [base + local for local in locals_hashed],
            )
            if exact is not None
            else {}
        )
        if near is not None and result.signatures:
            for position, local in enumerate(locals_hashed):
                if position not in duplicates:
                    near.add(base + local, result.signatures[local])
        room = max_findings - len(outcome.findings)
        for local, finding, context in result.findings[: max(0, room)]:
            outcome.findings.append((base + local, finding))
            outcome.contexts.append(context)
        base += result.count
        run.report(ProgressEvent("scan", base, None, "records"))
    run.finish(base)
    outcome.records = hashed
    outcome.near_clusters = near.clusters() if near is not None else []
    return outcome


def _exact_only(
    result: BatchResult,
    base: int,
    exact: ExactDeduper | None,
    clusters: _Clusters,
    builder: MerkleBuilder,
    outcome: PipelineOutcome,
    records_sink: Sink,
    leaves_sink: Sink,
) -> None:
    """The common batch (no near dedupe, nothing deferred) with batch-wide operations.

    The same outcome as the general loop in :func:`prepare`, in a few calls
    a batch: one dedupe call, one Merkle fold, and the batch's packed lines
    written as the worker sent them (a batch without duplicates in one write;
    otherwise the runs between duplicates), never joined or copied here on
    the way to the encryptor.
    """
    result.pack()
    text, ends, leaves = result.text, result.ends, bytes(result.leaves)
    duplicates = exact.add_leaves(base, result.local, leaves) if exact is not None else {}
    _count_kept(outcome.pii, result, duplicates)
    if not duplicates:
        builder.add_many(leaves)
        if text:
            records_sink.write(text)
            leaves_sink.write(leaves)
        return
    local = result.local
    removed = outcome.pii_in_removed_duplicates
    for position, first in duplicates.items():
        clusters.add(base + local[position], first)
        _count_removed(removed, result.counts_at(position))
    view = memoryview(text)
    kept_leaves = bytearray()
    start = 0  # the first position of the run of kept records not yet written
    for stop in [*duplicates, len(local)]:
        if stop > start:
            # By reference: the encryptor's pipe gathers views and copies each byte once.
            records_sink.write(view[ends[start - 1] if start else 0 : ends[stop - 1]])
            kept_leaves += leaves[32 * start : 32 * stop]
        start = stop + 1
    builder.add_many(kept_leaves)
    if kept_leaves:
        leaves_sink.write(bytes(kept_leaves))


def _finish(
    result: BatchResult,
    position: int,
    config: StageConfig,
    index: int,
    outcome: PipelineOutcome,
    policy: BadRecordPolicy,
    counts: dict[str, dict[str, int]],
) -> tuple[bytes, bytes, JsonObject] | None:
    """Redact a deferred record; its findings go to ``counts``, or to the outcome if dropped."""
    record, findings, location = result.deferred[position]
    try:
        finished = finish_record(record, findings, config, index, counts)
    except NotIJSON as exc:
        policy.reject(RecordRejected(location, exc.message.removeprefix("record: ")))
        return None
    if finished is None:
        merge_counts(outcome.pii, counts)
        outcome.dropped_by_policy += 1
        return None
    return finished


def _count_kept(
    into: dict[str, dict[str, int]], result: BatchResult, duplicates: dict[int, int]
) -> None:
    """Add the findings of the batch's records that were not removed as duplicates.

    The worker's ``pii_kept`` is their sum over the whole batch: one merge
    a batch, less the few removed records' counts, instead of one merge per
    record that holds a finding. The sum is the same; entries that drop to
    zero are left out, as a merge record by record never makes them.
    """
    kept = result.pii_kept
    if duplicates and (result.record_pii or result.kinds):
        removed = [counts for at in duplicates if (counts := result.counts_at(at))]
        if removed:
            kept = _subtract(kept, removed)
    merge_counts(into, kept)


def _subtract(
    total: dict[str, dict[str, int]], parts: list[dict[str, dict[str, int]]]
) -> dict[str, dict[str, int]]:
    """``total`` less each of ``parts`` (which it includes), zero entries dropped."""
    left = {kind: dict(actions) for kind, actions in total.items()}
    for counts in parts:
        for kind, actions in counts.items():
            mine = left[kind]
            for action, count in actions.items():
                mine[action] -= count
    return {
        kind: {action: count for action, count in actions.items() if count}
        for kind, actions in left.items()
        if any(actions.values())
    }


def _count_removed(into: dict[str, int], counts: dict[str, dict[str, int]] | None) -> None:
    for kind, actions in (counts or {}).items():
        into[kind] = into.get(kind, 0) + sum(actions.values())


def _no_progress(_event: ProgressEvent) -> None:
    pass
