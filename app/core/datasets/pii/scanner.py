"""The scanner: every enabled detector over every string of a record, overlaps resolved.

:class:`PiiScanner` is plain data (the enabled types and the phone regions),
so it pickles in a few bytes and each worker process rebuilds nothing: the
compiled patterns are module globals, made once per process on import.

Speed comes from doing nothing for most text. Strings shorter than any
finding are skipped; each detector runs only when a cheap test says it can
match (``"@" in text`` before the e-mail pattern, a prefix like ``ghp_``
before a GitHub token pattern); the digit detectors share one scan that finds
candidate numbers, and only the candidates that survive length and shape
tests reach a checksum or ``phonenumbers``. docs/pii-evaluation.md has the
throughput measured on a text-heavy record mix.

A record is walked once. Each string runs the gates of the families its
caller left (a line prefilter's answer narrows them to what the line could
hold) and of the enabled types, which the scanner folds into one integer
of bits (``_plan``) when it is made, so a string costs a few bit tests and
the gates themselves; a gate's work is kept for its detector (the digit candidates
are the spans the number detectors search). When one family is left (nearly
every record with personal data: an e-mail address, a number, a token), its
gate alone is tested on each string, a ``str`` test or one regex search in C,
and the other strings of the record (title, tags, language) never reach
:meth:`PiiScanner.raw_findings`.

When two findings overlap, the one from the more specific detector wins (a
checksum-validated IBAN over the phone number its digits also spell), and
among equals the longer one.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from app.core.datasets.pii import prefilter, tokens
from app.core.datasets.pii.detectors import (
    find_emails,
    find_ibans,
    find_ipv4,
    find_ipv6,
    find_letter_ids,
    windows,
)
from app.core.datasets.pii.digits import Span, candidates, find_digit_runs
from app.core.datasets.pii.names import find_addresses, find_names
from app.core.datasets.pii.tokens import find_secrets
from app.core.datasets.pii.types import DEFAULT_TYPES, PRIORITY, Finding, PiiType, Raw
from app.core.datasets.records import JsonValue
from app.core.errors import InvalidInput

DEFAULT_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "BR")
"""Regions whose national phone formats count without a ``+``; international numbers always do."""

SUPPORTED_REGIONS = frozenset({"US", "CA", "GB", "DE", "FR", "IN", "BR"})

MIN_LENGTH = 5
"""No finding is shorter than this (``a@b.c`` is not an address; ``1.1.1.1`` is seven)."""

_DIGIT_TYPES = frozenset({PiiType.PHONE, PiiType.PAYMENT_CARD, PiiType.NATIONAL_ID})
_GATED_TYPES = _DIGIT_TYPES | {PiiType.IBAN, PiiType.IP}
_SECRET_FAMILIES = prefilter.KNOWN_SECRETS | prefilter.PRIVATE_KEYS | prefilter.ASSIGNED_SECRETS
_EMAIL, _DIGITS, _IPV6 = prefilter.EMAIL, prefilter.DIGITS, prefilter.IPV6
_RUNS, _IBANS, _LETTER_IDS, _IPV4, _NAMES, _ADDRESSES = (64 << shift for shift in range(6))
"""Plan bits past the families': detectors within the digit family, and the unfiltered ones.

They must not overlap the prefilter's family bits (a unit test holds it)."""
_IBAN_LEAD = 40
_IBAN_TAIL = 44


class PiiScanner:
    """Finds personal data in strings and records; picklable, safe to share between threads."""

    __slots__ = ("_plan", "regions", "types")

    types: frozenset[PiiType]
    regions: tuple[str, ...]
    _plan: int
    """Which detectors the types enable: prefilter family bits and the bits below."""

    def __init__(
        self,
        types: Iterable[PiiType | str] = DEFAULT_TYPES,
        *,
        regions: Sequence[str] = DEFAULT_REGIONS,
    ) -> None:
        try:
            self.types = frozenset(PiiType(kind) for kind in types)
        except ValueError as error:
            known = ", ".join(sorted(PiiType))
            raise InvalidInput(f"unknown PII type: {error} (known: {known})") from None
        regions = tuple(region.upper() for region in regions)
        unknown = [region for region in regions if region not in SUPPORTED_REGIONS]
        if unknown:
            raise InvalidInput(
                f"unsupported phone region {unknown[0]!r}",
                hint=f"choose from {', '.join(sorted(SUPPORTED_REGIONS))}",
            )
        self.regions = regions
        self._plan = _plan(self.types)

    def __reduce__(self) -> tuple[object, tuple[frozenset[PiiType], tuple[str, ...]]]:
        # Only the types and regions travel: the plan is derived from them where it lands.
        return (_rebuilt, (self.types, self.regions))

    def __repr__(self) -> str:
        kinds = ",".join(sorted(self.types))
        return f"PiiScanner(types={{{kinds}}}, regions={self.regions})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PiiScanner):
            return NotImplemented
        return self.types == other.types and self.regions == other.regions

    def __hash__(self) -> int:
        return hash((self.types, self.regions))

    def scan_text(self, text: str, path: str = "", families: int = prefilter.ALL) -> list[Finding]:
        """The findings in one string, sorted by position, none overlapping.

        ``families`` (bits of :mod:`.prefilter`) leaves out detector families a
        prefilter ruled out; the default runs every enabled detector.
        """
        if len(text) < MIN_LENGTH:
            return []
        raw = self.raw_findings(text, families)
        if not raw:
            return []
        return _findings(text, path, raw)

    def raw_findings(
        self, text: str, families: int = prefilter.ALL, spans: Sequence[Span] | None = None
    ) -> list[Raw]:
        """Every detector's findings in ``text``, overlaps not yet resolved.

        ``spans``, when given, are ``candidates(text)`` already found (by a gate).
        """
        plan = self._plan
        wanted = families & plan
        out: list[Raw] = []
        if wanted & _EMAIL and "@" in text:
            find_emails(text, out)
        if wanted & _DIGITS:
            if spans is None or spans is _GO:
                spans = candidates(text)
            if spans:
                if plan & _RUNS:
                    find_digit_runs(text, out, self.types, self.regions, spans)
                if plan & _IBANS:
                    # An IBAN starts some way before its first run of digits and its letters may
                    # follow the last one ("... 814P2"); the window covers both.
                    find_ibans(text, out, windows(spans, _IBAN_LEAD, _IBAN_TAIL, len(text)))
                if plan & _LETTER_IDS:
                    find_letter_ids(text, out, windows(spans, 8, 4, len(text)))
                if plan & _IPV4:
                    find_ipv4(text, out, spans)
        if wanted & _IPV6 and ("::" in text or text.count(":") >= 7):
            find_ipv6(text, out)
        if wanted & _SECRET_FAMILIES:
            find_secrets(text, out, _secret_kinds(wanted))
        if plan & _NAMES:
            find_names(text, out)
        if plan & _ADDRESSES:
            find_addresses(text, out)
        return out

    @property
    def prefilters(self) -> bool:
        """Whether :mod:`.prefilter` covers every enabled type (names and addresses it does not)."""
        return not self._plan & (_NAMES | _ADDRESSES)

    def string_gate(self, families: int) -> tuple[int, _Gate] | None:
        """How :meth:`scan_record` scans each string under ``families``: None if it finds nothing.

        Else the families to pass :meth:`raw_findings` and the gate each
        string of at least :data:`MIN_LENGTH` characters must pass first (its
        answer, when truthy, is the ``spans`` argument). For a scan over
        strings found some other way (:mod:`.textlane`) that must find what
        :meth:`scan_record` finds.
        """
        if not self.prefilters:
            return prefilter.ALL, _ungated
        if not families:
            return None
        return families, _gate(families & self._plan)

    def scan_record(self, record: JsonValue, families: int = prefilter.ALL) -> list[Finding]:
        """The findings in every string value of a record (object keys are not scanned).

        ``families`` (bits of :mod:`.prefilter`, say a prefilter's answer for
        the record's line) leaves detector families out, when the
        :attr:`prefilters` types are all that is scanned. Each string then
        runs only the gates of the families left, each exactly the gate
        :func:`.prefilter.text_families` evaluates, and each at most once:
        the digit candidates a gate finds are the spans the number detectors
        search.
        """
        findings: list[Finding] = []
        plan = self.string_gate(families)
        if plan is None:
            return findings
        families, gate = plan
        native = native_detectors(self) if NATIVE else None
        if isinstance(record, str):
            if len(record) >= MIN_LENGTH and (spans := gate(record)):
                raw = self.string_findings(record, families, spans, native)
                if raw:
                    findings.extend(_findings(record, "", raw))
        elif isinstance(record, (dict, list)):
            self._scan_container(record, "", families, gate, findings, native)
        return findings

    def string_findings(
        self, text: str, families: int, spans: Sequence[Span], native: Native | None
    ) -> list[Raw]:
        """A string's findings past its gate, overlaps resolved (as :func:`resolve_overlaps`).

        From the C detectors (``native``, see :func:`native_detectors`) where
        they can be sure, else from :meth:`raw_findings` with the gate's ``spans``.
        """
        if native is not None and text.isascii():
            found = native[0](text.encode("ascii"), families, native[1])
            if found is not None:
                return found
        return resolve_overlaps(self.raw_findings(text, families, spans))

    def _scan_container(
        self,
        node: dict[str, JsonValue] | list[JsonValue],
        path: str,
        families: int,
        gate: _Gate,
        findings: list[Finding],
        native: Native | None,
    ) -> None:
        # iter_strings, unrolled: a path is spelled only for a string with a finding. A string
        # reaches the detectors only past its gate, whose digit candidates they then search.
        if isinstance(node, dict):
            for key, child in node.items():
                if isinstance(child, str):
                    if len(child) >= MIN_LENGTH and (spans := gate(child)):
                        raw = self.string_findings(child, families, spans, native)
                        if raw:
                            findings.extend(_findings(child, f"{path}/{escape_pointer(key)}", raw))
                elif isinstance(child, (dict, list)):
                    self._scan_container(
                        child, f"{path}/{escape_pointer(key)}", families, gate, findings, native
                    )
        else:
            for index, child in enumerate(node):
                if isinstance(child, str):
                    if len(child) >= MIN_LENGTH and (spans := gate(child)):
                        raw = self.string_findings(child, families, spans, native)
                        if raw:
                            findings.extend(_findings(child, f"{path}/{index}", raw))
                elif isinstance(child, (dict, list)):
                    self._scan_container(child, f"{path}/{index}", families, gate, findings, native)


NATIVE = True
"""Whether :meth:`PiiScanner.scan_record` asks the C detectors first, where the build has them
(:mod:`.native_find`; property tests hold both ways equal and turn this off)."""

Native = tuple[Callable[[bytes, int, Any], list[Raw] | None], Any]
"""``native_find.native_findings`` and the scanner's arguments for it."""
_NATIVE_FOR: dict[tuple[frozenset[PiiType], tuple[str, ...]], Native | None] = {}


def native_detectors(scanner: PiiScanner) -> Native | None:
    """The C detectors for ``scanner``'s types and regions, worked out once per process."""
    key = (scanner.types, scanner.regions)
    try:
        return _NATIVE_FOR[key]
    except KeyError:
        pass
    # Imported here: native_find imports this module (and the lane's loader) itself.
    from app.core.datasets.pii import native_find

    native: Native | None = None
    if native_find.available and scanner.prefilters:  # C has no names or addresses: no use
        native = (native_find.native_findings, native_find.scanner_arguments(scanner))
    _NATIVE_FOR[key] = native
    return native


_Gate = Callable[[str], Sequence[Span] | None]
"""Whether a string can hold a finding of the families scanned: falsy if not, else its digit
candidates, which the detectors then search, or :data:`_GO` (none found, or none looked for)."""

_GO: tuple[Span, ...] = ((0, 0),)
"""A gate's "yes" without candidates (:meth:`PiiScanner.raw_findings` finds them if needed)."""


def _ungated(text: str) -> Sequence[Span] | None:
    """Every string to the detectors: names and addresses have no gate."""
    return _GO


def _nothing(text: str) -> Sequence[Span] | None:
    return None


def _family_test(family: int) -> Callable[[str], bool] | None:
    """One family's gate in :meth:`PiiScanner.raw_findings` (or a looser one), at C speed."""
    if family == _EMAIL:
        return lambda text: "@" in text
    if family == _IPV6:
        return lambda text: "::" in text or text.count(":") >= 7
    if family == prefilter.KNOWN_SECRETS:
        # Every trigger find_secrets looks for passes the prefilter's test (str.find first).
        return prefilter.known_prefix
    if family == prefilter.PRIVATE_KEYS:
        return lambda text: "PRIVATE KEY" in text
    if family == prefilter.ASSIGNED_SECRETS:
        return lambda text: "=" in text or ":" in text or " is " in text or "earer " in text
    return None


_GATES: dict[int, _Gate] = {}


def _gate(wanted: int) -> _Gate:
    """The gate of the families in ``wanted`` (made once per combination)."""
    gate = _GATES.get(wanted)
    if gate is None:
        gate = _GATES[wanted] = _make_gate(wanted)
    return gate


def _make_gate(wanted: int) -> _Gate:
    # One family (what a line prefilter leaves for nearly every record with personal data):
    # its test alone. Several: raw_findings tests them in turn, as cheaply as a gate would.
    if not wanted:
        return _nothing
    if wanted == _DIGITS:
        return candidates  # an empty list for none: falsy, as None is
    test = _family_test(wanted)
    if test is None:
        return _ungated
    return lambda text: _GO if test(text) else None


def _findings(text: str, path: str, raw: list[Raw]) -> list[Finding]:
    return [
        Finding(kind, path, start, end, text[start:end], detector)
        for start, end, kind, detector in resolve_overlaps(raw)
    ]


def _rebuilt(types: frozenset[PiiType], regions: tuple[str, ...]) -> PiiScanner:
    return PiiScanner(types, regions=regions)


def _secret_kinds(families: int) -> int:
    return (
        (tokens.KNOWN if families & prefilter.KNOWN_SECRETS else 0)
        | (tokens.PRIVATE if families & prefilter.PRIVATE_KEYS else 0)
        | (tokens.ASSIGNED if families & prefilter.ASSIGNED_SECRETS else 0)
    )


def _plan(types: frozenset[PiiType]) -> int:
    plan = 0
    if PiiType.EMAIL in types:
        plan |= _EMAIL
    if not types.isdisjoint(_GATED_TYPES):
        plan |= _DIGITS
    if not types.isdisjoint(_DIGIT_TYPES):
        plan |= _RUNS
    if PiiType.IBAN in types:
        plan |= _IBANS
    if PiiType.NATIONAL_ID in types:
        plan |= _LETTER_IDS
    if PiiType.IP in types:
        plan |= _IPV4 | _IPV6
    if PiiType.SECRET in types:
        plan |= _SECRET_FAMILIES
    if PiiType.PERSON_NAME in types:
        plan |= _NAMES
    if PiiType.STREET_ADDRESS in types:
        plan |= _ADDRESSES
    return plan


def iter_strings(value: JsonValue, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with its JSON Pointer, depth first, in document order."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, str):
                yield f"{path}/{escape_pointer(key)}", child
            elif isinstance(child, dict | list):
                yield from iter_strings(child, f"{path}/{escape_pointer(key)}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            if isinstance(child, str):
                yield f"{path}/{index}", child
            elif isinstance(child, dict | list):
                yield from iter_strings(child, f"{path}/{index}")


def escape_pointer(key: str) -> str:
    """One JSON Pointer reference token (RFC 6901: ``~`` is ``~0``, ``/`` is ``~1``)."""
    if "~" in key or "/" in key:
        return key.replace("~", "~0").replace("/", "~1")
    return key


def resolve_overlaps(raw: list[Raw]) -> list[Raw]:
    """Non-overlapping findings in text order; of overlapping ones the most specific, longest."""
    if len(raw) < 2:
        return raw
    raw.sort(key=lambda item: (item[0], -item[1]))
    if all(raw[i][1] <= raw[i + 1][0] for i in range(len(raw) - 1)):
        return raw
    ranked = sorted(raw, key=lambda item: (PRIORITY[item[2]], item[0] - item[1], item[0]))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Raw] = []
    for item in ranked:
        start, end = item[0], item[1]
        index = bisect.bisect_right(starts, start)
        if index and ends[index - 1] > start:
            continue  # overlaps the kept finding that starts at or before it
        if index < len(starts) and starts[index] < end:
            continue  # overlaps the kept finding that starts after it
        starts.insert(index, start)
        ends.insert(index, end)
        kept.insert(index, item)
    return kept
