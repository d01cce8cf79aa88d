"""The manifest and the quality and privacy report of a prepared dataset, as JSON.

The manifest is what a submission signs over: the commitment and how it was
made, the counts, the schema, and the digests of the package, of the leaf
hashes and of the card. The report is for the contributor: which records
were rejected and why (file and line), which records duplicated which,
what personal information was found and what was done with it. Neither
holds record content; the report names source files, so it stays in the
vault and is never sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from app.core.datasets.duplicate_clusters import DuplicateCluster
from app.core.datasets.pipeline import PipelineOutcome

MANIFEST_FORMAT: Final = "tessera-dataset-manifest/1"
REPORT_FORMAT: Final = "tessera-dataset-report/1"


def build_manifest(
    *,
    dataset_id: str,
    name: str,
    created: datetime,
    owner_did: str,
    recipient: str,
    outcome: PipelineOutcome,
    package_file: str,
    package_sha256: str,
    package_size: int,
    leaves_file: str,
    leaves_sha256: str,
    card_sha256: str,
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "id": dataset_id,
        "name": name,
        "created": created.isoformat().replace("+00:00", "Z"),
        "owner_did": owner_did,
        "records": outcome.records,
        "commitment": {
            "root": outcome.commitment.hex(),
            "tree": "rfc6962-sha256",
            "record_hash": "sha256-rfc8785",
            "size": outcome.records,
        },
        "counts": {
            "records_read": outcome.records_read,
            "records": outcome.records,
            "rejected": outcome.rejections.total,
            "exact_duplicates_removed": outcome.exact_duplicates,
            "near_duplicates_removed": outcome.near_duplicates,
            "dropped_by_pii_policy": outcome.dropped_by_policy,
        },
        "package": {
            "file": package_file,
            "media_type": "application/jsonlines",
            "encryption": "age-v1",
            "recipients": [recipient],
            "sha256": package_sha256,
            "size": package_size,
        },
        "leaf_hashes": {"file": leaves_file, "sha256": leaves_sha256, "encryption": "age-v1"},
        "card_sha256": card_sha256,
        "schema": outcome.schema.to_json() if outcome.schema is not None else None,
        "pii": outcome.pii_totals(),
    }


def clusters_json(clusters: list[DuplicateCluster]) -> list[dict[str, Any]]:
    return [
        {
            "kind": cluster.kind,
            "representative": cluster.representative,
            "members": [
                {"index": member.index, "similarity": round(member.similarity, 4)}
                for member in cluster.members
            ],
        }
        for cluster in clusters
    ]


def build_report(request: dict[str, Any], outcome: PipelineOutcome) -> dict[str, Any]:
    rejections = outcome.rejections
    return {
        "format": REPORT_FORMAT,
        "request": request,
        "quality": {
            "records_read": outcome.records_read,
            "records": outcome.records,
            "bytes_read": outcome.bytes_read,
            "rejected": {
                "total": rejections.total,
                "by_reason": dict(sorted(rejections.by_reason.items())),
                "details": [
                    {
                        "file": item.location.path,
                        "line": item.location.line,
                        "record": item.location.index,
                        "reason": item.reason,
                        "where": item.location.describe(),
                    }
                    for item in rejections.details
                ],
                "truncated": rejections.truncated,
            },
            "duplicates": {
                "mode": request.get("dedupe"),
                "exact_removed": outcome.exact_duplicates,
                "near_removed": outcome.near_duplicates,
                "clusters_shown": clusters_json(outcome.clusters + outcome.near_clusters),
                "indices": "positions in the import order, 0-based",
            },
            "schema": outcome.schema.to_json() if outcome.schema is not None else None,
            "schema_basis": "prepared records before duplicate removal"
            + (
                f"; estimated from a sample of {outcome.schema.records} of"
                f" {outcome.schema.sample_of} (every record among the first 10,000 of"
                " each source, then 1 in 16)"
                if outcome.schema is not None and outcome.schema.sample_of is not None
                else ""
            ),
        },
        "privacy": {
            "types_scanned": request.get("pii_types", []),
            "findings": outcome.pii_totals(),
            "actions": {
                kind: dict(sorted(acts.items())) for kind, acts in sorted(outcome.pii.items())
            },
            "records_dropped": outcome.dropped_by_policy,
            "findings_in_removed_duplicates": dict(
                sorted(outcome.pii_in_removed_duplicates.items())
            ),
            "counted": "findings in the records the package holds and in records the policy"
            " dropped; findings in removed duplicates are listed apart",
        },
        "sources": [
            {"name": info.name, "format": info.format, "encoding": info.encoding}
            for info in outcome.sources
        ],
        "source_count": outcome.source_count,
        "workers": outcome.workers,
    }
