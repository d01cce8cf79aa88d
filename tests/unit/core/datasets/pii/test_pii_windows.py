"""Detectors that search only near their anchor find what a search of the whole text finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.pii.detectors import _NOT_TLDS, EMAIL, find_emails
from app.core.datasets.pii.tokens import (
    _LEADS,
    _NEEDLES,
    _TRIGGER,
    KNOWN,
    KNOWN_FORMATS,
    find_secrets,
)
from app.core.datasets.pii.types import PiiType, Raw

PIECES = [
    "@",
    "@@",
    "a",
    "ann",
    ".",
    "-",
    "_",
    "+",
    "'",
    " ",
    "x" * 70,
    "ann@example.com",
    "a.b-c@d.e.org",
    "icon@2x.png",
    "@x.co",
    ".de",
    "b\u00fccher@m\u00fcnchen.de",
    "ghp_" + "a1B2c3D4e5" * 4,
    "github_pat_" + "Ab1" * 25,
    "sk-proj-" + "Zx8kQ2mP9vLw3nRt" * 2,
    "sk_live_" + "a1B2c3D4" * 3,
    "xoxb-1234567890-abc",
    "AKIAIOSFODNN7EXAMPLE",
    "AIzaSyA1234567890abcdefghijklmnopqrstu",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
    "https://hooks.slack.com/services/T0ABC/B0DEF/abcdefghijklmnopqrst",
    "hf_" + "a" * 34,
    "npm_" + "b1" * 18,
    "glpat-" + "x" * 20,
    "rk_test_" + "Q9w8E7r6" * 3,
    "xoxb-xoxp-1234567890-abc",
    "ghp_ghp_" + "a1B2c3D4e5" * 4,
    "https://hooks.slack.com/services/T1/B2/" + "k" * 20 + "https://hooks.slack.com",
    "k_live_",
    "AKIAAKIA" + "Z" * 16,
    "AIza" + "SyB_-9" * 5 + "Qw3e5",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=12).map("".join)


def reference_emails(text: str) -> list[Raw]:
    return [
        (m.start(), m.end(), PiiType.EMAIL, "email")
        for m in EMAIL.finditer(text)
        if m.group("tld").lower() not in _NOT_TLDS
    ]


def reference_known_secrets(text: str) -> list[Raw]:
    out: list[Raw] = []
    if _TRIGGER.search(text) or "hooks.slack.com" in text:
        matched = -1
        for prefix, index in _NEEDLES:
            if index != matched and prefix in text:
                matched = index
                _prefixes, pattern, detector = KNOWN_FORMATS[index]
                out.extend(
                    (m.start(), m.end(), PiiType.SECRET, detector) for m in pattern.finditer(text)
                )
    return out


@settings(max_examples=500, deadline=None)
@given(texts)
def test_emails_near_each_at_sign_are_all_the_emails(text: str) -> None:
    found: list[Raw] = []
    find_emails(text, found)
    assert found == reference_emails(text)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_known_secrets_after_their_trigger_are_all_of_them(text: str) -> None:
    found: list[Raw] = []
    find_secrets(text, found, KNOWN)
    assert found == reference_known_secrets(text)


def test_every_known_match_holds_a_prefix_at_its_lead() -> None:
    seen = set()
    for piece in PIECES:
        for index, (prefixes, pattern, _detector) in enumerate(KNOWN_FORMATS):
            for match in pattern.finditer(piece):
                assert match.group().startswith(prefixes, _LEADS[index]), match.group()
                seen.add(index)
    assert seen == set(range(len(KNOWN_FORMATS)))


def test_examples() -> None:
    text = "x" * 80 + " a@b.co ann@example.com icon@2x.png c@@d.org " + PIECES[17]
    found: list[Raw] = []
    find_emails(text, found)
    assert found == reference_emails(text)
    assert len(found) == 2
    found = []
    find_secrets(text, found, KNOWN)
    assert found == reference_known_secrets(text)
    assert len(found) == 1


def test_an_address_after_a_word_ending_in_v_is_found() -> None:
    from app.core.datasets.pii import ALL_TYPES, PiiScanner

    text = " 118.82.138.64  NwB6euN39uo55V7nDDUR85PnPkqZAOxV  118.82.138.64 "
    assert [f.start for f in PiiScanner(ALL_TYPES).scan_text(text)] == [1, 50]
    assert PiiScanner(ALL_TYPES).scan_text("release v 1.2.3.4") == []
