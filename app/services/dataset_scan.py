"""The review wizard's first pass: what a prepare would find, before anything is decided.

:func:`scan_inputs` reads the inputs as :func:`~app.services.datasets.prepare_dataset`
will, normalises them the same way, and reports personal-information
findings with their record indices and context, duplicates, rejections and
the schema. Nothing is written and no vault is needed. The GUI shows the
findings, collects the user's decisions into a
:class:`~app.core.datasets.pii.RedactionPolicy` (``per_finding`` keyed by
:func:`~app.core.datasets.pii.finding_key` with these indices) and calls
``prepare_dataset`` with it; the indices match because both passes count
records in the same import order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.datasets.duplicate_clusters import DuplicateCluster
from app.core.datasets.importers import SourceInfo
from app.core.datasets.pii import Finding
from app.core.datasets.pipeline import scan
from app.core.datasets.records import RecordRejected
from app.core.datasets.schema import Schema
from app.core.datasets.stage_io import Context
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.services.datasets import PrepareRequest


@dataclass(slots=True)
class ScanResult:
    """What the first pass found.

    ``findings`` and ``contexts`` are parallel: ``contexts[i]`` is the text
    before, the match and the text after ``findings[i]`` (40 characters each
    side). ``pii_counts`` counts every finding, also beyond ``max_findings``.
    """

    records: int
    rejected: int
    rejections: list[RecordRejected]
    exact_duplicates: int
    near_clusters: list[DuplicateCluster]
    findings: list[tuple[int, Finding]]
    pii_counts: dict[str, int]
    schema: Schema | None
    sources: list[SourceInfo]
    contexts: list[Context] = field(default_factory=list)
    records_read: int = 0
    near_duplicates: int = 0
    truncated: bool = False
    """True when there were more findings than ``max_findings``."""


def scan_inputs(
    request: PrepareRequest,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    max_findings: int = 1_000_000,
) -> ScanResult:
    """Scan ``request``'s inputs; bad input follows ``request.skip_bad_records``."""
    outcome = scan(
        request.pipeline_input(),
        request.stage_config("scan", bytes(32)),
        max_findings=max_findings,
        progress=progress,
        cancel=cancel,
    )
    counts = {kind: actions.get("found", 0) for kind, actions in sorted(outcome.pii.items())}
    return ScanResult(
        records=outcome.records,
        rejected=outcome.rejections.total,
        rejections=list(outcome.rejections.details),
        exact_duplicates=outcome.exact_duplicates,
        near_clusters=outcome.near_clusters,
        findings=outcome.findings,
        pii_counts=counts,
        schema=outcome.schema,
        sources=outcome.sources,
        contexts=outcome.contexts,
        records_read=outcome.records_read,
        near_duplicates=outcome.near_duplicates,
        truncated=sum(counts.values()) > len(outcome.findings),
    )
