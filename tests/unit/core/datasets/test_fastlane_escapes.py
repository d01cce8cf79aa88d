"""Lines with JSON escapes take the C lane normalised exactly as the full way would have them.

The Python lane leaves any line with a backslash to the full way (parse, normalise,
encode canonically, the families of those bytes). The C lane takes those whose escapes
all stand for ASCII below DEL in values and whose canonical text once normalised needs
no escape (trailing line breaks, tabs between words, an escaped slash): it decodes,
normalises (default rules) and encodes each such string itself. These tests hold its
bytes, families and leaves equal to the full way's, every canonical text it gives ASCII
without a backslash (the stage's PII text lane relies on it), and a stage's whole result
equal with and without the C lane.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.canonical import canonical_json
from app.core.datasets import nativelane
from app.core.datasets.fastlane import NORMALIZED
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.normalize import normalize_record, normalize_text
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.stage_io import StageConfig
from tests.helpers.batch_results import kept_lines, record_counts
from tests.unit.core.datasets.test_fastlane_native import (
    ANCHOR_BYTES,
    PATH,
    _batch,
    _check_lines,
    _check_runs,
    _run,
)

pytestmark = pytest.mark.skipif(not nativelane.available(), reason="the C fast lane is not built")

if nativelane.available():
    from app.core.datasets import _fastlane

# Whitespace of every kind the default rules treat (str.isspace, line breaks, tabs), the
# characters JSON escapes, a control character that is not whitespace, and words.
ALPHABET = ' \t\n\r\x0b\x0c\x1c\x1f\x01"\\/ab@0'
TEXT = st.one_of(
    st.text(ALPHABET, max_size=24),
    st.lists(st.sampled_from(["a b", "  ", "\r\n", "\n\n\n", " \t", "x@y.z", "\\", '"'])).map(
        "".join
    ),
)


def _escaped(text: str, hexed: bool) -> str:
    """``text`` as a JSON string, with some characters written as \\u escapes."""
    spelled = json.dumps(text)
    if hexed:
        spelled = spelled.replace("a", "\\u0061").replace("\\n", "\\u000A")
    return spelled


def _line(texts: list[str], hexed: bool) -> str:
    strings = [_escaped(text, hexed) for text in texts]
    members = ", ".join(f'"k{k}": {s}' for k, s in enumerate(strings))
    return "{" + members + ', "n": [' + ", ".join(strings) + '], "o": {"v": 0.5}}'


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(TEXT, min_size=1, max_size=3), st.booleans()), min_size=1))
def test_escaped_lines_as_the_full_way_has_them(items: list[tuple[list[str], bool]]) -> None:
    lines = [_line(texts, hexed) for texts, hexed in items]
    batch = _batch(lines)
    expected = [_full_way(line) for line in lines]
    canonical = _fastlane.scan(batch.data, ANCHOR_BYTES, 1 << 20, True, True)[0]
    assert canonical == [None if b"\\" in text else text for text in expected]
    assert _check_lines(batch.data) == sum(b"\\" not in text for text in expected)
    _check_runs(batch)  # and so are the items read_runs gives the stage


def _full_way(line: str) -> bytes:
    return canonical_json(normalize_record(json.loads(line)))


@pytest.mark.parametrize(
    "text",
    [
        "  a  b. \r\n", "a\r\rb", "a\r\r\nb", "x\n\n\n\n\ny", " \n a \t\n\n b \x0b\n", "a\tb",
        "a\x01  b", "\x1c a \x1f", "q\"u\\o/te", "\r\n", "\t", "a \n", "tab\t\nend",
    ],
)  # fmt: skip
def test_each_rule(text: str) -> None:
    line = json.dumps({"t": text})
    canonical, families, _, _, _ = _fastlane.scan(
        _batch([line]).data, ANCHOR_BYTES, 1 << 20, True, True
    )
    expected = canonical_json({"t": normalize_text(text)})
    if b"\\" in expected:  # an escape left: the full way
        assert canonical == [None]
        return
    assert canonical == [expected]
    assert families[0] == pf.json_families(expected, 1) | NORMALIZED


@pytest.mark.parametrize(
    "line",
    [
        r'{"k\n": 1}',  # an escape in a key: keys are sorted by their raw bytes
        r'{"t": "\u00e9"}',  # not ASCII once decoded: NFC is the full way's
        r'{"t": "\u007f"}',  # DEL
        r'{"t": "\ud83d\ude00"}',
        r'{"t": "\x"}',  # not an escape
        r'{"t": "\u12"}',
        r'{"t": "a\"}',  # no closing quote
        r'{"t": "\\\"}',
    ],
)
def test_what_is_left_to_the_full_way(line: str) -> None:
    canonical = _fastlane.scan(_batch([line]).data, ANCHOR_BYTES, 1 << 20, True, True)[0]
    assert canonical == [None]
    _check_lines(_batch([line]).data)


def test_the_benchmarks_dirty_copies_are_taken_clean() -> None:
    text = "  Fbhbhvrks wpva.  Ymvwtkwowhs vxvh.  Tail words. \r\n"
    line = json.dumps({"id": 47, "text": text, "score": 0.6428, "tags": ["a", "b"]})
    canonical, families, _, special, _ = _fastlane.scan(
        _batch([line]).data, ANCHOR_BYTES, 1 << 20, True, True
    )
    record = normalize_record(json.loads(line))
    assert canonical == [canonical_json(record)]
    assert families[0] == NORMALIZED  # no family left: the line finishes in a run
    assert special == []


def _stage_lines() -> list[str]:
    texts = [
        "Plain words.\r\n",
        "mail ann%d@example.com\n\n\n\nbye",
        "  dirty \t spaces \r\n",
        "call +1 415 555 01%02d\tplease",
        'token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n',
        "two\r\nlines %d",
        'quote "%d" and slash \\ and \\/',
    ]
    return [
        json.dumps({"id": i, "text": text.replace("%d", str(i)).replace("%02d", f"{i:02d}")})
        for i in range(30)
        for text in texts
    ]


@pytest.mark.parametrize(
    ("mode", "dedupe"), [("prepare", "exact"), ("prepare", "near"), ("scan", "exact")]
)
def test_the_stage_gives_the_same_result_either_way(mode: str, dedupe: str) -> None:
    batch = RawBatch(PATH, 1, _batch(_stage_lines()).data)
    config = StageConfig(mode=mode, dedupe=dedupe)  # type: ignore[arg-type]
    native, python = _run(config, batch, True), _run(config, batch, False)
    assert kept_lines(native) == kept_lines(python)
    assert (native.local, native.leaves, native.count) == (
        python.local,
        python.leaves,
        python.count,
    )
    assert native.signatures == python.signatures
    assert record_counts(native) == record_counts(python)
    assert native.pii == python.pii
    assert native.rejections == python.rejections
    assert native.schema.result() == python.schema.result()
