"""PII findings outside a worker's record loop: tallied by action, applied late, located.

The counts are mergeable dictionaries (type, then action) so the workers'
and the parent's tallies add up in any order. :func:`finish_record` is the
parent's half of a deferred record: per-finding decisions are keyed by the
record's global index, which only the parent knows (see
:mod:`app.core.datasets.stages`). :func:`value_at` finds the string a
finding lies in, for the review's context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from app.core.canonical import canonical_json
from app.core.datasets.pii import Finding, RedactionPolicy, redact_record
from app.core.datasets.records import JsonObject, JsonValue
from app.core.datasets.stage_io import StageConfig


def count_findings(
    counts: dict[str, dict[str, int]],
    findings: Sequence[Finding],
    policy: RedactionPolicy,
    index: int,
) -> None:
    """Add each finding to ``counts[type][action]``."""
    for finding in findings:
        action = str(policy.action_for(index, finding))
        per_type = counts.setdefault(str(finding.type), {})
        per_type[action] = per_type.get(action, 0) + 1


def merge_counts(into: dict[str, dict[str, int]], counts: dict[str, dict[str, int]]) -> None:
    """Add ``counts[type][action]`` into ``into``."""
    for kind, actions in counts.items():
        mine = into.setdefault(kind, {})
        for action, count in actions.items():
            mine[action] = mine.get(action, 0) + count


def finish_record(
    record: JsonObject,
    findings: Sequence[Finding],
    config: StageConfig,
    index: int,
    counts: dict[str, dict[str, int]],
) -> tuple[bytes, bytes, JsonObject] | None:
    """Redact a deferred record under its global ``index``: its bytes, leaf hash and value.

    None when the policy drops it. Raises ``NotIJSON`` for a record without a
    canonical form.
    """
    count_findings(counts, findings, config.policy, index)
    redacted = redact_record(
        record, findings, config.policy, record_index=index, key=config.pseudonym_key
    )
    if redacted is None:
        return None
    assert isinstance(redacted, dict)
    line = canonical_json(redacted, what="record")
    leaf = hashlib.sha256(b"\x00" + hashlib.sha256(line).digest()).digest()
    return line, leaf, redacted


def value_at(record: JsonValue, pointer: str) -> JsonValue:
    """The value at an RFC 6901 JSON Pointer, or None when there is none."""
    if pointer == "":
        return record
    node = record
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if token not in node:
                return None
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                return None
            node = node[int(token)]
        else:
            return None
    return node
