"""The per-record stages that run in worker processes or threads: parse, normalise, PII, hash.

Everything CPU-heavy happens here, one batch at a time, so the pipeline can
spread batches over workers and keep the parent for what must be sequential
(order, duplicates, the commitment, encryption). A JSON Lines batch whose
config allows it goes through C in one call (:mod:`.stage_batch`), cheap
enough in Python to run on threads; everything else is pure Python per
record and runs in a process pool. A
batch goes in as a JSON Lines span (a :class:`RawBatch` that the worker
reads itself) or as records already read; a :class:`BatchResult` comes back
holding only what the parent needs: each kept record's final canonical
bytes and leaf hash, counts, rejections and a mergeable schema sketch.

Record indices inside a batch are local (0 for its first record); the
parent adds the batch's base, which it knows once earlier batches are back.
Per-finding redaction decisions are keyed by *global* index, which a worker
cannot know, so under such a policy a record with findings is handed back
unredacted (``deferred``) and the parent finishes it (:func:`finish_record`);
records without findings, nearly all of them, still finish here.

This module is what a pool worker imports by path (:func:`init_worker`,
:func:`run_in_worker`); the data it exchanges with the parent is in
:mod:`app.core.datasets.stage_io`, the PII tallies and the parent's half of
a deferred record in :mod:`app.core.datasets.stage_findings`, and which
records the schema samples in :mod:`app.core.datasets.schema_sampling`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import suppress

import orjson

from app.core.canonical import NotIJSON, canonical_json
from app.core.datasets.dedupe import minhash, record_text
from app.core.datasets.fastlane import (
    NORMALIZED,
    Flagged,
    Lane,
    Run,
    encode_plain,
    finish_normalized,
)
from app.core.datasets.importers.jsonl import RawBatch, parse_jsonl_batch
from app.core.datasets.nativelane import Prepared, batch_lane, prepare_batch, read_runs
from app.core.datasets.normalize import (
    DEFAULT_RULES,
    NormalizeOptions,
    normalize_record,
    normalize_text,
)
from app.core.datasets.pii import PiiScanner, redact_record
from app.core.datasets.pii.prefilter import ALL as ALL_FAMILIES
from app.core.datasets.pii.prefilter import json_families
from app.core.datasets.pii.textlane import TextLane, usable
from app.core.datasets.records import (
    ImportedRecord,
    InvalidSource,
    JsonObject,
    JsonValue,
    RecordRejected,
)
from app.core.datasets.schema_sampling import sampled_offsets, schema_sampled
from app.core.datasets.stage_batch import take_prepared
from app.core.datasets.stage_findings import count_findings, merge_counts, value_at
from app.core.datasets.stage_io import BatchResult, StageConfig, WorkItem


class Stage:
    """One worker's stage runner: the config and a scanner built once."""

    def __init__(self, config: StageConfig) -> None:
        self.config = config
        self.scanner = PiiScanner(config.pii_types)
        self.text_lane: TextLane | None = None
        """The PII text lane when this config allows it (see :func:`_text_lane_fits`)."""
        if TEXT_LANE and _text_lane_fits(config):
            self.text_lane = TextLane(self.scanner, config.policy, config.pseudonym_key)
        self.batch_lane = (
            self.text_lane.batch_arguments()
            if self.text_lane is not None
            and BATCH_LANE
            and batch_lane()
            and _default_normalisation(config.normalize)
            else None
        )
        """The text lane's arguments when a JSON Lines batch runs through C in one call."""

    def run(self, item: WorkItem) -> BatchResult:
        result = BatchResult()
        config = self.config
        lanes: Iterable[Lane | Run | Flagged]
        if isinstance(item, RawBatch):
            try:
                if self.batch_lane is not None:
                    prepared = prepare_batch(
                        item, families_wanted=self.scanner.prefilters, text_lane=self.batch_lane
                    )
                    result.bytes_in = item.length if item.offset >= 0 else len(item.data)
                    if isinstance(prepared, Prepared):
                        take_prepared(self, prepared, result)
                    else:
                        self.prepare_lanes(list(prepared), result)
                    return result
                if _default_normalisation(config.normalize):
                    lanes = list(
                        read_runs(
                            item,
                            families_wanted=self.scanner.prefilters,
                            normalize=self.normalized,
                        )
                    )
                else:
                    lanes = list(_full_way(parse_jsonl_batch(item)))
            except InvalidSource as exc:
                result.source_error = (exc.path, exc.reason, exc.line, exc.skippable)
                return result
            result.bytes_in = item.length if item.offset >= 0 else len(item.data)
        else:
            lanes = _full_way(item)
        if config.mode == "scan":
            self._scan(lanes, result)
        else:
            self.prepare_lanes(lanes, result)
        return result

    def prepare_lanes(self, lanes: Iterable[Lane | Run | Flagged], result: BatchResult) -> None:
        """Every lane into ``result``: kept, deferred, dropped or rejected, in order."""
        config = self.config
        options, scan, policy, key = (
            config.normalize,
            self.scanner.scan_record,
            config.policy,
            config.pseudonym_key,
        )
        defer = config.defers
        near = config.dedupe == "near"
        schema = result.schema
        lines, local, leaves = result.lines, result.local, result.leaves
        sha256 = hashlib.sha256
        index = -1
        prefilters = self.scanner.prefilters
        text_lane = self.text_lane
        kept_pii = result.pii_kept
        for lane in lanes:
            if isinstance(lane, Flagged):
                index += 1
                if text_lane is not None and usable(lane.canonical):
                    line = _keep_text(text_lane, lane.canonical, lane.families, lane, index, result)
                    if line is not None and schema_sampled(lane.number - 1):
                        schema.add(_redacted(lane.item().data, line, lane.canonical))
                    continue
                item, canonical, families, plain = lane.lane()
            elif isinstance(lane, Run):
                index = self._keep(lane, index, result)
                continue
            else:
                read, canonical, families, plain = lane
                if not isinstance(read, ImportedRecord):
                    result.rejections.append(read)
                    continue
                item = read
                index += 1
            record: JsonObject
            if canonical is None:
                record = normalize(item.data, options)
                if plain:
                    canonical, families = finish_normalized(record, families_wanted=prefilters)
                else:
                    # Encoded anyway: its bytes tell which families could find anything (a line
                    # with escaped line breaks is often plain ASCII once normalised).
                    with suppress(NotIJSON):  # rejected below, where the record is encoded
                        canonical = canonical_json(record, what="record")
                        families = (
                            json_families(canonical, len(record)) if prefilters else ALL_FAMILIES
                        )
            else:
                record = item.data
            if (
                text_lane is not None
                and canonical is not None
                and families
                and usable(canonical)
                and (plain or not schema_sampled(item.location.index))
            ):
                line = _keep_text(text_lane, canonical, families, None, index, result)
                if line is not None and schema_sampled(item.location.index):
                    schema.add(_redacted(record, line, canonical))
                continue
            counts: dict[str, dict[str, int]] | None = None
            if canonical is not None:
                findings = scan(record, families) if families else []
            else:
                findings = scan(record)
            if findings:
                if defer:
                    assert isinstance(record, dict)
                    result.deferred[len(lines)] = (record, findings, item.location)
                    lines.append(None)
                    local.append(index)
                    leaves += bytes(32)
                    if near:
                        result.signatures.append(b"")
                    continue
                counts = {}
                count_findings(counts, findings, policy, index)
                redacted = redact_record(record, findings, policy, record_index=index, key=key)
                if redacted is None:
                    merge_counts(result.pii, counts)
                    result.dropped += 1
                    continue
                assert isinstance(redacted, dict)
                record = redacted
                result.record_pii[len(lines)] = counts
                canonical = None  # the redacted record is encoded afresh
            if canonical is None:
                try:
                    canonical = (
                        encode_plain(record) if plain else canonical_json(record, what="record")
                    )
                except NotIJSON as exc:
                    result.record_pii.pop(len(lines), None)
                    result.rejections.append(RecordRejected(item.location, _reason(exc)))
                    continue
            lines.append(canonical)
            local.append(index)
            leaves += sha256(b"\x00" + sha256(canonical).digest()).digest()
            if counts is not None:
                merge_counts(kept_pii, counts)
            if schema_sampled(item.location.index):
                schema.add(record)
            if near:
                result.signatures.append(minhash(record_text(record), config.minhash))
        result.count = index + 1
        result.schema_population = len(lines) - len(result.deferred)

    def _keep(self, run: Run, index: int, result: BatchResult) -> int:
        """Keep a run of finished records after record ``index``; the index of its last one.

        Nothing per record but list growth, unless a record is sampled for the
        schema or near duplicates need its signature: it is parsed for that.
        """
        count = len(run.canonical)
        result.lines.extend(run.canonical)
        result.local.extend(range(index + 1, index + 1 + count))
        result.leaves += run.leaves
        schema = result.schema
        for offset in sampled_offsets(run.first, count):
            schema.add(self._record(run, offset))
        if self.config.dedupe == "near":
            params, record = self.config.minhash, self._record
            result.signatures.extend(
                minhash(record_text(record(run, k)), params) for k in range(count)
            )
        return index + count

    def normalized(self, record: JsonObject) -> JsonObject:
        """``record`` under this stage's normalisation."""
        return normalize(record, self.config.normalize)

    def _record(self, run: Run, k: int) -> JsonObject:
        """The record of a run's line ``k``, normalised as the full way would."""
        record: JsonObject = orjson.loads(run.line(k))
        if run.flags[k] & NORMALIZED:
            record = normalize(record, self.config.normalize)
        return record

    def _scan(self, lanes: Iterable[Lane | Run | Flagged], result: BatchResult) -> None:
        """The review's first pass: findings with their context, exact keys, schema, signatures.

        It reads the batch through the same lanes as a prepare, so a finished
        line costs no more here than there, and the schema is sampled as a
        prepare samples it. A record's exact key is the first 16 bytes of its
        leaf hash (zeros for a record without a canonical form).
        """
        config = self.config
        options, scan = config.normalize, self.scanner.scan_record
        near = config.dedupe == "near"
        keys, schema = result.exact_keys, result.schema
        prefilters = self.scanner.prefilters
        sha256 = hashlib.sha256
        index = -1
        population = 0
        for lane in lanes:
            if isinstance(lane, Run):
                count = len(lane.canonical)
                leaves = lane.leaves
                keys += b"".join([leaves[at : at + 16] for at in range(0, 32 * count, 32)])
                for offset in sampled_offsets(lane.first, count):
                    schema.add(self._record(lane, offset))
                if near:
                    params, record_of = config.minhash, self._record
                    result.signatures.extend(
                        minhash(record_text(record_of(lane, k)), params) for k in range(count)
                    )
                index += count
                population += count
                continue
            item, canonical, families, plain = lane.lane() if isinstance(lane, Flagged) else lane
            if type(item) is not ImportedRecord:
                result.rejections.append(item)  # type: ignore[arg-type]
                continue
            index += 1
            record: JsonObject
            if canonical is not None:
                record = item.data
            else:
                record = normalize(item.data, options)
                if plain:
                    canonical, families = finish_normalized(record, families_wanted=prefilters)
                else:
                    try:
                        canonical = canonical_json(record, what="record")
                    except NotIJSON as exc:
                        result.rejections.append(RecordRejected(item.location, _reason(exc)))
                        keys += bytes(16)
                        if near:
                            result.signatures.append(b"")
                        continue
                    families = json_families(canonical, len(record)) if prefilters else ALL_FAMILIES
            keys += sha256(b"\x00" + sha256(canonical).digest()).digest()[:16]
            population += 1
            if schema_sampled(item.location.index):
                schema.add(record)
            if near:
                result.signatures.append(minhash(record_text(record), config.minhash))
            for finding in scan(record, families) if families else ():
                counts = result.pii.setdefault(str(finding.type), {})
                counts["found"] = counts.get("found", 0) + 1
                if len(result.findings) < config.max_findings:
                    text = value_at(record, finding.path)
                    context = (
                        finding.context(text, config.context_width)
                        if isinstance(text, str)
                        else ("", finding.value, "")
                    )
                    result.findings.append((index, finding, context))
        result.count = index + 1
        result.schema_population = population


TEXT_LANE = True
"""Whether a stage may scan and redact canonical text without its record (tests flip it)."""
BATCH_LANE = True
"""Whether a stage may run a JSON Lines batch through C in one call (tests flip it)."""


def _text_lane_fits(config: StageConfig) -> bool:
    """Whether the text lane gives this config's result: a prepare that needs no record.

    Not for a review's decisions (the parent finishes those records), nor for
    near duplicates (their signatures read the record), nor for an action that
    removes a member (see :mod:`.pii.textlane`). A record the schema samples is
    parsed for it (:func:`_redacted`).
    """
    return (
        config.mode == "prepare"
        and not config.defers
        and config.dedupe != "near"
        and TextLane.supports(config.policy, config.pii_types)
    )


def _keep_text(
    text_lane: TextLane,
    canonical: bytes,
    families: int,
    flagged: Flagged | None,
    index: int,
    result: BatchResult,
) -> bytes | None:
    """Record ``index`` through the text lane: kept redacted, kept as is, or dropped.

    ``flagged`` (a native lane's line) has the leaf hash of ``canonical`` already.
    Returns the line kept (None: dropped).
    """
    line, counts, leaf = text_lane.redact_leaf(canonical, families)
    if line is None:
        assert counts is not None
        merge_counts(result.pii, counts)
        result.dropped += 1
        return None
    if counts is not None:
        result.record_pii[len(result.lines)] = counts
        merge_counts(result.pii_kept, counts)
    result.lines.append(line)
    result.local.append(index)
    if leaf is not None:  # the C text lane hashed the line it redacted
        result.leaves += leaf
    elif flagged is not None and line is canonical:
        result.leaves += flagged.leaf()
    else:
        result.leaves += hashlib.sha256(b"\x00" + hashlib.sha256(line).digest()).digest()
    return line


def _redacted(record: JsonObject, line: bytes, canonical: bytes) -> JsonObject:
    """``record`` as the text lane redacted it into ``line`` (from ``canonical``), for the schema.

    The schema reads the top-level members in their order, and nested values
    with sorted keys, so the parsed line with the record's member order is
    what the record path would have sketched, as long as the numbers parse
    back to their own types: a plain record's (no float is a whole number).
    """
    if line is canonical:
        return record
    redacted: JsonObject = orjson.loads(line)
    return {key: redacted[key] for key in record}


def _default_normalisation(options: NormalizeOptions) -> bool:
    return not options.columns and options.default == DEFAULT_RULES


def _full_way(parsed: Iterable[ImportedRecord | RecordRejected]) -> Iterator[Lane]:
    for item in parsed:
        yield item, None, ALL_FAMILIES, False


def normalize(record: JsonObject, options: NormalizeOptions) -> JsonObject:
    """``normalize_record``, with a shortcut for the common case of text already clean.

    Under the default rules a string that is printable ASCII, without
    doubled or surrounding spaces, is its own normal form (no line breaks,
    no other whitespace, nothing to compose), so it is kept without running
    the rules' regular expressions, which cost several times the JSON parse
    of the same text. Any other string, and any other rules, take the full
    path; a property test holds the two equal.
    """
    if options.columns or options.default != DEFAULT_RULES:
        return normalize_record(record, options)
    return {key: _normalize_value(value) for key, value in record.items()}


def _normalize_value(value: JsonValue) -> JsonValue:
    if type(value) is str:
        if (
            value.isascii()
            and value.isprintable()
            and "  " not in value
            and value[:1] != " "
            and value[-1:] != " "
        ):
            return value
        return normalize_text(value)
    if type(value) is dict:
        return {key: _normalize_value(item) for key, item in value.items()}
    if type(value) is list:
        return [_normalize_value(item) for item in value]
    return value


def _reason(exc: NotIJSON) -> str:
    """The problem without the "record: " prefix (the location says which record)."""
    message = exc.message
    prefix = "record: "
    return message[len(prefix) :] if message.startswith(prefix) else message


# -- worker process entry points ------------------------------------------------------

_STAGE: Stage | None = None


def init_worker(config: StageConfig) -> None:
    """Process pool initializer: build this worker's stage once."""
    global _STAGE
    _STAGE = Stage(config)


def run_in_worker(item: WorkItem) -> BatchResult:
    """Process pool task: one batch through the stage built by :func:`init_worker`."""
    assert _STAGE is not None, "init_worker was not run in this process"
    return _STAGE.run(item)


__all__ = [
    "Stage",
    "init_worker",
    "run_in_worker",
]
