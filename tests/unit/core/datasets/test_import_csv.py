"""CSV and TSV import: dialects, encodings, ragged rows, caps, round trips."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core.datasets.importers import ImportOptions, open_source
from app.core.datasets.records import (
    BadRecordPolicy,
    EncodingUnsure,
    ImportedRecord,
    InvalidRecord,
    InvalidSource,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"


def rows(path: Path, **kwargs: object) -> list[dict[str, object]]:
    return [record.data for record in open_source(path, **kwargs)]  # type: ignore[arg-type]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_shipped_csv_sniffs_semicolons_quotes_and_multiline_fields() -> None:
    stream = open_source(FIXTURES / "people.csv")
    records = list(stream)
    assert [r.data for r in records] == [
        {"name": "Ada Lovelace", "city": "London", "note": 'wrote the first "program"; 1843'},
        {"name": "José", "city": "Málaga", "note": "two\r\nlines"},
    ]
    assert [r.location.line for r in records] == [2, 3]
    assert [r.location.index for r in records] == [0, 1]
    info = stream.sources[0]
    assert (info.format, info.encoding, info.delimiter) == ("csv", "utf-8", ";")


def test_utf16_with_bom_is_detected() -> None:
    stream = open_source(FIXTURES / "people_utf16.tsv")
    assert [r.data for r in stream] == [
        {"name": "Ada", "city": "London"},
        {"name": "José", "city": "Málaga"},
    ]
    assert stream.sources[0].encoding == "utf-16"


def test_latin1_only_when_chosen() -> None:
    path = FIXTURES / "people_latin1.csv"
    with pytest.raises(EncodingUnsure) as caught:
        list(open_source(path))
    assert caught.value.line == 2
    assert "--encoding" in str(caught.value)
    assert rows(path, options=ImportOptions(encoding="latin-1")) == [
        {"name": "José", "city": "Málaga"},
        {"name": "Zoë", "city": "Köln"},
    ]


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbfid,text\n1,hello\n")
    assert rows(path) == [{"id": "1", "text": "hello"}]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [delimiter.join(["id", "name", "city"])]
    lines += [delimiter.join([str(n), f"person {n}", f"town {n}"]) for n in range(20)]
    path = write(tmp_path, "data.csv", ("\n".join(lines) + "\n").encode())
    result = rows(path)
    assert len(result) == 20
    assert result[3] == {"id": "3", "name": "person 3", "city": "town 3"}


def test_tsv_uses_tabs_even_when_commas_abound(tmp_path: Path) -> None:
    path = write(tmp_path, "data.tsv", b"a\tb\nx, y, z\t1, 2\n")
    assert rows(path) == [{"a": "x, y, z", "b": "1, 2"}]


def test_user_choice_overrides_sniffing(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", b"a;b,c\n1;2,3\n")
    assert rows(path, options=ImportOptions(delimiter=";")) == [{"a": "1", "b,c": "2,3"}]
    assert rows(path, options=ImportOptions(delimiter=",")) == [{"a;b": "1;2", "c": "3"}]


def test_header_names_are_made_unique_and_non_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", b"a,,a,a\n1,2,3,4\n")
    assert rows(path) == [{"a": "1", "column_2": "2", "a_2": "3", "a_3": "4"}]


def test_without_header_columns_are_numbered(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", b"1,2\n3,4\n")
    assert rows(path, options=ImportOptions(header=False)) == [
        {"column_1": "1", "column_2": "2"},
        {"column_1": "3", "column_2": "4"},
    ]


def test_blank_lines_are_skipped_and_values_stay_strings(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", b"n,x\n\n007,\n\n1.50,true\n")
    records = list(open_source(path))
    assert [r.data for r in records] == [{"n": "007", "x": ""}, {"n": "1.50", "x": "true"}]
    assert [r.location.line for r in records] == [3, 5]


def test_ragged_rows_fail_fast_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ragged.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n")
    with pytest.raises(InvalidRecord) as caught:
        list(open_source(path))
    assert str(caught.value).startswith(f"{path}, line 3: the row has 2 fields, the header has 3")


def test_ragged_rows_are_reported_when_skipping(tmp_path: Path) -> None:
    path = write(tmp_path, "ragged.csv", b"a,b\n1,2\n3,4,5\n6\n7,8\n")
    policy = BadRecordPolicy.skip()
    assert rows(path, policy=policy) == [{"a": "1", "b": "2"}, {"a": "7", "b": "8"}]
    report = policy.report()
    assert [(r.location.line, r.reason) for r in report.details] == [
        (3, "the row has 3 fields, the header has 2"),
        (4, "the row has 1 fields, the header has 2"),
    ]


def test_invalid_utf8_rejects_only_its_record(tmp_path: Path) -> None:
    """Past the sample the encoding is settled: a bad byte rejects its record only."""
    path = write(tmp_path, "bad.csv", b'a,b\n1,ok\n2,"multi\nline \xff"\n3,fine\n')
    policy = BadRecordPolicy.skip()
    options = ImportOptions(sample_bytes=8)
    assert rows(path, policy=policy, options=options) == [
        {"a": "1", "b": "ok"},
        {"a": "3", "b": "fine"},
    ]
    (rejected,) = policy.report().details
    assert rejected.location.line == 4
    assert "not valid UTF-8" in rejected.reason
    assert "\xff" not in rejected.reason


def test_invalid_utf8_in_the_sample_asks_then_utf8_chosen_rejects_records(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", b"a,b\n1,ok\n2,\xff\n3,fine\n")
    with pytest.raises(EncodingUnsure):
        list(open_source(path))
    policy = BadRecordPolicy.skip()
    options = ImportOptions(encoding="utf-8")
    assert rows(path, policy=policy, options=options) == [
        {"a": "1", "b": "ok"},
        {"a": "3", "b": "fine"},
    ]
    assert policy.report().details[0].location.line == 3


def test_overlong_line_is_rejected_never_cut(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", b"a,b\n1,2\n3," + b"x" * 5000 + b"\n5,6\n")
    options = ImportOptions(max_record_bytes=1024, block_size=256, sample_bytes=64)
    with pytest.raises(InvalidRecord) as caught:
        list(open_source(path, options=options))
    assert "line 3: the line is longer than the limit of 1 KiB" in str(caught.value)
    policy = BadRecordPolicy.skip()
    assert rows(path, options=options, policy=policy) == [
        {"a": "1", "b": "2"},
        {"a": "5", "b": "6"},
    ]
    assert policy.rejected == 1


def test_unclosed_quote_stops_at_the_cap_naming_where_it_began(tmp_path: Path) -> None:
    body = b'a,b\n1,2\n3,"never closed\n' + b"more text\n" * 500
    path = write(tmp_path, "quote.csv", body)
    options = ImportOptions(max_record_bytes=1024, block_size=256, sample_bytes=64)
    with pytest.raises(InvalidSource) as caught:
        list(open_source(path, options=options, policy=BadRecordPolicy.skip()))
    assert caught.value.line == 3
    assert "quote" in str(caught.value)


def test_large_fields_beyond_csv_default_limit(tmp_path: Path) -> None:
    big = "y" * 300_000
    path = write(tmp_path, "big.csv", f'a,b\n1,"{big}"\n'.encode())
    assert rows(path) == [{"a": "1", "b": big}]


def test_nul_past_the_sample_is_data_not_a_cut(tmp_path: Path) -> None:
    """Only the sample decides "binary"; later a NUL is a character like any other."""
    path = write(tmp_path, "nul.csv", b"a,b\n" + b"1,2\n" * 20_000 + b"3,\x004\n5,6\n")
    result = rows(path)
    assert len(result) == 20_002
    assert result[-2] == {"a": "3", "b": "\x004"}


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.csv", b"")
    with pytest.raises(InvalidSource, match="the file is empty"):
        list(open_source(path))


def test_header_only_has_no_records(tmp_path: Path) -> None:
    assert rows(write(tmp_path, "h.csv", b"a,b\n")) == []


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "garbage.csv", bytes(range(256)) * 64)
    with pytest.raises(InvalidSource, match="binary"):
        list(open_source(path))


@pytest.mark.skipif(
    not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
    reason="root reads any file",
)
def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.csv", b"a\n1\n")
    path.chmod(0)
    with pytest.raises(InvalidSource, match="permission denied"):
        list(open_source(path))


_CELL = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n\r"), max_size=12
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=st.integers(1, 4).flatmap(
        lambda width: st.lists(st.lists(_CELL, min_size=width, max_size=width), max_size=8)
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_round_trip_through_csv_writer(
    tmp_path: Path,
    table: list[list[str]],
    delimiter: str,
    quoting: int,
    terminator: str,
    encoding: str,
) -> None:
    # csv.writer leaves a bare CR unquoted when the line terminator has none:
    # its output is then ambiguous to any reader.
    assume(
        quoting == csv.QUOTE_ALL
        or "\r" in terminator
        or not any("\r" in c for r in table for c in r)
    )
    width = len(table[0]) if table else 1
    header = [f"col{n}" for n in range(width)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(table)
    path = tmp_path / "round.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    options = ImportOptions(delimiter=delimiter, block_size=64, sample_bytes=32)
    result = [r.data for r in open_source(path, "csv", options)]
    expected = [dict(zip(header, row, strict=True)) for row in table]
    assert result == expected


def test_locations_are_dense_and_increasing(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", b"a\n" + b"".join(b"%d\n" % n for n in range(1000)))
    records: list[ImportedRecord] = list(open_source(path, options=ImportOptions(block_size=100)))
    assert [r.location.index for r in records] == list(range(1000))
    assert [r.location.line for r in records] == list(range(2, 1002))


def test_bare_carriage_return_in_a_field_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "cr.csv", b"a,b\n1,2\nx\ry,z\n3,4\n")
    policy = BadRecordPolicy.skip()
    assert rows(path, policy=policy) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    (rejected,) = policy.report().details
    assert rejected.location.line == 3
    assert "CR-only line endings" in rejected.reason
    assert "universal-newline" not in rejected.reason


def test_broken_utf16_names_the_line(tmp_path: Path) -> None:
    good = "a\tb\n1\t2\n3\t4\n".encode("utf-16-le")
    lone_surrogate = b"\x00\xd8x\x00"
    path = write(tmp_path, "u.tsv", b"\xff\xfe" + good + lone_surrogate + "\n".encode("utf-16-le"))
    with pytest.raises(InvalidSource, match=r"line 4: the text is not valid utf-16"):
        list(open_source(path, options=ImportOptions(sample_bytes=8, block_size=6)))
    odd = write(tmp_path, "odd.tsv", b"\xff\xfe" + good + b"\x00")
    with pytest.raises(InvalidSource, match=r"line 4: the text is not valid utf-16"):
        list(open_source(odd))


def test_control_characters_mean_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "ctl.csv", bytes(range(1, 9)) * 100)
    with pytest.raises(InvalidSource, match="binary"):
        list(open_source(path))
