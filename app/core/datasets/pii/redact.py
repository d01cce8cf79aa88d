"""Redaction: what happens to each finding when a dataset is prepared.

The user decides per type ("pseudonymise every e-mail") and per finding
("keep this one, I checked it"); :class:`RedactionPolicy` holds both and the
per-finding decision wins. The actions:

* ``mask``: the value becomes its type tag, ``[EMAIL]``.
* ``pseudonymize``: the value becomes a keyed token, ``[EMAIL:9f3a2c1b7d04e6a8]``,
  the first 16 hex digits of HMAC-SHA256 under a per-dataset secret. The
  same address gives the same token in every record of the dataset, so
  conversations still show who wrote to whom, but without the key nobody can
  test a guessed address against the token (a plain hash would allow that).
  Values are normalised first, so ``Ann@Example.com`` and ``ann@example.com``,
  or ``+44 20 7946 0958`` and ``020 7946 0958``, are one person.
* ``drop-field``: the member holding the string (or the array element) goes.
* ``drop-record``: the whole record goes.
* ``keep``: nothing changes; the user reviewed it.

Replacements in one string are applied from the last to the first so the
offsets of the others stay valid. Every finding's value is checked against
the record before anything changes: findings from a different version of the
record must fail, not mask the wrong characters and leave the real ones.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import phonenumbers

from app.core.datasets.pii.scanner import escape_pointer
from app.core.datasets.pii.types import PRIORITY, Finding, PiiType
from app.core.datasets.records import JsonValue
from app.core.errors import InvalidInput

PSEUDONYM_HEX = 16
"""Hex digits of the HMAC kept (64 bits).

Among a million distinct values two share a token with odds of about 1 in 37 million;
a shared token becomes likely only near four billion values. A shared token would merge
two people's pseudonyms in the dataset; it reveals nothing about either.
"""

MIN_KEY_BYTES = 16


class Action(StrEnum):
    """What to do with a finding; values are stable (policy JSON, CLI)."""

    MASK = "mask"
    PSEUDONYMIZE = "pseudonymize"
    DROP_FIELD = "drop-field"
    DROP_RECORD = "drop-record"
    KEEP = "keep"


def finding_key(record_index: int, finding: Finding) -> str:
    """The stable name of one finding in one record, used for per-finding decisions."""
    return f"{record_index}:{finding.path}:{finding.start}:{finding.end}:{finding.type.value}"


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """The user's decisions: a default action, per-type actions, per-finding actions (which win)."""

    default: Action = Action.MASK
    per_type: Mapping[PiiType, Action] = field(default_factory=dict)
    per_finding: Mapping[str, Action] = field(default_factory=dict)
    """Keyed by :func:`finding_key`."""

    def __post_init__(self) -> None:
        # Accept the plain strings a JSON file or a command line gives.
        try:
            object.__setattr__(self, "default", Action(self.default))
            object.__setattr__(
                self, "per_type", {PiiType(k): Action(v) for k, v in self.per_type.items()}
            )
            object.__setattr__(
                self, "per_finding", {str(k): Action(v) for k, v in self.per_finding.items()}
            )
        except ValueError as error:
            raise InvalidInput(f"bad redaction policy: {error}") from None

    def action_for(self, record_index: int, finding: Finding) -> Action:
        """The action for one finding: its own decision, else its type's, else the default."""
        if self.per_finding:
            decided = self.per_finding.get(finding_key(record_index, finding))
            if decided is not None:
                return decided
        return self.per_type.get(finding.type, self.default)

    def to_json(self) -> dict[str, object]:
        """The policy as JSON-ready data (for the dataset report)."""
        return {
            "default": self.default.value,
            "per_type": {k.value: v.value for k, v in sorted(self.per_type.items())},
            "per_finding": {k: v.value for k, v in sorted(self.per_finding.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RedactionPolicy:
        """The inverse of :meth:`to_json`; bad input raises :class:`InvalidInput`."""
        per_type = data.get("per_type", {})
        per_finding = data.get("per_finding", {})
        if not isinstance(per_type, Mapping) or not isinstance(per_finding, Mapping):
            raise InvalidInput("bad redaction policy: per_type and per_finding must be objects")
        return cls(
            default=Action(str(data.get("default", Action.MASK.value))),
            per_type=dict(per_type),
            per_finding=dict(per_finding),
        )


def mask_tag(kind: PiiType) -> str:
    """What a masked value becomes: ``[EMAIL]``."""
    return f"[{kind.tag}]"


_MASK_TAGS = {kind: mask_tag(kind) for kind in PiiType}


def normalize_value(kind: PiiType, value: str, detector: str = "") -> str:
    """The form of a value that two spellings of the same thing share, for pseudonyms."""
    if kind is PiiType.EMAIL:
        return value.casefold()
    if kind is PiiType.PHONE:
        region = detector.partition(":")[2] or None
        try:
            number = phonenumbers.parse(value, region if region and region.isalpha() else None)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            return "".join(c for c in value if c.isdigit() or c == "+")
    if kind in (PiiType.PAYMENT_CARD, PiiType.IBAN, PiiType.NATIONAL_ID):
        return "".join(c for c in value if c.isalnum()).upper()
    if kind is PiiType.IP:
        try:
            return ipaddress.ip_address(value).compressed
        except ValueError:
            return value.lower()
    if kind in (PiiType.PERSON_NAME, PiiType.STREET_ADDRESS):
        return " ".join(value.casefold().split())
    return value


def _digest(kind: PiiType, value: str, key: bytes, detector: str) -> str:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a pseudonym key has at least {MIN_KEY_BYTES} bytes")
    message = f"{kind.value}\0{normalize_value(kind, value, detector)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def pseudonym(kind: PiiType, value: str, key: bytes, detector: str = "") -> str:
    """The keyed token a value becomes: ``[EMAIL:9f3a2c1b7d04e6a8]``."""
    return f"[{kind.tag}:{_digest(kind, value, key, detector)}]"


def pseudonym_matches(
    token: str, kind: PiiType, value: str, key: bytes, detector: str = ""
) -> bool:
    """Whether ``token`` is the pseudonym of ``value`` under ``key`` (constant-time comparison)."""
    return hmac.compare_digest(token.encode(), pseudonym(kind, value, key, detector).encode())


def redact_record(
    record: JsonValue,
    findings: Sequence[Finding],
    policy: RedactionPolicy,
    *,
    record_index: int,
    key: bytes,
) -> JsonValue | None:
    """The record with the policy applied to its findings, or ``None`` when it is dropped.

    The input is not modified; containers on the way to a changed value are
    copied, the rest is shared. A record with nothing to change is returned
    as is. A top-level string has no field to drop, so drop-field on it drops
    the record.
    """
    edits: dict[str, list[tuple[Finding, Action]]] = {}
    drops: set[str] = set()
    for finding in findings:
        action = policy.action_for(record_index, finding)
        if action is Action.DROP_RECORD:
            return None
        if action is Action.DROP_FIELD:
            drops.add(finding.path)
        elif action is not Action.KEEP:
            edits.setdefault(finding.path, []).append((finding, action))
    if not edits and not drops:
        return record
    if "" in drops:
        return None
    if not drops and isinstance(record, dict) and all(_is_member(path) for path in edits):
        # The common case, members of the record itself: one copy, no edit tree.
        copy = dict(record)
        for path, items in edits.items():
            member = path[1:]
            if "~" in member:
                member = member.replace("~1", "/").replace("~0", "~")
            value = record.get(member, _MISSING)
            if type(value) is not str:
                value = _string_at(record, path)  # raises what a general walk raises
            copy[member] = redact_string(value, items, key)
        return copy
    replaced: dict[str, str] = {}
    for path, items in edits.items():
        if not any(path == drop or path.startswith(drop + "/") for drop in drops):
            replaced[path] = redact_string(_string_at(record, path), items, key)
    for path in drops:
        _string_at(record, path)  # a drop aimed at a missing field is a stale finding
    if "" in replaced:
        return replaced[""]
    return _rebuild(record, _edit_tree(replaced, drops), "")


def redact_string(text: str, items: Sequence[tuple[Finding, Action]], key: bytes) -> str:
    """``text`` with each finding masked or pseudonymised, overlapping findings merged."""
    for finding, _ in items:
        if not 0 <= finding.start < finding.end <= len(text) or (
            text[finding.start : finding.end] != finding.value
        ):
            raise InvalidInput(
                f"a {finding.type.value} finding at {finding.path or '/'} "
                f"[{finding.start}:{finding.end}] does not match the record",
                hint="scan the dataset again",
            )
    if len(items) == 1:
        finding, action = items[0]
        if action is Action.PSEUDONYMIZE:
            replacement = pseudonym(finding.type, finding.value, key, finding.detector)
        else:
            replacement = _MASK_TAGS[finding.type]
        return text[: finding.start] + replacement + text[finding.end :]
    ordered = sorted(items, key=lambda item: (item[0].start, -item[0].end))
    groups: list[tuple[int, int, Finding, Action]] = []
    for finding, action in ordered:
        if groups and finding.start < groups[-1][1]:
            start, end, lead, lead_action = groups[-1]
            if PRIORITY[finding.type] < PRIORITY[lead.type]:
                lead, lead_action = finding, action
            groups[-1] = (start, max(end, finding.end), lead, lead_action)
        else:
            groups.append((finding.start, finding.end, finding, action))
    parts: list[str] = []
    tail = len(text)
    for start, end, lead, action in reversed(groups):  # right to left: offsets stay valid
        parts.append(text[end:tail])
        if action is Action.PSEUDONYMIZE and (start, end) == (lead.start, lead.end):
            parts.append(pseudonym(lead.type, lead.value, key, lead.detector))
        else:
            parts.append(mask_tag(lead.type))
        tail = start
    parts.append(text[:tail])
    return "".join(reversed(parts))


_MISSING = object()


def _is_member(path: str) -> bool:
    """Whether ``path`` names a member of the top-level object ("/text", not "/a/b" or "")."""
    return path[:1] == "/" and "/" not in path[1:]


def _tokens(path: str) -> list[str]:
    if not path:
        return []
    if not path.startswith("/"):
        raise InvalidInput(f"not a JSON Pointer: {path!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _child(node: JsonValue, token: str, path: str) -> JsonValue:
    if isinstance(node, dict) and token in node:
        return node[token]
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    raise InvalidInput(f"a finding points to {path}, which the record does not have")


def _string_at(record: JsonValue, path: str) -> str:
    node = record
    for token in _tokens(path):
        node = _child(node, token, path)
    if not isinstance(node, str):
        raise InvalidInput(f"a finding points to {path}, which is not a string")
    return node


class _Drop:
    """Marks a member or element to remove in an edit tree."""


_DROP = _Drop()
_Tree = dict[str, "_Tree | str | _Drop"]


def _edit_tree(replaced: Mapping[str, str], drops: set[str]) -> _Tree:
    tree: _Tree = {}
    leaves: list[tuple[str, str | _Drop]] = [(path, _DROP) for path in sorted(drops)]
    leaves += list(replaced.items())
    for path, leaf in leaves:
        tokens = _tokens(path)
        node = tree
        for token in tokens[:-1]:
            child = node.setdefault(token, {})
            if not isinstance(child, dict):
                break  # inside a member already dropped
            node = child
        else:
            if not isinstance(node.get(tokens[-1]), _Drop):
                node[tokens[-1]] = leaf
    return tree


def _rebuild(node: JsonValue, tree: _Tree, path: str) -> JsonValue:
    if isinstance(node, dict):
        copy = dict(node)
        for token, edit in tree.items():
            if isinstance(edit, _Drop):
                del copy[token]
            elif isinstance(edit, str):
                copy[token] = edit
            else:
                copy[token] = _rebuild(node[token], edit, f"{path}/{escape_pointer(token)}")
        return copy
    if isinstance(node, list):
        items = list(node)
        removed: list[int] = []
        for token, edit in tree.items():
            index = int(token)
            if isinstance(edit, _Drop):
                removed.append(index)
            elif isinstance(edit, str):
                items[index] = edit
            else:
                items[index] = _rebuild(node[index], edit, f"{path}/{token}")
        for index in sorted(removed, reverse=True):
            del items[index]
        return items
    raise InvalidInput(f"a finding points inside {path or '/'}, which is not an object or array")
