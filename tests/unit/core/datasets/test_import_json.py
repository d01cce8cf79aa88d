"""JSON documents: a top-level array streamed element by element, or one object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.datasets.importers import ImportOptions, detect_format, open_source
from app.core.datasets.records import BadRecordPolicy, InvalidRecord, InvalidSource

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"
TINY = ImportOptions(block_size=3, sample_bytes=5)


def write(tmp_path: Path, data: bytes | str, name: str = "data.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_shipped_array_with_lines() -> None:
    records = list(open_source(FIXTURES / "questions.json"))
    assert [r.data["a"] for r in records] == ["4", "Paris"]
    assert [r.location.line for r in records] == [2, 3]
    assert [r.location.index for r in records] == [0, 1]


@pytest.mark.parametrize("options", [TINY, ImportOptions()])
def test_elements_split_across_blocks(tmp_path: Path, options: ImportOptions) -> None:
    data = [
        {"n": n, "t": "é" * (n % 5), "nested": {"list": [1, 2.5, None, True]}} for n in range(50)
    ]
    path = write(tmp_path, json.dumps(data, indent=1, ensure_ascii=False))
    assert [r.data for r in open_source(path, options=options)] == data


def test_numbers_at_a_block_end_are_not_cut(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"a": 1}, 12345678, {"b": 2}]')
    policy = BadRecordPolicy.skip()
    for size in range(1, 12):
        policy = BadRecordPolicy.skip()
        options = ImportOptions(block_size=size, sample_bytes=size)
        assert [r.data for r in open_source(path, options=options, policy=policy)] == [
            {"a": 1},
            {"b": 2},
        ]
        assert policy.rejected == 1
    assert policy.report().details[0].reason == "the element is not a JSON object"


def test_one_top_level_object_is_one_record(tmp_path: Path) -> None:
    path = write(tmp_path, '\n {"a": {"b": [1, 2]}}\n')
    (record,) = open_source(path, options=TINY)
    assert record.data == {"a": {"b": [1, 2]}}
    assert record.location.line == 2


def test_empty_array_and_whitespace(tmp_path: Path) -> None:
    assert list(open_source(write(tmp_path, " [ \n ] \n"), options=TINY)) == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[{"a": 1},\n{"a": 2}\n{"a": 3}]', 3, "expected ',' or ']'"),
        ('[{"a": 1},\n{"a": }]', 2, "Expecting value"),
        ('[{"a": 1},\n{"a": 2}', 2, "the array is not closed"),
        ('[{"a": 1},\n', 2, "the array is not closed"),
        ('[{"a": 1}]\n[]', 2, "more data after the top-level array"),
        ('{"a": 1} {"b": 2}', 1, "more data after the top-level object"),
        ('[{"a": "unterminated}]', 1, "Unterminated string"),
    ],
)
def test_syntax_errors_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    for options in (TINY, ImportOptions()):
        with pytest.raises(InvalidSource) as caught:
            list(open_source(path, "json", options, policy=BadRecordPolicy.skip()))
        assert caught.value.line == line, (options, str(caught.value))
        assert message in str(caught.value)


def test_a_scalar_document_is_a_skippable_source(tmp_path: Path) -> None:
    path = write(tmp_path, "42")
    with pytest.raises(InvalidSource, match="not a JSON array or object"):
        list(open_source(path))
    policy = BadRecordPolicy.skip()
    assert list(open_source(path, policy=policy)) == []
    assert policy.rejected == 1


def test_non_objects_fail_fast(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"a": 1}, [1], {"b": 2}]')
    with pytest.raises(InvalidRecord, match=r"line 1: the element is not a JSON object"):
        list(open_source(path))


def test_element_over_the_cap_is_an_error_not_a_cut(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"a": 1},\n{"big": "' + "x" * 50_000 + '"}]')
    options = ImportOptions(max_record_bytes=10_000, block_size=1000)
    stream = open_source(path, options=options)
    assert next(stream).data == {"a": 1}
    with pytest.raises(InvalidSource, match="line 2: the element is longer than the limit"):
        next(stream)


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, b'[{"a": 1},\n{"a": "\xff"}]')
    with pytest.raises(InvalidSource, match="line 2: not valid UTF-8"):
        list(open_source(path, options=TINY))


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidSource, match="empty"):
        list(open_source(write(tmp_path, b"")))


def test_json_lines_in_a_json_file_are_detected(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\n{"a": 2}\n')
    assert detect_format(path) == "jsonl"
    assert [r.data for r in open_source(path)] == [{"a": 1}, {"a": 2}]
    assert detect_format(write(tmp_path, '{"a":\n 1}', "one.json")) == "json"


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.dictionaries(st.text(max_size=6), _JSON, max_size=4), max_size=10),
    indent=st.sampled_from([None, 0, 2]),
    block=st.integers(1, 64),
    ascii_only=st.booleans(),
)
def test_round_trip(
    tmp_path: Path,
    records: list[dict[str, object]],
    indent: int | None,
    block: int,
    ascii_only: bool,
) -> None:
    path = write(
        tmp_path,
        json.dumps(records, indent=indent, ensure_ascii=ascii_only).encode(
            "utf-8", "surrogatepass"
        ),
    )
    options = ImportOptions(block_size=block, sample_bytes=block)
    assert [r.data for r in open_source(path, "json", options)] == records


def test_nan_is_not_json(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"a": 1},\n{"a": NaN}]')
    with pytest.raises(InvalidSource, match="line 2: not valid JSON: NaN is not JSON"):
        list(open_source(path))


def test_utf16_json_with_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"name": "Zoë"}]'.encode("utf-16"))
    assert [r.data for r in open_source(path)] == [{"name": "Zoë"}]
