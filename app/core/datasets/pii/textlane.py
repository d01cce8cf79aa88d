"""PII scan and redaction on a record's canonical text, without the record.

A record with personal data used to cost the worker a parse, a walk of the
record for the scan, a copy for the redaction and an encode of the copy,
about ten times what its detectors cost. When the record's RFC 8785 text is
ASCII without a backslash (true of nearly every line the fast lanes finish)
every string in it is spelled literally between two quotes, so splitting the
text on ``"`` gives each string as it is in the record: the odd pieces, of
which a key is the one whose next piece starts with ``:`` (no whitespace in
canonical text). The scanner's gate and detectors run on each value string
exactly as :meth:`~.scanner.PiiScanner.scan_record` runs them, and the masks
and pseudonyms (ASCII, no quote, no backslash) are written into the pieces,
so joining them again gives the canonical text of the redacted record: keys
and their order do not change.

It holds only for policies whose action depends on the finding's type alone
(no per-finding decisions) and never removes a member: mask, pseudonymise,
keep and drop-record. Anything else (drop-field, a review's decisions) takes
the record path in :mod:`app.core.datasets.stages`; property tests hold the
two equal.

Where the C detectors decide every string of a line and each finding is
masked or kept, ``_fastlane.redact_line`` does the whole line (the split,
the detectors, the masks and the leaf hash) in one call: the Python loop
around one C detector call cost ten times the detectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.core.datasets import nativelane
from app.core.datasets.pii import native_find, prefilter
from app.core.datasets.pii.redact import Action, RedactionPolicy, mask_tag, pseudonym
from app.core.datasets.pii.scanner import MIN_LENGTH, PiiScanner, native_detectors
from app.core.datasets.pii.types import PiiType, Raw

SUPPORTED = frozenset({Action.MASK, Action.PSEUDONYMIZE, Action.KEEP, Action.DROP_RECORD})
"""Actions the text lane applies; a policy with any other in play takes the record path."""

Counts = dict[str, dict[str, int]]
"""Findings by type, then by action, as ``stage_findings.count_findings`` tallies them."""

_RedactLine = Callable[
    [bytes, int, int, int, int, native_find._Phone | None, tuple[bytes | bool | None, ...]],
    tuple[bytes, bytes | None, bytes] | None,
]
_redact_line: _RedactLine | None = (
    # The whole line in C, from the build find_pii comes from (an older one lacks it).
    getattr(nativelane._NATIVE, "redact_line", None) if native_find.available else None
)


def usable(canonical: bytes) -> bool:
    """Whether ``canonical`` spells each of its strings literally (ASCII, no backslash)."""
    return canonical.isascii() and b"\\" not in canonical


class TextLane:
    """One policy's scan and redaction of canonical text; built once per worker."""

    __slots__ = (
        "_actions",
        "_codes",
        "_gated",
        "_key",
        "_line",
        "_names",
        "_native",
        "_scanner",
        "_tags",
        "_whole",
    )

    def __init__(
        self, scanner: PiiScanner, policy: RedactionPolicy, key: bytes, *, native: bool = True
    ) -> None:
        self._scanner = scanner
        self._native = native_detectors(scanner) if native else None
        # The C detectors for the scanner, when the build has them (see native_find).
        self._key = key
        self._actions = {kind: policy.per_type.get(kind, policy.default) for kind in PiiType}
        self._names = {kind: (kind.value, action.value) for kind, action in self._actions.items()}
        self._tags = {kind: mask_tag(kind) for kind in PiiType}
        self._line = _redact_line if self._native is not None else None
        # redact_line's action per kind code: the mask's bytes, None to keep, False for an
        # action it leaves to Python (pseudonymise, drop-record: the line is then redone).
        self._whole = tuple(
            self._tags[kind].encode("ascii")
            if self._actions[kind] is Action.MASK
            else None
            if self._actions[kind] is Action.KEEP
            else False
            for kind in native_find.KINDS
        )
        self._codes = tuple(self._names[kind] for kind in native_find.KINDS)
        self._gated = scanner.prefilters

    def batch_arguments(
        self,
    ) -> tuple[int, int, int, object, tuple[bytes | bool | None, ...], bool] | None:
        """The text lane as ``_fastlane.prepare_lines`` runs it over a whole batch, or None
        when the C detectors are not there (see :func:`.nativelane.prepare_batch`)."""
        if self._line is None or self._native is None:
            return None
        plan, types, regions, phone = self._native[1]
        return plan, types, regions, phone, self._whole, self._gated

    @property
    def codes(self) -> tuple[tuple[str, str], ...]:
        """Per kind code of ``native_find.KINDS``: the finding's type and action, as counted."""
        return self._codes

    def tally(self, kinds: bytes) -> Counts:
        """:meth:`_counts` of kind codes ``kinds`` (at least one), for a line C redacted."""
        return self._counts(kinds)

    @staticmethod
    def supports(policy: RedactionPolicy, types: Iterable[PiiType]) -> bool:
        """Whether every finding of ``types`` gets an action the text lane applies as is."""
        if policy.per_finding:
            return False
        return all(policy.per_type.get(kind, policy.default) in SUPPORTED for kind in types)

    def redact(self, canonical: bytes, families: int) -> tuple[bytes | None, Counts | None]:
        """The canonical text after redaction (None: the record is dropped) and the counts.

        Counts are None when nothing was found (the text is then ``canonical``
        itself). ``canonical`` must be :func:`usable`; ``families`` is what
        :meth:`~.scanner.PiiScanner.scan_record` would be given.
        """
        line, counts, _ = self.redact_leaf(canonical, families)
        return line, counts

    def redact_leaf(
        self, canonical: bytes, families: int
    ) -> tuple[bytes | None, Counts | None, bytes | None]:
        """:meth:`redact`, and the Merkle leaf of the text when C redacted it (else None)."""
        whole = self._line
        if whole is not None:
            if self._gated and not families:
                return canonical, None, None
            native = self._native
            assert native is not None
            # an ungated scanner scans every family, as string_gate says
            wanted = families if self._gated else prefilter.ALL
            arguments: native_find.Arguments = native[1]
            done = whole(canonical, wanted, *arguments, self._whole)
            if done is not None:
                text, leaf, kinds = done
                if not kinds:
                    return canonical, None, None
                return text, self._counts(kinds), leaf
        line, counts = self._redact(canonical, families)
        return line, counts, None

    def _counts(self, kinds: bytes) -> Counts:
        """The counts of findings of kind codes ``kinds``, in their order (as :meth:`_redact`)."""
        codes = self._codes
        if len(kinds) == 1:  # nearly always
            type_name, action_name = codes[kinds[0]]
            return {type_name: {action_name: 1}}
        return _tally(codes[kind] for kind in kinds)

    def _redact(self, canonical: bytes, families: int) -> tuple[bytes | None, Counts | None]:
        """:meth:`redact` string by string, the C detectors (if any) asked for each."""
        scanner = self._scanner
        plan = scanner.string_gate(families)
        if plan is None:
            return canonical, None
        families, gate = plan
        native = self._native
        parts = canonical.split(b'"')
        names: list[tuple[str, str]] = []  # each finding's type and action, in order
        dropped = changed = False
        for at in range(1, len(parts), 2):
            piece = parts[at]
            if len(piece) < MIN_LENGTH or parts[at + 1][:1] == b":":
                continue  # too short for a finding, or a key (keys are not scanned)
            text = piece.decode("ascii")
            spans = gate(text)
            if not spans:
                continue
            edits: list[tuple[Raw, Action]] = []
            for item in scanner.string_findings(text, families, spans, native):
                kind = item[2]
                action = self._actions[kind]
                names.append(self._names[kind])
                if action is Action.DROP_RECORD:
                    dropped = True
                elif action is not Action.KEEP:
                    edits.append((item, action))
            if edits and not dropped:
                parts[at] = self._redacted(text, edits).encode("ascii")
                changed = True
        counts = _tally(names) if names else None
        if dropped:
            return None, counts
        if changed:
            return b'"'.join(parts), counts
        return canonical, counts

    def _redacted(self, text: str, edits: list[tuple[Raw, Action]]) -> str:
        """``text`` with its findings (in order, none overlapping) masked or pseudonymised."""
        if len(edits) == 1:  # nearly always
            (start, end, kind, detector), action = edits[0]
            if action is Action.PSEUDONYMIZE:
                token = pseudonym(kind, text[start:end], self._key, detector)
            else:
                token = self._tags[kind]
            return text[:start] + token + text[end:]
        pieces: list[str] = []
        tail = len(text)
        for (start, end, kind, detector), action in reversed(edits):
            pieces.append(text[end:tail])
            if action is Action.PSEUDONYMIZE:
                pieces.append(pseudonym(kind, text[start:end], self._key, detector))
            else:
                pieces.append(self._tags[kind])
            tail = start
        pieces.append(text[:tail])
        return "".join(reversed(pieces))


def _tally(names: Iterable[tuple[str, str]]) -> Counts:
    """Counts by type, then action, of findings given as (type, action) names, in order."""
    counts: Counts = {}
    for type_name, action_name in names:
        per_type = counts.setdefault(type_name, {})
        per_type[action_name] = per_type.get(action_name, 0) + 1
    return counts


__all__ = ["SUPPORTED", "Counts", "TextLane", "usable"]
