"""Normalisation: NFC, whitespace, line endings, per column; idempotent."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import normalize as normalize_module
from app.core.datasets.normalize import (
    DEFAULT_OPTIONS,
    NormalizeOptions,
    TextRules,
    normalize_record,
    normalize_text,
    normalize_text_by_patterns,
    normalize_value,
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("  hello   world\t ", "hello world"),
        ("a\u00a0\u2003b", "a b"),
        ("e\u0301te\u0301", "\u00e9t\u00e9"),
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("para one  \n\n\n\n  indented para\t\n", "para one\n\n  indented para"),
        ("  \n  ", ""),
        ("x\u00b2 \ufb01", "x\u00b2 \ufb01"),  # NFC, not NFKC: no compatibility folding
        ("already fine", "already fine"),
    ],
)
def test_examples(before: str, after: str) -> None:
    assert normalize_text(before) == after


def test_unchanged_text_is_the_same_object() -> None:
    text = "plain text, nothing to do"
    assert normalize_text(text) is text


def test_rules_switch_steps_off() -> None:
    text = " e\u0301  x \r\n"
    assert normalize_text(text, TextRules(nfc=False)) == "e\u0301 x"
    assert normalize_text(text, TextRules(trim=False)) == " \u00e9  x\n"
    assert normalize_text(text, TextRules(line_endings=False, trim=False)) == " \u00e9  x \r\n"
    assert normalize_text("a  b", TextRules(collapse_spaces=False)) == "a  b"
    assert normalize_text("a \n\n\n\nb", TextRules(tidy_lines=False)) == "a \n\n\n\nb"


def test_records_per_column_and_nested_values() -> None:
    options = NormalizeOptions(
        columns={"code": TextRules(trim=False, collapse_spaces=False), "id": None}
    )
    record = {
        "text": "  hi  there ",
        "code": "  x  = 1",
        "id": "  A1  ",
        "n": 3,
        "ok": True,
        "none": None,
        "tags": [" a ", {"deep": "b  c"}],
    }
    assert normalize_record(record, options) == {
        "text": "hi there",
        "code": "  x  = 1",
        "id": "  A1  ",
        "n": 3,
        "ok": True,
        "none": None,
        "tags": ["a", {"deep": "b c"}],
    }
    assert record["text"] == "  hi  there "
    assert normalize_record({"k  ": " v "}) == {"k  ": "v"}


def test_default_none_leaves_unnamed_columns() -> None:
    options = NormalizeOptions(default=None, columns={"text": TextRules()})
    assert normalize_record({"text": " a ", "other": " b "}, options) == {
        "text": "a",
        "other": " b ",
    }


def test_steps_in_words() -> None:
    steps = DEFAULT_OPTIONS.steps()
    assert "Unicode NFC" in steps
    assert "line endings to LF" in steps
    custom = NormalizeOptions(columns={"id": None, "code": TextRules(trim=False)}).steps()
    assert "column 'id' left as imported" in custom
    assert any(step.startswith("column 'code': Unicode NFC") for step in custom)


def test_whitespace_classes_agree_with_str_isspace() -> None:
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert {c for c in spaces if re.fullmatch(r"\s", c)} == spaces
    for char in spaces:
        assert normalize_text(f"a{char}{char}b") in ("a b", "a\nb", "a\n\nb", f"a{char}{char}b")


_TEXT = st.text(
    st.sampled_from(
        [
            *list("ab e"),
            "́",
            "̧",
            "é",
            "\t",
            "\n",
            "\r",
            "\xa0",
            "\u2000",
            "\u2028",
            "\u2029",
            "\x85",
            "\x1c",
            "\u3000",
            "ﬁ",
            "ẛ",
            "̣",
        ]
    )
    | st.characters(blacklist_categories=("Cs",)),
    max_size=40,
)
_RULES = st.builds(
    TextRules, st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans()
)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, rules=_RULES)
def test_idempotent(text: str, rules: TextRules) -> None:
    once = normalize_text(text, rules)
    assert normalize_text(once, rules) == once


@settings(max_examples=200, deadline=None)
@given(text=_TEXT)
def test_default_output_properties(text: str) -> None:
    out = normalize_text(text)
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out
    assert out == out.strip()
    assert "\n\n\n" not in out
    if "\n" not in out:
        assert "  " not in out


@settings(max_examples=100, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | _TEXT,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        ),
        max_leaves=8,
    )
)
def test_values_idempotent(value: object) -> None:
    once = normalize_value(value)  # type: ignore[arg-type]
    assert normalize_value(once) == once


@settings(max_examples=600, deadline=None)
@given(text=_TEXT, rules=_RULES)
def test_string_methods_give_what_the_patterns_give(text: str, rules: TextRules) -> None:
    expected = normalize_text_by_patterns(text, rules)
    got = normalize_text(text, rules)
    assert got == expected
    assert (got is text) == (expected is text)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["a", "b", ".", " ", "  ", " \r\n", "\t", "\n", "\r", "\x0b", "\x1f", "\xa0"]
        )
    ).map("".join)
)
def test_string_methods_on_mostly_ascii_whitespace(text: str) -> None:
    for rules in (TextRules(), TextRules(trim=False), TextRules(line_endings=False)):
        assert normalize_text(text, rules) == normalize_text_by_patterns(text, rules)


def test_line_break_space_set_is_what_the_pattern_means() -> None:
    every = (chr(c) for c in range(sys.maxunicode + 1))
    assert (
        "".join(c for c in every if re.fullmatch(r"[^\S\n\r]", c))
        == normalize_module._NOT_LINE_BREAK_SPACE
    )
