"""The scanner's and redactor's shortcuts give what their general paths give.

``scan_record`` walks a record without ``iter_strings`` and without asking
:func:`.prefilter.text_families` first; ``redact_record`` edits members of
the record itself without an edit tree; ``redact_string`` replaces a single
finding without sorting and grouping. Each is held here against the general
way of doing the same, on generated records.
"""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.datasets.pii import (
    ALL_TYPES,
    DEFAULT_TYPES,
    Action,
    Finding,
    PiiScanner,
    PiiType,
    RedactionPolicy,
    digits,
    prefilter,
    redact_record,
)
from app.core.datasets.pii.digits import _shape, candidates, candidates_by_pattern
from app.core.datasets.pii.scanner import escape_pointer, iter_strings
from app.core.datasets.records import JsonValue
from tests.unit.core.datasets.pii.test_pii_properties import FRAGMENTS, texts

KEY = bytes(range(32))
SCANNERS = [
    PiiScanner(DEFAULT_TYPES),
    PiiScanner(ALL_TYPES),
    PiiScanner(["phone", "iban"], regions=["DE"]),
    PiiScanner(["email", "secret", "ip"]),
]

long_texts = (
    st.lists(st.sampled_from([*FRAGMENTS, "lorem ipsum " * 8, " is ", "=", ":"])).map("".join)
    | texts
)
records = st.recursive(
    st.none() | st.integers() | long_texts,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b/c", "~d", "text", ""]), children, max_size=4)
    ),
    max_leaves=10,
)


def scan_record_by_strings(scanner: PiiScanner, record: JsonValue, families: int) -> list[Finding]:
    """``scan_record`` as it was: each string, asking the prefilter first when it is long."""
    findings: list[Finding] = []
    for path, text in iter_strings(record):
        if len(text) < 5:
            continue
        if scanner.prefilters:
            allowed = families & prefilter.text_families(text) if len(text) >= 80 else families
            if allowed:
                findings.extend(scanner.scan_text(text, path, allowed))
        else:
            findings.extend(scanner.scan_text(text, path))
    return findings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, st.integers(0, prefilter.ALL), st.sampled_from(range(len(SCANNERS))))
def test_record_walk_finds_what_scanning_each_string_finds(
    record: JsonValue, families: int, which: int
) -> None:
    scanner = SCANNERS[which]
    assert scanner.scan_record(record, families) == scan_record_by_strings(
        scanner, record, families
    )
    assert scanner.scan_record(record) == scan_record_by_strings(scanner, record, prefilter.ALL)


def test_a_restored_scanner_scans_alike() -> None:
    text = "Mail ann@example.com, IBAN DE89 3704 0044 0532 0130 00, ghp_" + "a1B2c3D4e5" * 4
    for scanner in SCANNERS:
        restored = pickle.loads(pickle.dumps(scanner))  # noqa: S301 (our own bytes)
        assert restored == scanner
        assert restored.scan_text(text) == scanner.scan_text(text)
        assert restored.scan_record({"t": [text]}, prefilter.EMAIL) == scanner.scan_record(
            {"t": [text]}, prefilter.EMAIL
        )


actions = st.sampled_from(list(Action))
policies = st.builds(
    RedactionPolicy,
    st.sampled_from([Action.MASK, Action.PSEUDONYMIZE, Action.KEEP, Action.DROP_FIELD]),
    st.dictionaries(st.sampled_from(list(PiiType)), actions, max_size=3),
)
objects = st.dictionaries(st.sampled_from(["a", "b/c", "~d", "text", ""]), records, max_size=4)


def _nested(finding: Finding) -> Finding:
    return Finding(
        finding.type,
        "/wrap" + finding.path,
        finding.start,
        finding.end,
        finding.value,
        finding.detector,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects, policies)
def test_editing_members_in_place_gives_what_the_edit_tree_gives(
    record: dict[str, JsonValue], policy: RedactionPolicy
) -> None:
    findings = SCANNERS[1].scan_record(record)
    direct = redact_record(record, findings, policy, record_index=3, key=KEY)
    # One level down, no finding names a member of the record itself: the general way.
    wrapped = redact_record(
        {"wrap": record}, [_nested(f) for f in findings], policy, record_index=3, key=KEY
    )
    if direct is None:
        assert wrapped is None
    else:
        assert isinstance(wrapped, dict)
        assert wrapped["wrap"] == direct


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.data(), st.sampled_from([Action.MASK, Action.PSEUDONYMIZE]))
def test_one_finding_is_replaced_as_a_group_of_one(
    text: str, data: st.DataObject, action: Action
) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    if start == end:
        return
    kind = data.draw(st.sampled_from(list(PiiType)))
    finding = Finding(kind, "/t", start, end, text[start:end], "phone:DE")
    policy = RedactionPolicy(default=action)
    alone = redact_record({"t": text}, [finding], policy, record_index=0, key=KEY)
    # Twice the same finding goes through grouping; the group's lead is that finding.
    grouped = redact_record({"t": text}, [finding, finding], policy, record_index=0, key=KEY)
    assert alone == grouped


def test_escaped_member_names_take_the_short_way() -> None:
    text = "write to ann@example.com today"
    for name in ("a/b", "~x", ""):
        record = {name: text, "n": 1}
        findings = SCANNERS[0].scan_record(record)
        assert [f.path for f in findings] == ["/" + escape_pointer(name)]
        redacted = redact_record(record, findings, RedactionPolicy(), record_index=0, key=KEY)
        assert redacted == {name: "write to [EMAIL] today", "n": 1}
        assert record[name] == text


digit_texts = st.lists(
    st.sampled_from(
        [
            *("0", "7", "12", "1234", "4111 1111 1111 1111", "-", ".", "/", "(", ")", " "),
            *("A", "z", "Q", "\u00a0", "\u202f", "x" * 60, "é", "+44 20 7946 0958", "AB123456C"),
        ]
    )
).map("".join)


@settings(max_examples=500, deadline=None)
@given(digit_texts | st.text(max_size=100))
@example("1234a5678901 1234b 1234C 12.34z9 999-9999")  # a folded match that is no candidate
def test_folded_candidate_search_finds_every_candidate(text: str) -> None:
    assert candidates(text) == candidates_by_pattern(text)
    assert candidates("x" * 64 + text) == candidates_by_pattern("x" * 64 + text)


def _shape_by_characters(run: str) -> tuple[tuple[int, ...], str, str]:
    groups = [g for g in "".join(c if c in "0123456789" else " " for c in run).split()]
    seps = "".join(dict.fromkeys(c for c in run if not c.isdigit() and c not in " \u00a0\u202f"))
    if not seps and len(groups) > 1:
        seps = " "
    return tuple(len(g) for g in groups), seps, "".join(groups)


@settings(max_examples=300, deadline=None)
@given(digit_texts | st.text(alphabet="0123456789 +-./()\u00a0\u202f²٣", max_size=30))
def test_run_shapes_read_alike(run: str) -> None:
    assert _shape(run) == _shape_by_characters(run)


def _phone_as_written_first(
    run: str, digit_string: str, shape: tuple[int, ...], seps: str, text: str, start: int
) -> str | None:
    """The phone test in its first order: the context searches before the tests of the run."""
    regions = digits_regions
    if not 7 <= len(digit_string) <= 15 or (len(shape) > 1 and shape[-1] < 2):
        return None
    before = text[max(0, start - 32) : start]
    if digits._NO_PHONE_BEFORE.search(before):
        return None
    international = run[0] == "+" or run.startswith("(+")
    if not international and run.startswith("00") and len(digit_string) >= 10:
        run, international = "+" + run[2:], True
    if not international and shape[0] == 1 and digit_string[0] != "1":
        return None
    if "." in seps and seps != ".":
        return None
    if not international and (
        (
            len(shape) == 1
            and not digits._PHONE_WORDS.search(before[digits._after_last_digit(before) :])
        )
        or (seps == "." and len(shape) == 2)
    ):
        return None
    if international:
        return digits._valid_region(run, None)
    for region in regions:
        if digits._national_format_plausible(region, digit_string):
            found = digits._valid_region(run, region)
            if found is not None:
                return found
    return None


digits_regions = ("US", "GB", "DE", "FR", "IN", "BR")
phone_texts = st.lists(
    st.sampled_from(
        [
            *("+44 20 7946 0958", "030 1234567", "(415) 555-0132", "0151 23456789", "00 49 30"),
            *("Tel. ", "order no ", "ligue ", "1", "12", "8 ", ".", "-", "/", " ", "+", "(+"),
            *("98765 43210", "11 98765-4321", "01 23 45 67 89", "3.14159", "2024-01-15"),
            *("030.1234567", "0151.23456789", "089 / 12345", "+49.30.1234567"),
        ]
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(phone_texts)
def test_phone_tests_in_any_order_say_the_same(text: str) -> None:
    for match in digits.DIGIT_RUN.finditer(text):
        run, start = match.group(), match.start()
        shape, seps, digit_string = _shape(run)
        expected = _phone_as_written_first(run, digit_string, shape, seps, text, start)
        got = digits._phone(run, digit_string, shape, seps, text, start, digits_regions)
        assert got == expected


def _read_run_by_pieces(
    text: str, start: int, end: int, out: list[tuple[int, int, PiiType, str]]
) -> None:
    """How a digit run was read before a run of one piece went straight to classification."""
    types, regions = DEFAULT_TYPES, digits_regions
    if end - start < 7:
        return
    run = text[start:end]
    if run.startswith("(+"):
        run, start = run[1:], start + 1
    after_iban = digits._IBAN_BEFORE.search(text, max(0, start - 40), start) is not None
    if not after_iban and not digits._HAS_DATE.search(run):
        found = digits._classify(text, run, start, types, regions)
        if found is not None:
            out.append((start, end, found[0], found[1]))
            return
        if " " not in run and "\u00a0" not in run and "\u202f" not in run:
            return
    pieces = [(start + p.start(), start + p.end()) for p in digits._PIECES.finditer(run)]
    if after_iban:
        while pieces and pieces[0][1] - pieces[0][0] <= 4:
            pieces.pop(0)
    part: list[tuple[int, int]] = []
    for piece in pieces:
        token = text[piece[0] : piece[1]]
        if not any(c.isdigit() for c in token) or digits._DATE.fullmatch(token):
            digits._greedy(text, part, out, types, regions)
            part = []
        else:
            part.append(piece)
    digits._greedy(text, part, out, types, regions)


run_texts = st.lists(
    st.sampled_from(
        [
            *("DE89 3704 ", "GB82 WEST 1234 ", "4111111111111111", "4111-1111-1111-1111"),
            *("192.0.2.45", "12/27", "2024-01-15", "15.01.2024", "(+49) 30 1234567"),
            *("+44 20 7946 0958", "030/1234567", "123-45-6789", "Tel. ", " ", "x ", "1 "),
            *("0151 23456789", "98765 43210", "(+33)612345678", "1234567", "12.345.678/0001-95"),
        ]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(run_texts)
def test_a_run_of_one_piece_reads_as_it_did(text: str) -> None:
    for match in digits.DIGIT_RUN.finditer(text):
        got: list[tuple[int, int, PiiType, str]] = []
        expected: list[tuple[int, int, PiiType, str]] = []
        digits._read_run(text, match.start(), match.end(), got, DEFAULT_TYPES, digits_regions)
        _read_run_by_pieces(text, match.start(), match.end(), expected)
        assert got == expected
