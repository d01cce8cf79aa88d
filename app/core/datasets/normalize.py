"""Text normalisation: one spelling for what a reader sees as the same text.

Two records that differ only in how an accent was encoded, in CRLF against LF,
or in a double space are duplicates to a reader; after normalisation they are
duplicates to the exact-duplicate detector and hash the same in the
commitment. The steps are conservative: Unicode NFC (canonical composition,
never the compatibility forms of NFKC, which change meaning: "x²" would
become "x2"), line endings to LF, surrounding whitespace trimmed; a value on
one line has its runs of whitespace collapsed to one space, a value on
several lines keeps its indentation and paragraph breaks, losing only
trailing spaces and runs of more than one blank line.

Normalisation is idempotent: normalising twice gives what normalising once
gave (a property test holds it). Only string values change; keys, numbers
and the shape of the record never do. Rules are per column (top-level key),
and a column can be left alone entirely (``None``), say an identifier or a
code sample.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.datasets.records import JsonObject, JsonValue

_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
_SPACE_RUN = re.compile(r"\s{2,}|[^\S ]")
_TRAILING = re.compile(r"[^\S\n\r]+(?=\n|\Z)")
_BLANK_RUN = re.compile(r"\n{3,}")
_PRINTABLE = bytes(range(0x20, 0x7F))
"""Printable ASCII: what is left of an ASCII text without it is control characters."""
_NOT_LINE_BREAK_SPACE = (
    "\t\x0b\x0c\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every character ``str.isspace`` (and ``re``'s ``\\s``) counts but LF and CR: ``[^\\S\\n\\r]``."""


@dataclass(frozen=True, slots=True)
class TextRules:
    """How the strings of one column are normalised.

    ``collapse_spaces`` applies to values on one line (runs of whitespace
    become one space); ``tidy_lines`` to values on several (trailing spaces
    go, at most one blank line in a row stays).
    """

    nfc: bool = True
    line_endings: bool = True
    trim: bool = True
    collapse_spaces: bool = True
    tidy_lines: bool = True


DEFAULT_RULES = TextRules()


@dataclass(frozen=True)
class NormalizeOptions:
    """Rules for every column: ``columns`` overrides ``default`` by top-level key.

    A rule of ``None`` leaves the column (or, as ``default``, every column
    not named) exactly as imported.
    """

    default: TextRules | None = DEFAULT_RULES
    columns: Mapping[str, TextRules | None] = field(default_factory=dict)

    def rules_for(self, column: str) -> TextRules | None:
        if column in self.columns:
            return self.columns[column]
        return self.default

    def steps(self) -> tuple[str, ...]:
        """The steps in words, for the dataset card and the report."""
        described: list[str] = []
        if self.default is not None:
            described.extend(_describe(self.default))
        for column, rules in sorted(self.columns.items()):
            if rules is None:
                described.append(f"column {column!r} left as imported")
            elif rules != self.default:
                described.append(f"column {column!r}: " + ", ".join(_describe(rules) or ["none"]))
        return tuple(described)


DEFAULT_OPTIONS = NormalizeOptions()


def normalize_text(text: str, rules: TextRules = DEFAULT_RULES) -> str:
    """``text`` normalised by ``rules``; the same object back when nothing changes.

    The rules are spelled as regular expressions in :func:`normalize_text_by_patterns`;
    this is the same function with each step done by ``str`` methods where they
    give the same result (a property test holds the two equal), because the
    patterns have no literal to search for and ``re`` tries them at every
    character: a kilobyte of text with one double space cost tens of
    microseconds to collapse, ``split`` and ``join`` a few.
    """
    ascii_only = text.isascii()
    if rules.line_endings and ("\r" in text or (not ascii_only and _has_unicode_break(text))):
        # Each CR becomes LF and an LF after a CR goes: what _LINE_BREAKS does.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not ascii_only:
            text = text.replace("\x85", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    if rules.nfc and not ascii_only and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if rules.trim:
        text = text.strip()
    if "\n" in text or "\r" in text:
        if rules.tidy_lines:
            text = _tidy_lines(text)
    elif rules.collapse_spaces and (not ascii_only or "  " in text or not text.isprintable()):
        # Printable ASCII without a double space has no run to collapse.
        if rules.trim and ascii_only and not text.encode("ascii").translate(None, _PRINTABLE):
            # Spaces are the only whitespace, none at either end: halve the runs till none is left.
            while "  " in text:
                text = text.replace("  ", " ")
        elif rules.trim:
            # No whitespace at either end: each run between words becomes one space.
            collapsed = " ".join(text.split())
            if collapsed != text:
                text = collapsed
        else:
            text = _SPACE_RUN.sub(" ", text)
    return text


def _tidy_lines(text: str) -> str:
    """Trailing whitespace off each line, runs of blank lines down to one."""
    lines = text.split("\n")
    tidy = [line.rstrip(_NOT_LINE_BREAK_SPACE) for line in lines]
    if tidy != lines:
        text = "\n".join(tidy)
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text


def normalize_text_by_patterns(text: str, rules: TextRules = DEFAULT_RULES) -> str:
    """:func:`normalize_text` as the rules' regular expressions spell it (the reference)."""
    ascii_only = text.isascii()
    if rules.line_endings and ("\r" in text or (not ascii_only and _has_unicode_break(text))):
        text = _LINE_BREAKS.sub("\n", text)
    if rules.nfc and not ascii_only and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if rules.trim:
        text = text.strip()
    if "\n" in text or "\r" in text:
        if rules.tidy_lines:
            text = _TRAILING.sub("", text)
            if "\n\n\n" in text:
                text = _BLANK_RUN.sub("\n\n", text)
    elif rules.collapse_spaces:
        text = _SPACE_RUN.sub(" ", text)
    return text


def normalize_value(value: JsonValue, rules: TextRules = DEFAULT_RULES) -> JsonValue:
    """Every string inside ``value`` normalised; other values as they are."""
    if isinstance(value, str):
        return normalize_text(value, rules)
    if isinstance(value, list):
        return [normalize_value(item, rules) for item in value]
    if isinstance(value, dict):
        return {key: normalize_value(item, rules) for key, item in value.items()}
    return value


def normalize_record(record: JsonObject, options: NormalizeOptions = DEFAULT_OPTIONS) -> JsonObject:
    """A new record with each column normalised by its rules; the input is not changed."""
    out: JsonObject = {}
    default = options.default
    columns = options.columns
    for key, value in record.items():
        rules = columns.get(key, default)
        if rules is None or value is None or isinstance(value, bool | int | float):
            out[key] = value
        elif isinstance(value, str):
            out[key] = normalize_text(value, rules)
        else:
            out[key] = normalize_value(value, rules)
    return out


def _has_unicode_break(text: str) -> bool:
    return "\x85" in text or "\u2028" in text or "\u2029" in text


def _describe(rules: TextRules) -> list[str]:
    steps = []
    if rules.nfc:
        steps.append("Unicode NFC")
    if rules.line_endings:
        steps.append("line endings to LF")
    if rules.trim:
        steps.append("surrounding whitespace trimmed")
    if rules.collapse_spaces:
        steps.append("runs of whitespace collapsed in single-line values")
    if rules.tidy_lines:
        steps.append("trailing spaces and extra blank lines removed in multi-line values")
    return steps
