"""The C fast lane equals the Python lane: line by line, run by run, and through the stage."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.canonical import NotIJSON, canonical_json
from app.core.datasets import nativelane
from app.core.datasets.fastlane import (
    NORMALIZED,
    Lane,
    LineReader,
    Run,
    finish_normalized,
    read_batch,
)
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.normalize import normalize_record
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.pii.tokens import ANCHORS
from app.core.datasets.records import ImportedRecord, SourceLocation
from app.core.datasets.schema_sampling import sampled_offsets, schema_sampled
from app.core.datasets.stage_io import BatchResult, StageConfig
from app.core.datasets.stages import Stage
from tests.helpers.batch_results import kept_lines, record_counts
from tests.helpers.pii_corpus import generate_corpus

pytestmark = pytest.mark.skipif(not nativelane.available(), reason="the C fast lane is not built")

if nativelane.available():
    from app.core.datasets import _fastlane

MAX_DEPTH = 32
PATH = "/in.jsonl"
ANCHOR_BYTES = tuple(anchor.encode("ascii") for anchor in ANCHORS)

# -- JSON text, written here rather than by json.dumps: duplicate keys, odd spacing, spellings

PIECES = [
    "a", "b c", " ", "  ", "x1", "@", ":", "::", "=", "7", "1234", "0000a", "12-34-56",
    "(555) 123", "4111 1111 1111 1111", "4111111111111111", "ghp_", "hf_", "npm_",
    "github_pat_", "sk_live_",
    "rk_test_", "glpat-", "xoxb-", "sk-", "AKIA", "AIza", "eyJ", "SG.", "hooks.slack.com",
    "PRIVATE KEY", " is ", " IS ", "Bearer ", "BEARER ", "Authorization", "://", "api_key",
    "Token", "PASSword", "pwd", "credential", "2001:db8::1", "\"", "'", "\\", "\t", "\x7f",
    "é", "\u2028",
]  # fmt: skip
WORDS = sorted({word for piece in PIECES for word in piece.split()} - {'"', "\\", "\x7f", "é"})
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
    st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),  # words: the fast lane takes it
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24),
    st.text(max_size=6),
)
KEY = st.one_of(st.sampled_from(["a", "b", "id", "text", "a b", " k", "k "]), TEXT)
NUMBER = st.one_of(
    st.integers(-(2**63), 2**63).map(str),
    st.integers(2**53 - 3, 2**53 + 3).map(str),
    st.integers(-(2**53) - 3, -(2**53) + 3).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        [
            "-0", "-0.0", "0.0", "0.25", "1.0", "1e16", "1E16", "1e+16", "5e-324", "1e-7",
            "1e-4", "15e-1", "0.50", "2.5e-5", "1E400", "-1e-400", "123456789012345678",
            "123456789012345", "0.123456789012345", "1e0000000000000001", "9007199254740993",
        ]
    ),
)  # fmt: skip
SPACE = st.sampled_from(["", "", " ", "\t", " \r"])


def _string(text: str, escaped: bool) -> str:
    if escaped:
        return json.dumps(text)
    return '"' + text + '"'  # raw: quotes, backslashes and controls make it odd or invalid


def _object(members: list[tuple[str, str]], space: str) -> str:
    return "{" + space + ("," + space).join(f"{k}{space}:{space}{v}" for k, v in members) + "}"


SCALAR = st.one_of(
    NUMBER,
    st.sampled_from(["true", "false", "null"]),
    st.builds(_string, TEXT, st.booleans()),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.builds(
            lambda items, space: "[" + ("," + space).join(items) + "]",
            st.lists(inner, max_size=3),
            SPACE,
        ),
        st.builds(
            _object,
            st.lists(st.tuples(st.builds(_string, KEY, st.booleans()), inner), max_size=3),
            SPACE,
        ),
    ),
    max_leaves=8,
)
LINE = st.one_of(
    st.builds(
        _object,
        st.lists(st.tuples(st.builds(_string, KEY, st.just(True)), VALUE), max_size=5),
        SPACE,
    ),
    st.builds(lambda line, tail: line + tail, VALUE, SPACE),
    st.sampled_from(["", " ", "\t", "not json", '{"a": NaN}', "[" * 40 + "]" * 40]),
)


def _batch(lines: list[str], *, newline: bool = True) -> RawBatch:
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + (b"\n" if newline else b"")
    return RawBatch(PATH, 1, data)


def _leaf(canonical: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + hashlib.sha256(canonical).digest()).digest()


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _duplicates(line: str) -> bool:
    found = False

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal found
        found = found or len({key for key, _ in items}) < len(items)
        return dict(items)

    json.loads(line, object_pairs_hook=pairs)
    return found


def _check_lines(data: bytes, *, families_wanted: bool = True) -> int:
    """Each line's C result against the Python lane's; the number of lines C took."""
    canonical, families, leaves, special, bounds = _fastlane.scan(
        data, ANCHOR_BYTES, 1 << 20, families_wanted, True
    )
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    starts = memoryview(bounds).cast("Q")
    assert [data[starts[i] : starts[i + 1] - 1] for i in range(len(lines))] == lines
    assert len(canonical) == len(lines) == len(families) == len(leaves) // 32
    assert special == [i for i, c in enumerate(canonical) if c is None or families[i] & pf.ALL]
    reader = LineReader(RawBatch(PATH, 1, data), families_wanted=families_wanted)
    taken = 0
    for i, raw in enumerate(lines):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            assert canonical[i] is None
            continue
        lane = reader.read(text, raw.translate(pf.FOLD), i + 1)
        if canonical[i] is None:
            assert leaves[32 * i : 32 * i + 32] == bytes(32)
            if lane is not None and lane[3]:
                # The Python lane takes it (or normalises it and then finishes it): C leaves
                # duplicate keys and deep nesting to it.
                assert isinstance(lane[0], ImportedRecord)
                assert _duplicates(text) or _depth(lane[0].data) > MAX_DEPTH - 1
            continue
        taken += 1
        assert lane is not None
        done = canonical[i]
        assert done is not None
        # what the stage's PII text lane relies on: each string spelled literally
        assert done.isascii()
        assert b"\\" not in done
        if "\\" in text:
            # Beyond the Python lane, which leaves a line with escapes to the full way: taken
            # normalised, as the full way would have it (see _check_escaped).
            _check_escaped(lane, done, families[i], families_wanted)
            assert leaves[32 * i : 32 * i + 32] == _leaf(done)
            continue
        assert lane[3]  # plain
        _, python_canonical, python_families = _finished(lane, families_wanted)
        flags = families[i]
        assert (flags & NORMALIZED != 0) == (lane[1] is None)
        assert (canonical[i], flags & pf.ALL) == (python_canonical, python_families)
        assert leaves[32 * i : 32 * i + 32] == _leaf(done)
    return taken


def _check_escaped(lane: Lane, canonical: bytes, flags: int, families_wanted: bool) -> None:
    """A line with escapes the C lane took against the full way: the stage normalises the
    record, encodes it canonically and takes the families of those bytes."""
    item, python_canonical, _, plain = lane
    assert isinstance(item, ImportedRecord)
    assert python_canonical is None
    assert not plain
    record = normalize_record(item.data)
    expected = canonical_json(record)
    assert canonical == expected
    assert flags & NORMALIZED
    families = pf.json_families(expected, len(record)) if families_wanted else pf.ALL
    assert flags & pf.ALL == families


def _finished(lane: Lane, families_wanted: bool) -> tuple[object, bytes | None, int]:
    """A lane as the stage finishes it: normalised when the lane left that to the stage."""
    item, canonical, families, plain = lane
    if isinstance(item, ImportedRecord) and canonical is None and plain:
        record = normalize_record(item.data)
        canonical, families = finish_normalized(record, families_wanted=families_wanted)
        item = item._replace(data=record)
    elif isinstance(item, ImportedRecord) and canonical is None:
        # the full way: encoded once normalised, the families of those bytes
        record = normalize_record(item.data)
        with suppress(NotIJSON):
            canonical = canonical_json(record)
            families = pf.json_families(canonical, len(record)) if families_wanted else pf.ALL
        item = item._replace(data=record)
    return _comparable(item), canonical, families


def _expand(
    entries: Iterator[Lane | Run], families_wanted: bool, data: bytes
) -> list[tuple[object, ...]]:
    """Lanes with runs spelled out, as the stage finishes them, in a comparable form.

    Whether a record is plain is not compared for a line with escapes: the Python lane
    calls none of them plain, the C lane takes some (keys without escapes, plain numbers).
    """
    lines = data.split(b"\n")
    out: list[tuple[object, ...]] = []
    for entry in entries:
        if isinstance(entry, Run):
            assert len(entry.canonical) == len(entry.flags) == len(entry.leaves) // 32
            for k, canonical in enumerate(entry.canonical):
                index = entry.first + k
                record = orjson.loads(entry.line(k))
                if entry.flags[k] & NORMALIZED:
                    record = normalize_record(record)
                item = ImportedRecord(record, SourceLocation(PATH, index + 1, index))
                assert entry.leaves[32 * k : 32 * k + 32] == _leaf(canonical)  # type: ignore[arg-type]
                plain = None if b"\\" in lines[index] else True
                out.append((_comparable(item), canonical, 0, plain))
        else:
            lane_item = entry[0]
            escapes = (
                isinstance(lane_item, ImportedRecord) and b"\\" in lines[lane_item.location.index]
            )
            out.append((*_finished(entry, families_wanted), None if escapes else entry[3]))
    return out


def _comparable(item: object) -> object:
    if isinstance(item, ImportedRecord):  # key order counts too
        return json.dumps(item.data), item.location
    return item


def _check_runs(batch: RawBatch) -> None:
    saved = nativelane.ENABLED
    nativelane.ENABLED = True  # also under TESSERA_NO_NATIVE=1
    try:
        for wanted in (True, False):
            data = batch.load()
            native = _expand(nativelane.read_runs(batch, families_wanted=wanted), wanted, data)
            python = _expand(read_batch(batch, families_wanted=wanted), wanted, data)
            assert native == python
    finally:
        nativelane.ENABLED = saved


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=6), st.booleans())
@example(['{"a": 1, "a": 2}', '{"b": [1, {"c": 1, "c": 2}]}'], True)
@example(['{"k": "0000a 12 34 56 78"}', '{"0000a": 1}', '{"n": 1234567, "s": "x"}'], False)
def test_each_line_as_the_python_lane_decides_it(lines: list[str], newline: bool) -> None:
    batch = _batch(lines, newline=newline)
    _check_lines(batch.data)
    _check_runs(batch)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=5))
def test_random_bytes_are_harmless(lines: list[bytes]) -> None:
    data = b"\n".join(lines)
    canonical = _fastlane.scan(data, ANCHOR_BYTES, 1 << 20, True, True)[0]
    for line, done in zip(data.split(b"\n"), canonical, strict=False):
        if done is not None:
            assert done == orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)
    _check_runs(RawBatch(PATH, 1, data))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text('{}[]":,0123456789.eE+- tfrunl\\\t\r@ax', max_size=30), max_size=5))
def test_json_like_text_is_harmless(lines: list[str]) -> None:
    batch = _batch(lines)
    _check_lines(batch.data)
    _check_runs(batch)


def test_common_lines_and_their_families() -> None:
    lines = [
        '{"id": 7, "text": "A plain line.", "score": 0.25, "tags": ["a", "b"]}',
        '{"text": "mail ann@example.com"}',
        '{"text": "call +1 415 555 0100"}',
        '{"text": "token ghp_abc", "n": -0}',
        '{"text": "AKIAXYZ", "k": {"z": [1.5, {"y": null}], "a": false}}',
        '{"text": "the password is hunter2"}',
        '{"text": "-----BEGIN PRIVATE KEY-----"}',
        '{"text": "fe80::1"}',
        '{"auth": "Bearer abcdefgh"}',
        '{"a": 1, "a": 2}',
        '{"text": "two  spaces"}',
        '{"n": 1e16}',
        "",
    ]
    data = _batch(lines).data
    assert _check_lines(data) == 10
    canonical, families, _, special, _ = _fastlane.scan(data, ANCHOR_BYTES, 1 << 20, True, True)
    assert canonical[0] == b'{"id":7,"score":0.25,"tags":["a","b"],"text":"A plain line."}'
    assert canonical[3] == b'{"n":0,"text":"token ghp_abc"}'
    assert canonical[4] == b'{"k":{"a":false,"z":[1.5,{"y":null}]},"text":"AKIAXYZ"}'
    assert list(families[:9]) == [
        0, pf.EMAIL, pf.DIGITS, pf.KNOWN_SECRETS, pf.KNOWN_SECRETS, pf.ASSIGNED_SECRETS,
        pf.PRIVATE_KEYS, pf.IPV6, pf.ASSIGNED_SECRETS,
    ]  # fmt: skip
    assert canonical[9:] == [None, b'{"text":"two spaces"}', None, None]
    assert families[10] == NORMALIZED
    assert special == [*range(1, 10), 11, 12]


def test_the_labelled_pii_corpus_as_the_python_lane_reads_it() -> None:
    texts = [item.text for item in generate_corpus(seed=11, items=800)]
    lines = [
        json.dumps({"id": i, "text": text, "tags": [text[:9]]}, separators=separators)
        for i, text in enumerate(texts)
        for separators in ((",", ":"), None)
    ]
    assert _check_lines(_batch(lines).data) > len(lines) // 4


TRIGGERS = [
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "gha_", "hf_", "npm_", "github_pat_", "x_pat_",
    "sk_live_", "rk_test_", "k_live", "glpat-", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-",
    "xoxr-", "xoxe-", "xoxz-", "sk-", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "AIza",
    "AKIB", "eyJ", "ey J", "SG.", "SG,", "hooks.slack.com", "hooks.slack.co", "PRIVATE KEY",
    "PRIVATE  KEY", "a@b", "1234567", "123456", "1234a", "123a", "12-34 (56)", "a=b", "key=x",
    "x is y", "token is y", "Bearer x", "bearer x", "authorization", "Authorization:",
    "http://u:p@h", "a:b", "::", "1:2:3:4:5:6:7:8", "pwd:", "credential",
]  # fmt: skip


def test_each_trigger_as_the_python_prefilter_sees_it() -> None:
    lines = [
        line
        for trigger in TRIGGERS
        for line in (
            json.dumps({"t": f"x {trigger}abc y"}),
            json.dumps({"t": trigger, "n": 1}, separators=(",", ":")),
            json.dumps({trigger: {"k": [trigger]}}),
        )
    ]
    data = _batch(lines).data
    assert _check_lines(data) == len(lines)
    families = _fastlane.scan(data, ANCHOR_BYTES, 1 << 20, True, True)[1]
    first = {trigger: families[3 * k] for k, trigger in enumerate(TRIGGERS)}
    assert first["npm_"] == first["xoxe-"] == first["AIza"] == pf.KNOWN_SECRETS
    assert first["gha_"] == first["xoxz-"] == first["AKIB"] == first["SG,"] == 0


def test_lines_over_the_limit_nesting_and_utf8_go_the_full_way() -> None:
    deep = '{"a": ' + "[" * 40 + "]" * 40 + "}"
    data = _batch([deep, '{"a": "x"}', '{"t": "caf\u00e9"}']).data
    canonical, _, _, special, _ = _fastlane.scan(data, ANCHOR_BYTES, 8, True, True)
    assert canonical == [None, None, None]  # too deep; over 8 bytes; not ASCII
    assert special == [0, 1, 2]
    _check_runs(RawBatch(PATH, 1, data, max_line=12))
    bad = RawBatch(PATH, 1, b'{"a": 1}\n{"b": "\xff"}\n')
    _check_runs(bad)


def test_scan_refuses_anchors_that_are_not_bytes() -> None:
    with pytest.raises(TypeError):
        _fastlane.scan(b"{}", ("key",), 10, True, True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "count"), [(0, 5), (9_990, 40), (10_000, 50), (12_345, 100), (20_001, 3)]
)
def test_sampled_offsets_are_the_sampled_positions(first: int, count: int) -> None:
    assert list(sampled_offsets(first, count)) == [
        k for k in range(count) if schema_sampled(first + k)
    ]


def _lines_for_stage() -> list[str]:
    base = [
        '{"id": %d, "text": "Plain words here.", "score": 0.5}',
        '{"id": %d, "text": "mail ann%d@example.com"}',
        '{"id": %d, "text": "  dirty  spaces "}',
        '{"id": %d, " key ": {"n": [" a  b ", "x"]}, "t": "mail  ann%d@example.com "}',
        '{"id": %d, "text": "Plain words here.", "score": 0.5}',
        '{"id": %d, "n": 1.0}',
        "not json %d",
        "",
    ]
    return [line.replace("%d", str(i)) for i in range(60) for line in base]


def _run(config: StageConfig, batch: RawBatch, enabled: bool) -> BatchResult:
    saved = nativelane.ENABLED
    nativelane.ENABLED = enabled
    try:
        return Stage(config).run(batch)
    finally:
        nativelane.ENABLED = saved


@pytest.mark.parametrize("dedupe", ["exact", "near"])
def test_the_stage_gives_the_same_result_either_way(dedupe: str) -> None:
    batch = RawBatch(PATH, 9_990, _batch(_lines_for_stage()).data)
    config = StageConfig(dedupe=dedupe)  # type: ignore[arg-type]
    native, python = _run(config, batch, True), _run(config, batch, False)
    assert kept_lines(native) == kept_lines(python)
    assert kept_lines(native).count(None) == 0
    assert len(kept_lines(native)) > 200
    assert (native.local, native.leaves, native.count) == (
        python.local,
        python.leaves,
        python.count,
    )
    assert native.signatures == python.signatures
    assert record_counts(native) == record_counts(python)
    assert native.pii == python.pii
    assert native.rejections == python.rejections
    assert native.schema_population == python.schema_population
    assert native.schema.result() == python.schema.result()


def test_the_environment_turns_the_native_lane_off() -> None:
    code = "from app.core.datasets import nativelane as n; print(n.available(), n.ENABLED)"
    env = {**os.environ, "TESSERA_NO_NATIVE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "False"]


@pytest.mark.parametrize(("name", "value"), [("ABI", -1), ("SOURCE", "0" * 16)])
def test_a_stale_build_is_not_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, name: str, value: object
) -> None:
    assert nativelane._load() is _fastlane
    monkeypatch.setattr(_fastlane, name, value)
    assert nativelane._load() is None
    assert "the Python lane runs" in caplog.text


def test_the_source_digest_covers_every_part_the_extension_includes(tmp_path: Path) -> None:
    source = Path(nativelane.__file__).with_name("_fastlane.c")
    copy = tmp_path / "_fastlane.c"
    copy.write_bytes(source.read_bytes())
    (tmp_path / "fastlane_c").mkdir()
    parts = sorted(source.with_name("fastlane_c").glob("*.c"))
    assert parts, "the extension's parts are missing"
    for part in parts:
        (tmp_path / "fastlane_c" / part.name).write_bytes(part.read_bytes())
    assert nativelane.source_digest(copy) == nativelane.source_digest(source)
    assert nativelane.source_digest(source) == _fastlane.SOURCE  # this build is of these files
    edited = tmp_path / "fastlane_c" / parts[-1].name
    edited.write_bytes(edited.read_bytes() + b"\n")
    assert nativelane.source_digest(copy) != nativelane.source_digest(source)
    for part in parts:
        text = source.read_text()
        assert f'#include "fastlane_c/{part.name}"' in text  # every part is compiled
