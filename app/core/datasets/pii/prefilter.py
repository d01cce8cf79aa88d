"""Which detector families could find anything in a text, decided at C speed.

Most records of a real dataset hold no personal data, and the scanner's
detectors cost several times the JSON parse of the same text. Each detector
family already runs only behind a cheap test of its own (an ``@`` before the
e-mail pattern, a digit candidate before the number detectors, a known prefix
before a token pattern); this module evaluates exactly those tests, up front,
so that a record with none of them is never walked, and a string with only
one (say an ``@``) runs only that family.

Two levels, both conservative (they may say "maybe" for nothing, never
"nothing" for a finding; property tests hold it on the labelled corpus and
on generated text):

- :func:`text_families` for one string: the scanner's own gates, verbatim.
- :func:`line_families` for a whole JSON Lines line that is ASCII without a
  backslash: every string value of such a line is a literal slice of it
  (no escapes), so a gate that holds for a value holds for the line. The
  line also holds keys, numbers and punctuation, which can only add a
  "maybe", except where the test looks past them: a digit candidate counts
  only inside a string (an odd number of quotes before it), colons are
  counted without the key separators. ``folded`` is the line through
  :data:`FOLD`, which makes the digit candidate pattern start with a literal
  (fast in ``re``) and lower-cases letters for the secret-name words.
"""

from __future__ import annotations

import re

from app.core.datasets.pii.digits import CANDIDATE, FOLD
from app.core.datasets.pii.digits import FOLDED_CANDIDATE as _FOLDED_CANDIDATE
from app.core.datasets.pii.tokens import ANCHORS, TRIGGER, lowered_for_anchors

EMAIL = 1
DIGITS = 2
"""Phone numbers, payment cards, IBANs, IPv4 addresses, national identifiers."""
IPV6 = 4
KNOWN_SECRETS = 8
"""Credentials with a known prefix."""
PRIVATE_KEYS = 16
ASSIGNED_SECRETS = 32
"""Values after a secret's name, Authorization headers, passwords in URLs."""
ALL = EMAIL | DIGITS | IPV6 | KNOWN_SECRETS | PRIVATE_KEYS | ASSIGNED_SECRETS
NONE = 0


def text_families(text: str) -> int:
    """The families whose gate passes for ``text`` (the scanner's gates, one by one).

    ASCII text takes the same tests through :data:`FOLD` as a whole line does
    (literal-led patterns are several times faster in ``re``).
    """
    if text.isascii():
        return _ascii_families(text, text.encode("ascii").translate(FOLD))
    families = NONE
    if "@" in text:
        families |= EMAIL
    if CANDIDATE.search(text) is not None:
        families |= DIGITS
    if "::" in text or text.count(":") >= 7:
        families |= IPV6
    if TRIGGER.search(text) is not None or "hooks.slack.com" in text:
        families |= KNOWN_SECRETS
    if "PRIVATE KEY" in text:
        families |= PRIVATE_KEYS
    if ("=" in text or ":" in text or " is " in text or "earer " in text) and (
        "uthorization" in text or "://" in text or _has_anchor(lowered_for_anchors(text))
    ):
        families |= ASSIGNED_SECRETS
    return families


def _has_anchor(lowered: str) -> bool:
    return any(anchor in lowered for anchor in ANCHORS)


_UNDERSCORE_PREFIX = re.compile(
    r"_(?:(?<=gh[pousr]_)|(?<=hf_)|(?<=npm_)|(?<=_pat_)|(?<=k_live_)|(?<=k_test_))"
)
_DASH_PREFIX = re.compile(r"-(?:(?<=glpat-)|(?<=xox[abposre]-)|(?<=sk-))")
_A_PREFIX = re.compile(r"A(?=KIA|SIA|GPA|IDA|ROA|NPA|Iza)")
_FOLDED_ANCHORS = tuple(anchor.encode("ascii") for anchor in ANCHORS)


def line_families(line: str, folded: bytes, keys: int = -1) -> int:
    """The families that could find anything in the string values of ``line``.

    ``line`` must be ASCII without a backslash (the caller checks), ``folded``
    its bytes through :data:`FOLD`; ``keys``, when known, the number of keys
    of the line's top-level object.
    """
    # One separator per top-level key: then there is no nested key and no colon in a string.
    # Else each key is followed by '":' (a value starting with ':' is counted too, but a colon
    # at a string's first position helps no detector that needs one).
    colons = line.count(":")
    inner_colons = 0 if colons in (keys, 0) else colons - line.count('":')
    return _ascii_families(line, folded, inner_colons, in_json=True)


def json_families(data: bytes, keys: int = -1) -> int:
    """:func:`line_families` for a record's compact JSON bytes, or :data:`ALL` when they are
    not ASCII or hold an escape.

    Made for bytes the record was encoded to anyway (RFC 8785 canonical JSON,
    say, after normalisation took the line breaks out of a line that had
    them escaped), so that such a record too is scanned only for the families
    that could find something. ``keys`` is as for :func:`line_families`.
    """
    if not data.isascii() or b"\\" in data:
        return ALL
    return line_families(data.decode("ascii"), data.translate(FOLD), keys)


def _ascii_families(
    line: str, folded: bytes, inner_colons: int | None = None, *, in_json: bool = False
) -> int:
    families = NONE
    if "@" in line:
        families |= EMAIL
    if _candidate_in_string(folded) if in_json else _FOLDED_CANDIDATE.search(folded):
        families |= DIGITS
    if inner_colons is None:
        inner_colons = line.count(":")
    if inner_colons >= 7 or (inner_colons and "::" in line):
        families |= IPV6
    if _known_prefix(line):
        families |= KNOWN_SECRETS
    if "PRIVATE KEY" in line:
        families |= PRIVATE_KEYS
    if ("=" in line or inner_colons > 0 or b" is " in folded or b"earer " in folded) and (
        "uthorization" in line
        or "://" in line
        or any(anchor in folded for anchor in _FOLDED_ANCHORS)
    ):
        families |= ASSIGNED_SECRETS
    return families


def _candidate_in_string(folded: bytes) -> bool:
    match = _FOLDED_CANDIDATE.search(folded)
    while match is not None:
        start = match.start()
        if folded.count(b'"', 0, start) & 1:
            return True  # inside a string (a number token has an even count before it)
        match = _FOLDED_CANDIDATE.search(folded, match.end())
    return False


def _known_prefix(line: str) -> bool:
    return (
        ("_" in line and _UNDERSCORE_PREFIX.search(line) is not None)
        or ("-" in line and _DASH_PREFIX.search(line) is not None)
        or ("A" in line and _A_PREFIX.search(line) is not None)
        or ("J" in line and "eyJ" in line)
        or ("G" in line and "SG." in line)
        or "hooks.slack.com" in line
    )


known_prefix = _known_prefix
"""Whether a text holds a credential prefix: every trigger of ``tokens.find_secrets`` passes."""

_SIXTEEN = b"0000000000000000"


def long_digit_run(folded: bytes) -> bool:
    """Whether a folded line has 16 digits in a row outside its strings.

    An integer beyond I-JSON's +-(2^53 - 1) has that many; in a string (a
    card number, an IBAN) they do not matter to the encoding.
    """
    at = folded.find(_SIXTEEN)
    while at >= 0:
        if not folded.count(b'"', 0, at) & 1:
            return True
        at = folded.find(b'"', at)  # the string's end: the run cannot go past it
        if at < 0:
            return True  # no closing quote: not JSON the fast lane should trust
        at = folded.find(_SIXTEEN, at)
    return False


__all__ = [
    "ALL",
    "ASSIGNED_SECRETS",
    "DIGITS",
    "EMAIL",
    "FOLD",
    "IPV6",
    "KNOWN_SECRETS",
    "NONE",
    "PRIVATE_KEYS",
    "json_families",
    "known_prefix",
    "line_families",
    "long_digit_run",
    "text_families",
]
