"""Secrets: API keys and tokens with known prefixes, JWTs, private keys, random values after key=.

Most credential formats announce themselves (``AKIA`` for AWS, ``ghp_`` for
GitHub, ``xoxb-`` for Slack, ``sk_live_`` for Stripe), so each known format is
a regex guarded by its prefix: ``str.__contains__`` rules out a format in a
fraction of the cost of a regex scan, and most texts hold none of them.

A secret without a prefix (a database password, an AWS secret key) shows up
as a value assigned to a name that says what it is: ``API_KEY=...``,
``"client_secret": "..."``, ``Authorization: Bearer ...``. Such a value counts
when it looks random (Shannon entropy, mixed character classes) and is not a
placeholder (``YOUR_API_KEY``, ``${TOKEN}``, ``********``) or a reference to
another variable; after a password name, any non-placeholder value of six or
more characters counts, since human passwords are not random.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from app.core.datasets.pii.types import PiiType, Raw

_B = r"(?<![A-Za-z0-9_\-])"
_E = r"(?![A-Za-z0-9_\-])"

KNOWN_FORMATS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    (
        ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA"),
        re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        "secret:aws-access-key",
    ),
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(_B + r"gh[pousr]_[A-Za-z0-9]{36,251}" + _E),
        "secret:github-token",
    ),
    (
        ("github_pat_",),
        re.compile(_B + r"github_pat_[A-Za-z0-9_]{60,240}" + _E),
        "secret:github-token",
    ),
    (("glpat-",), re.compile(_B + r"glpat-[A-Za-z0-9_\-]{20,}" + _E), "secret:gitlab-token"),
    (("xox",), re.compile(_B + r"xox[abposre]-[A-Za-z0-9\-]{10,250}" + _E), "secret:slack-token"),
    (
        ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}"),
        "secret:slack-webhook",
    ),
    (
        ("k_live_", "k_test_"),
        re.compile(_B + r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}" + _E),
        "secret:stripe-key",
    ),
    (("AIza",), re.compile(_B + r"AIza[0-9A-Za-z_\-]{35}" + _E), "secret:google-api-key"),
    (
        ("sk-",),
        re.compile(
            _B + r"sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)[0-9]{2}-)?"
            r"(?=[A-Za-z0-9_\-]*[0-9])(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{20,}" + _E
        ),
        "secret:api-key",
    ),
    (("hf_",), re.compile(_B + r"hf_[A-Za-z0-9]{30,}" + _E), "secret:huggingface-token"),
    (("npm_",), re.compile(_B + r"npm_[A-Za-z0-9]{36}" + _E), "secret:npm-token"),
    (
        ("SG.",),
        re.compile(_B + r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}" + _E),
        "secret:sendgrid-key",
    ),
    (
        ("eyJ",),
        re.compile(
            r"(?<![A-Za-z0-9_\-.])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}"
            r"\.[A-Za-z0-9_\-]{8,}" + _E
        ),
        "secret:jwt",
    ),
)
"""(prefixes that must occur, pattern, detector) for each credential format with a fixed prefix."""

_PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(r"(?:[ \t]*\r?\n?[ \t]*(?:[A-Za-z0-9+/=]{8,}|[A-Za-z\-]+: .*))*")
_PEM_MAX = 64 * 1024

_ANCHORS = ("key", "secret", "token", "bearer", "pass", "pwd", "credential")
"""Lower-case words one of which every secret-sounding name contains; found with ``str.find``."""
_COMPOUND_HEADS = (
    "api", "access", "secret", "private", "client", "auth", "refresh", "session", "signing",
    "app", "master", "db", "admin", "root", "user",
)  # fmt: skip
"""Words glued before an anchor that still make a secret's name ("apikey", "dbpassword")."""
ASSIGNMENT = re.compile(
    r"(?P<name>(?i:key|secret|token|bearer|passw(?:or)?d|passphrase|pwd|credentials?))"
    r"(?:[_\-.][A-Za-z0-9]+)*[\"']?"
    r"(?:\s*(?::=|=>|[:=])\s*|[ \t]+(?i:is)[ \t]+|(?<=[Bb]earer)\s+|(?<=BEARER)\s+)"
    r"(?:[\"'`](?P<quoted>[^\"'`\s]{6,512})[\"'`]"
    r"|(?P<bare>(?:[^\s\"'`,;&<>(){}\[\]]|&(?![A-Za-z_]\w*=)){6,512}))"
)
"""From an anchor word: the rest of the name, an assignment (``=``, ``:``, "is"), the value."""

_AUTH_HEADER = re.compile(
    r"(?i:authorization)\s*:\s*(?i:bearer|basic|token|digest)\s+(?P<value>[A-Za-z0-9._~+/\-]{12,}=*)"
)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s:/@]{1,64}:(?P<value>[^\s:/@]{3,128})@")

_PLACEHOLDER = re.compile(
    r"(?i)^(?:x{4,}|\*{3,}|\.{3,}|_+|-+|#+|<.*>|\{.*\}|\[.*\]|\$.*|%.*%|@.*|(?:your|my|the|some|insert|enter|replace|put)[_\-]?.*"
    r"|.*(?:here|example|placeholder|changeme|redacted|dummy|sample)|null|none|nil|true|false"
    r"|undefined|password\d*|secret|token|env\b.*|process\.env.*|os\.environ.*|getenv.*)$"
)
_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$|.*\(")
_PASSWORD_NAMES = ("pass", "pwd")


_HEX = frozenset("0123456789abcdefABCDEF")
_ENTROPY_SHARE = 0.75
"""Share of the most entropy a string of its length and alphabet can have; random keys reach 0.9."""


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` under its own character frequencies."""
    length = len(value)
    counts = Counter(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def looks_random(value: str) -> bool:
    """Whether ``value`` reads like a generated key rather than a word, a path or a number."""
    if len(value) < 12:
        return False
    classes = (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
    )
    if classes < 2:
        return False
    alphabet = 16 if all(c in _HEX for c in value) else 64
    return shannon_entropy(value) >= _ENTROPY_SHARE * math.log2(min(len(value), alphabet))


def _value_counts(name: str, value: str) -> bool:
    if _PLACEHOLDER.match(value) or _REFERENCE.match(value):
        return False
    if any(word in name.lower() for word in _PASSWORD_NAMES):
        # A human password: anything but a plain word ("password is required").
        return len(value) >= 16 or not value.isalpha() or not value[1:].islower()
    return looks_random(value)


_NEEDLES = tuple(
    (prefix, index) for index, entry in enumerate(KNOWN_FORMATS) for prefix in entry[0]
)


_TRIGGER = re.compile(
    r"_(?:(?<=gh[pousr]_)|(?<=hf_)|(?<=npm_)|(?<=_pat_)|(?<=k_live_)|(?<=k_test_))"
    r"|-(?:(?<=glpat-)|(?<=xox[abposre]-)|(?<=sk-))"
    r"|A(?=KIA|SIA|GPA|IDA|ROA|NPA|Iza)|J(?<=eyJ)|G(?<=SG)(?=\.)"
)
"""Any known prefix, found from its rarest character: one scan rules all formats out."""


TRIGGER = _TRIGGER
ANCHORS = _ANCHORS


def _common_head(prefixes: tuple[str, ...]) -> str:
    head = prefixes[0]
    while not all(prefix.startswith(head) for prefix in prefixes):
        head = head[:-1]
    return head


_HEADS = tuple(_common_head(prefixes) for prefixes, _, _ in KNOWN_FORMATS)
"""The start all prefixes of each of :data:`KNOWN_FORMATS` share ("gh" of "ghp_" and "gho_")."""
_LEADS = (0, 0, 0, 0, 0, len("https://"), len("s"), 0, 0, 0, 0, 0, 0)
"""Characters before its prefix in every match of each of :data:`KNOWN_FORMATS`."""
_TRIGGERS: tuple[tuple[str, re.Pattern[str] | None, str | None, tuple[int, ...]], ...] = (
    ("_", re.compile(_TRIGGER.pattern.split("|-")[0]), None, (1, 2, 6, 9, 10)),
    ("-", re.compile(r"-(?:(?<=glpat-)|(?<=xox[abposre]-)|(?<=sk-))"), None, (3, 4, 8)),
    ("A", re.compile(r"A(?=KIA|SIA|GPA|IDA|ROA|NPA|Iza)"), None, (0, 7)),
    ("J", None, "eyJ", (12,)),
    ("G", None, "SG.", (11,)),
    ("/", None, "hooks.slack.com", (5,)),
)
"""The alternatives of :data:`TRIGGER` one by one, each gated by a character ``str.find``
finds fast, with the formats (indices into :data:`KNOWN_FORMATS`) it is the prefix of."""
assert sorted(i for *_, indices in _TRIGGERS for i in indices) == list(range(len(KNOWN_FORMATS)))


def _formats_triggered(text: str) -> list[int]:
    """The known formats whose trigger occurs in ``text``, in :data:`KNOWN_FORMATS` order."""
    triggered: list[int] = []
    for char, pattern, needle, indices in _TRIGGERS:
        if char in text and (
            pattern.search(text) is not None if pattern is not None else needle in text  # type: ignore[operator]
        ):
            triggered.extend(indices)
    return sorted(triggered)


KNOWN = 1
PRIVATE = 2
ASSIGNED = 4
EVERY_KIND = KNOWN | PRIVATE | ASSIGNED


def find_secrets(text: str, out: list[Raw], kinds: int = EVERY_KIND) -> None:
    """Append the credentials in ``text`` to ``out``.

    ``kinds`` leaves out kinds a prefilter ruled out (``KNOWN`` prefixes,
    ``PRIVATE`` keys, ``ASSIGNED`` values); each kind still runs its own gate.
    """
    if kinds & KNOWN:
        for index in _formats_triggered(text):
            _find_known(text, out, index)
    if kinds & PRIVATE and "PRIVATE KEY" in text:
        _find_private_keys(text, out)
    if kinds & ASSIGNED and ("=" in text or ":" in text or " is " in text or "earer " in text):
        _find_assigned(text, out)


def _find_known(text: str, out: list[Raw], index: int) -> None:
    """The matches of one known format: what ``finditer`` finds, tried only where they can start.

    Every match holds one of the format's prefixes a fixed number of
    characters (:data:`_LEADS`) after its start, so the pattern is matched at
    those places only; ``finditer`` would try it at every character up to the
    end of the text (its lookbehind leaves ``re`` no literal to search for).
    """
    prefixes, pattern, detector = KNOWN_FORMATS[index]
    lead = _LEADS[index]
    head = _HEADS[index]  # what the prefixes start with: one search finds them all
    starts: list[int] = []
    at = text.find(head, lead)
    while at >= 0:
        if text.startswith(prefixes, at):
            starts.append(at - lead)
        at = text.find(head, at + 1)
    if not starts:
        return
    done = 0  # matches do not overlap: the next starts at or after the last one's end
    for start in starts:
        if start >= done and (match := pattern.match(text, start)) is not None:
            done = match.end()
            out.append((start, done, PiiType.SECRET, detector))


def _find_private_keys(text: str, out: list[Raw]) -> None:
    """A private key block from its BEGIN line to its END line, or to the end of its body."""
    for begin in _PEM_BEGIN.finditer(text):
        end = _PEM_END.search(text, begin.end(), begin.end() + _PEM_MAX)
        if end is not None:
            stop = end.end()
        else:
            body = _PEM_BODY.match(text, begin.end(), begin.end() + _PEM_MAX)
            stop = body.end() if body else begin.end()
        out.append((begin.start(), stop, PiiType.SECRET, "secret:private-key"))


def lowered_for_anchors(text: str) -> str:
    """``text`` in small letters, offset for offset (the anchor words are looked up in it)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower to two ("İ"): offsets would drift
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def _anchor_positions(text: str) -> list[int]:
    """Where an anchor word starts a secret's name: not inside another word ("monkey")."""
    lowered = lowered_for_anchors(text)
    positions = []
    for anchor in _ANCHORS:
        position = lowered.find(anchor)
        while position >= 0:
            before = text[position - 1] if position else " "
            if (
                not before.isalnum()
                or (before.islower() and text[position].isupper())  # camelCase: "githubToken"
                or lowered.endswith(_COMPOUND_HEADS, max(0, position - 8), position)
            ):
                positions.append(position)
            position = lowered.find(anchor, position + 1)
    return positions


def _find_assigned(text: str, out: list[Raw]) -> None:
    for position in _anchor_positions(text):
        match = ASSIGNMENT.match(text, position)
        if match is None:
            continue
        group = "quoted" if match.group("quoted") is not None else "bare"
        value = match.group(group).rstrip(".")
        if _value_counts(match.group("name"), value):
            start = match.start(group)
            out.append((start, start + len(value), PiiType.SECRET, "secret:assigned"))
    if "uthorization" in text:
        for match in _AUTH_HEADER.finditer(text):
            start, end = match.span("value")
            out.append((start, end, PiiType.SECRET, "secret:auth-header"))
    if "://" in text:
        for match in _URL_PASSWORD.finditer(text):
            if not _PLACEHOLDER.match(match.group("value")):
                start, end = match.span("value")
                out.append((start, end, PiiType.SECRET, "secret:url-password"))
