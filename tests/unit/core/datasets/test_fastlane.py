"""The JSONL fast lane equals the full way: same items, canonical bytes, normal form, findings."""

from __future__ import annotations

import json
from pathlib import Path

import rfc8785
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.datasets.fastlane import encode_plain, finish_normalized, read_batch
from app.core.datasets.importers.jsonl import RawBatch, parse_jsonl_batch
from app.core.datasets.normalize import normalize_record
from app.core.datasets.pii import DEFAULT_TYPES, PiiScanner
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.records import ImportedRecord

SCANNER = PiiScanner(DEFAULT_TYPES)

ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7F), max_size=30)
WORDS = st.lists(st.sampled_from(["a", "b c", " ", "x1", "@", ":", "=", "7"]), max_size=6).map(
    "".join
)
strings = st.one_of(
    ASCII,
    WORDS,
    WORDS,
    st.text(max_size=10),
    st.sampled_from(
        [
            "ann@example.com",
            "call +1 415 555 0100",
            "  two  spaces ",
            " lead",
            "trail ",
            "a\tb",
            "line\r\nbreak",
            "api_key=Zx8kQ2mP9vLw3nRt",
            "2001:db8::1",
            "Caf\u00e9",
            "e\u0301",
            "\u2028",
            "x\x7fy",
            "4111 1111 1111 1111 / 41111111111111111111",
            ":x token IS Zx8kQ2mP9vLw3nRt",
        ]
    ),
)
KEYS = st.one_of(st.text("abcxyz_ -", max_size=6), st.text(max_size=3))
numbers = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1, 1.0, -0.0, 1e16, 1e-7, 123.456, 2.5e-5]),
)
values = st.recursive(
    st.none() | st.booleans() | numbers | strings,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=10,
)
records = st.dictionaries(KEYS, values, max_size=5)


def _write(tmp_path: Path, lines: list[str]) -> RawBatch:
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
    return RawBatch(str(tmp_path / "in.jsonl"), 1, data)


def _check(batch: RawBatch) -> int:
    lanes = list(read_batch(batch, families_wanted=True))
    assert [lane[0] for lane in lanes] == parse_jsonl_batch(batch)
    fast = 0
    for item, canonical, families, plain in lanes:
        if plain:
            assert isinstance(item, ImportedRecord)
            normal = normalize_record(item.data)
            assert encode_plain(normal) == bytes(rfc8785.dumps(normal))
            text, left = finish_normalized(normal, families_wanted=True)
            assert text == encode_plain(normal)
            found = SCANNER.scan_record(normal, left) if left else []
            assert found == SCANNER.scan_record(normal, pf.ALL)
        if canonical is None:
            continue
        assert plain
        assert isinstance(item, ImportedRecord)
        fast += 1
        record = item.data
        assert normalize_record(record) == record
        assert canonical == bytes(rfc8785.dumps(record))
        allowed = SCANNER.scan_record(record, families) if families else []
        assert allowed == SCANNER.scan_record(record, pf.ALL)
    return fast


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=4), st.booleans(), st.booleans())
@example([{"a": " lead"}, {"b": ["trail "]}, {"c": {"d": "x  y"}}, {"e": 1.0}], True, False)
@example([{"a": [" "], "n": -0.0}, {"t": "x\x7fy"}, {"u": 1e-07}], False, True)
def test_fast_lane_equals_the_full_way(
    tmp_path_factory: object, batch: list[dict[str, object]], compact: bool, ascii_only: bool
) -> None:
    separators = (",", ":") if compact else None
    lines = [json.dumps(r, separators=separators, ensure_ascii=ascii_only) for r in batch]
    _check(_write(Path("/nonexistent"), lines))


def test_common_lines_take_the_lane_and_odd_ones_do_not(tmp_path: Path) -> None:
    lines = [
        '{"id": 7, "text": "A plain line.", "score": 0.25, "tags": ["a", "b"]}',
        '{"text": "mail ann@example.com"}',
        '{"text": "two  spaces"}',
        '{"text": "escaped\\nline"}',
        '{"score": 1.0}',
        '{"score": 1e-7}',
        '{"n": 12345678901234567}',
        '{"s": "12345678901234567", "n": 12345678901234567}',
        '{"text": "caf\u00e9"}',
        '{"text": " lead"}',
        '{"text": "trail "}',
        '{"tags": ["ok", " "]}',
        '{"text": "x\x7fy"}',
        "not json",
        "[1]",
        "",
    ]
    batch = _write(tmp_path, lines)
    lanes = list(read_batch(batch, families_wanted=True))
    taken = [lane[1] is not None for lane in lanes]
    assert taken == [True, True] + [False] * 13
    assert lanes[0][1] == b'{"id":7,"score":0.25,"tags":["a","b"],"text":"A plain line."}'
    assert lanes[0][2] == pf.NONE
    assert lanes[1][2] & pf.EMAIL
    assert _check(batch) == 2


def test_long_digit_runs_in_strings_keep_the_lane(tmp_path: Path) -> None:
    batch = _write(tmp_path, ['{"card": "4111111111111111", "iban": "DE89370400440532013000"}'])
    [(_, canonical, families, _)] = list(read_batch(batch, families_wanted=True))
    assert canonical == b'{"card":"4111111111111111","iban":"DE89370400440532013000"}'
    assert families & pf.DIGITS
    assert _check(batch) == 1


def test_lines_orjson_reads_otherwise_than_the_stdlib_read_as_the_importer_does(
    tmp_path: Path,
) -> None:
    lines = [
        '{"a": 1, "b": 2, "a": 3}',  # the last duplicate wins, in the first one's place
        '{"n": NaN}',
        '{"n": -Infinity}',
        '{"n": 1E400}',
        '{"n": 1e-400}',
        '{"n": 123456789012345678901}',  # orjson: a float; the stdlib: the exact integer
        '{"n": -9223372036854775809}',
        '{"n": 18446744073709551615}',
        '{"n": 9007199254740993}',
        '{"n": -0, "m": -0.0, "f": 0.5e1}',
        '{"s": "\\ud800"}',  # an unpaired surrogate: orjson refuses it, the stdlib reads it
        '{"s": "\\udc00\\ud800x"}',
        '{"t": "ok"}\r',
        "\t",
        '{"a": 1} {"b": 2}',
        '{"a": [1,]}',
        "[" * 1100 + "]" * 1100,
        '{"d": ' + "[" * 1100 + "]" * 1100 + "}",
        '{"a": "\x01"}',
        '{"k": {"x": [0.25, {"y": 1.5}]}}',
        '{"k": {"x": [0.25, {"y": 1.0}]}}',
        '{"k": {"x": [0.25, {"y": 1e16}]}}',
        '{"k": {"x": [0.25, {"y": 2.5e-5}]}}',
    ]
    batch = _write(tmp_path, lines)
    _check(batch)
    lanes = list(read_batch(batch, families_wanted=True))
    first = lanes[0][0]
    assert isinstance(first, ImportedRecord)
    assert list(first.data.items()) == [("a", 3), ("b", 2)]
    exact = lanes[5][0]
    assert isinstance(exact, ImportedRecord)
    assert exact.data["n"] == 123456789012345678901
    taken = [lane[1] is not None for lane in lanes if isinstance(lane[0], ImportedRecord)]
    assert taken.count(True) == 3  # the duplicate keys, "ok" and the plain nested float
