"""The C lane's PII families equal the Python prefilter's wherever a trigger falls in a line.

The C prefilter marks positions 16 at a time with cheap necessary conditions and checks
each mark exactly; these tests put every trigger at every offset around those blocks (and
the anchors through both of its paths) and hold the families equal to
``pii.prefilter.line_families`` over the same text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import nativelane
from app.core.datasets.fastlane import NORMALIZED
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.pii.tokens import ANCHORS

pytestmark = pytest.mark.skipif(not nativelane.available(), reason="the C fast lane is not built")

if nativelane.available():
    from app.core.datasets import _fastlane

ANCHOR_BYTES = tuple(anchor.encode("ascii") for anchor in ANCHORS)

FRAGMENTS = [
    "ghp_", "gho_", "gha_", "hf_", "npm_", "_pat_", "k_live_", "k_test_", "glpat-", "xoxb-",
    "xoxe-", "xoxz-", "sk-", "AKIA", "AIza", "AKIB", "AIzb", "eyJ", "eyj", "SG.", "SG,", "Sg.",
    "hooks.slack.com", "hooks.slack.co", "PRIVATE KEY", "PRIVATE KEx", "@", "=", ":", "::",
    "://", " is ", " IS ", " iS", "is ", "earer ", "EARER ", "Bearer ", "earer", "key", "KEY",
    "kEy", "secret", "token", "tok en", "pass", "pwd", "credential", "credentia",
    "uthorization", "Uthorization", "authorizatio", "0", "1234567", "12 34 56", "123a", "A",
    "e", "h", "P", "S", " ", "  ", "-", "_", "x", "yJ", "s ", "r", "rer ",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)


def _families(lines: list[str], anchors: tuple[bytes, ...] = ANCHOR_BYTES) -> list[int | None]:
    data = ("\n".join(lines) + "\n").encode("ascii")
    canonical, families, _, _, _ = _fastlane.scan(data, anchors, 1 << 20, True, False)
    return [None if c is None else families[i] for i, c in enumerate(canonical)]


def _reference(line: str, canonical: bytes, flags: int) -> int:
    """pf.line_families as the Python lane calls it (on the canonical text once normalised)."""
    keys = len(json.loads(line))
    if flags & NORMALIZED:
        text = canonical.decode("ascii")
        return pf.line_families(text, canonical.translate(pf.FOLD), keys) | NORMALIZED
    return pf.line_families(line, line.encode("ascii").translate(pf.FOLD), keys)


def _check(lines: list[str], anchors: tuple[bytes, ...] = ANCHOR_BYTES) -> int:
    data = ("\n".join(lines) + "\n").encode("ascii")
    canonical, families, _, _, _ = _fastlane.scan(data, anchors, 1 << 20, True, False)
    taken = 0
    for i, line in enumerate(lines):
        done = canonical[i]
        if done is None:
            continue
        taken += 1
        assert families[i] == _reference(line, done, families[i]), line
    return taken


def test_every_trigger_at_every_offset() -> None:
    for fragment in FRAGMENTS:
        lines = []
        for offset in range(40):
            text = "x" * offset + fragment + "y" * (offset % 7)
            lines.append(json.dumps({"t": text}))
            lines.append(json.dumps({"t": text, "n": 1}, separators=(",", ":")))
            lines.append(json.dumps({"a": {"b": text}}))
            lines.append(json.dumps({"t": text[:offset] + " " + fragment}))  # ends the line
        assert _check(lines) == len(lines), fragment


def test_a_trigger_across_the_end_of_the_line_is_not_found() -> None:
    # the copy the C lane reads is padded with zero bytes: nothing past the line counts
    assert _families(['{"t":"PRIVATE KE"}', '{"t":"hooks.slack.co"}', '{"t":"x is"}']) == [
        0,
        0,
        0,
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.integers(0, 20), st.booleans()), min_size=1))
def test_generated_lines_as_the_python_prefilter_sees_them(
    items: list[tuple[str, str, int, bool]],
) -> None:
    lines = []
    for key, text, pad, compact in items:
        value = {"k" * pad + key.replace('"', ""): text, "n": pad, "o": {"v": [text, key]}}
        separators = (",", ":") if compact else None
        lines.append(json.dumps(value, separators=separators))
    _check(lines)


ODD_ANCHORS = [
    (b"key", b"Token"),  # a capital: never in the folded line
    (b"0day",),  # a digit folds to 0
    (b"a.b",),  # "-./()" fold to "."
    (b"",),  # in every line
    tuple(b"w%d" % k for k in range(20)),  # more words than the C lane searches at once
    (b"is", b"x" * 80),
]


@pytest.mark.parametrize("anchors", ODD_ANCHORS)
def test_any_anchors_as_the_python_prefilter_uses_them(
    anchors: tuple[bytes, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pf, "_FOLDED_ANCHORS", anchors)
    texts = ["x = 1", "k is 0DAY", "a-b is", "A(B = 2", "w7 is", "w19=", "nothing here", "TOKEN=1"]
    lines = [json.dumps({"t": text}) for text in texts] + ['{"t": "' + "X" * 80 + ' is"}']
    assert _check(lines, anchors) == len(lines)


def _offset_lines() -> list[str]:
    return [
        json.dumps({"t": "x" * offset + fragment + " y"})
        for fragment in FRAGMENTS
        for offset in range(0, 40, 3)
    ]


def test_the_16_byte_pass_where_avx2_is_turned_off() -> None:
    # The C lane reads 32 positions at a time where the CPU has AVX2, else 16 (SSE2): both.
    script = (
        "import json, sys\n"
        "from app.core.datasets import _fastlane\n"
        "from app.core.datasets.pii.tokens import ANCHORS\n"
        "anchors = tuple(a.encode('ascii') for a in ANCHORS)\n"
        "data = sys.stdin.buffer.read()\n"
        "print(json.dumps(list(_fastlane.scan(data, anchors, 1 << 20, True, False)[1])))\n"
    )
    lines = _offset_lines()
    data = ("\n".join(lines) + "\n").encode("ascii")
    env = {**os.environ, "TESSERA_FASTLANE_NO_AVX2": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], input=data, env=env, capture_output=True, check=True
    )
    narrow = json.loads(done.stdout)
    assert narrow == _families(lines)
    assert _check(lines) == len(lines)
