"""Pattern detectors for e-mail addresses, IBANs, letter-led national identifiers and IP addresses.

Every detector is a compiled regex whose first character class lets ``re``
skip most of a text in C, followed by a validator that runs only on the few
candidates: the IBAN's country length and mod-97 check, ``ipaddress`` for IP
addresses, the HMRC prefix rules for NI numbers. The scanner calls a detector
only when a cheap test says it can match (an ``@`` for e-mail, a ``:`` for
IPv6).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from app.core.datasets.pii.checksums import IBAN_LENGTHS, iban_valid
from app.core.datasets.pii.national import LETTER_IDS
from app.core.datasets.pii.types import PiiType, Raw

Span = tuple[int, int]


def windows(spans: Sequence[Span], before: int, after: int, length: int) -> list[Span]:
    """``spans`` widened by ``before`` and ``after`` characters, overlapping ones merged."""
    merged: list[Span] = []
    for start, end in spans:
        start, end = max(0, start - before), min(length, end + after)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


EMAIL = re.compile(
    r"(?<![\w.%+'\-])(?=[\w.%+'\-]{1,64}@)"
    r"[^\W_][\w%+'\-]*(?:\.[\w%+'\-]+)*"
    r"@(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?P<tld>[^\W\d_]{2,63})"
    r"(?![\w\-]|\.[^\W_])"
)
"""An address whose domain has a dot and a letters-only last label; Unicode allowed (RFC 6531)."""

_NOT_TLDS = frozenset(  # "icon@2x.png" is a file name
    ("png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "psd", "heic")
)

IBAN = re.compile(
    r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?:[ \u00a0]?[A-Z0-9]){10,30}(?![a-z0-9])"
)
"""A country code, two check digits and 10 to 30 more characters, maybe grouped by spaces.

Not glued to a letter or digit before it: tested after its first letter, so
that the pattern starts with a character class, which ``re`` skips to in C
(a lookbehind first is tried at every position of the window)."""
_IBAN_UNITS = {
    length: re.compile(rf"(?:[ \u00a0]?[A-Z0-9]){{{length - 4}}}")
    for length in set(IBAN_LENGTHS.values())
}
"""After an IBAN's first four characters, its other ``length - 4``, each maybe after a space."""

IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![\w]|\.[0-9])"
)
_VERSION_BEFORE = re.compile(r"(?i)\b(?:version|ver\.|release|build|v)\s*$")

IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?:(?<=:)[0-9.]{7,15})?(?![\w:]|\.[0-9])"
)
_HEX_GROUP = re.compile(r"[0-9A-Fa-f]{3,4}")


_DOMAIN_RUN = re.compile(r"[\w.\-]*")
_LOCAL_MAX = 64
_LOCAL_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.%+'-"
"""The ASCII characters of ``[\\w.%+'\\-]``, the local part's class in :data:`EMAIL`."""
_LOCAL_CHAR = re.compile(r"[\w.%+'\-]")


def find_emails(text: str, out: list[Raw]) -> None:
    """Append the e-mail addresses in ``text`` to ``out``.

    :data:`EMAIL` has no literal start, so ``re`` would try it at every
    character; it is searched only around each ``@`` instead: an address
    starts at most 64 characters before its ``@`` and ends inside the run of
    domain characters after it (plus the two its last check looks at). A
    property test holds this equal to ``EMAIL.finditer`` over the whole text.
    """
    at = text.find("@")
    done = 0  # where the last address ended: the next cannot start before
    while at >= 0:
        if at >= done:
            run = _DOMAIN_RUN.match(text, at + 1)
            stop = min(len(text), (run.end() if run else at + 1) + 2)
            match = _email_before(text, at, max(done, at - _LOCAL_MAX), stop)
            if match is not None:
                done = match.end()
                if match.group("tld").lower() not in _NOT_TLDS:
                    out.append((match.start(), match.end(), PiiType.EMAIL, "email"))
        at = text.find("@", at + 1)


def _email_before(text: str, at: int, low: int, stop: int) -> re.Match[str] | None:
    """``EMAIL.search(text, low, stop)`` for the ``@`` at ``at``, tried only where it can start.

    The search can only find an address whose local part is the run of
    local-part characters right before this ``@`` (its lookbehind rules out a
    start inside the run, an earlier ``@`` was searched for already, and
    ``stop`` is too close for a later one), so the pattern is matched at the
    start of that run instead of tried, lookahead and all, at each of up to
    64 places.
    """
    head = text[low:at]
    if not head.isascii():
        return EMAIL.search(text, low, stop)
    start = low + len(head.rstrip(_LOCAL_ASCII))
    if start == at or (start == low and low and _LOCAL_CHAR.match(text, low - 1)):
        return None  # no local part, or one that starts before ``low`` (too long, or taken)
    return EMAIL.match(text, start, stop)


def find_ibans(text: str, out: list[Raw], windows: Sequence[Span]) -> None:
    """Append the IBANs (right length for their country, mod-97 valid) in ``text`` to ``out``.

    The pattern may run past the end of an IBAN into a following code ("... 00
    BIC COBADEFF"); the country's length says where it really ends, and the
    search resumes there so a second IBAN right after is not swallowed. Only
    ``windows`` (spans around digit candidates) are searched.
    """
    for window_start, window_end in windows:
        _find_ibans_in(text, out, window_start, window_end)


def _find_ibans_in(text: str, out: list[Raw], position: int, stop: int) -> None:
    while (match := IBAN.search(text, position, stop)) is not None:
        start = match.start()
        length = IBAN_LENGTHS.get(text[start : start + 2])
        position = start + 1
        if length is None:
            continue
        match_end = match.end()
        if " " in text[start:match_end] or "\u00a0" in text[start:match_end]:
            # The match is units of an optional space and a character: the pattern of
            # ``length - 4`` of them ends where the IBAN does, if the match holds that many.
            units = _IBAN_UNITS[length].match(text, start + 4, match_end)
            if units is None:
                continue
            end, taken = units.end(), length
        else:  # written without spaces: one character a place
            end = min(start + length, match_end)
            taken = end - start
        if taken < length or (end < len(text) and text[end].isalnum()):
            continue
        compact = text[start:end].replace(" ", "").replace("\u00a0", "")
        if iban_valid(compact):
            out.append((start, end, PiiType.IBAN, f"iban:{compact[:2]}"))
            position = end


def find_letter_ids(text: str, out: list[Raw], windows: Sequence[Span]) -> None:
    """Append UK NI numbers and Indian PANs in the ``windows`` of ``text`` to ``out``."""
    for window_start, window_end in windows:
        for match in LETTER_IDS.finditer(text, window_start, window_end):
            detector = "national_id:GB-NINO" if match.group("ni") else "national_id:IN-PAN"
            out.append((match.start(), match.end(), PiiType.NATIONAL_ID, detector))


def find_ipv4(text: str, out: list[Raw], spans: Sequence[Span]) -> None:
    """Append the IPv4 addresses in the candidate ``spans`` of ``text`` to ``out``.

    Versions ("version 1.2.3.4") are left out.
    """
    for span_start, span_end in spans:
        if "." not in text[span_start:span_end]:
            continue
        for match in IPV4.finditer(text, span_start, span_end + 1):
            start = match.start()
            if not _VERSION_BEFORE.search(text, max(0, start - 10), start):
                out.append((start, match.end(), PiiType.IP, "ip:v4"))


def find_ipv6(text: str, out: list[Raw]) -> None:
    """Append the IPv6 addresses in ``text`` to ``out``.

    ``ipaddress`` decides validity; a valid address must also have a group of
    three or four hex digits (``::1`` aside), so that a slice like ``a[10::20]``
    or a clock time is not an address.
    """
    for match in IPV6.finditer(text):
        candidate = match.group()
        if candidate.count(":") < 7 and "::" not in candidate:
            continue
        if candidate != "::1" and not _HEX_GROUP.search(candidate):
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        out.append((match.start(), match.end(), PiiType.IP, "ip:v6"))
