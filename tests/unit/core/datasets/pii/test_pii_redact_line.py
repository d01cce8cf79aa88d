"""``_fastlane.redact_line``, whenever it answers, equals the Python text lane on the line."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.canonical import canonical_json
from app.core.datasets.pii import (
    ALL_TYPES,
    DEFAULT_TYPES,
    Action,
    PiiScanner,
    PiiType,
    RedactionPolicy,
    textlane,
)
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.pii.native_find import KINDS, scanner_arguments
from app.core.datasets.pii.redact import mask_tag
from app.core.datasets.pii.textlane import TextLane, usable
from app.core.datasets.records import JsonObject
from tests.unit.core.datasets.pii.test_pii_textlane import PLANTED, RECORD, TEXTS

pytestmark = pytest.mark.skipif(
    textlane._redact_line is None, reason="the C extension is not built (or turned off)"
)
KEY = bytes(range(32))
SCANNERS = {"default": PiiScanner(DEFAULT_TYPES), "all": PiiScanner(ALL_TYPES)}
ACTIONS = [Action.MASK, Action.KEEP, Action.PSEUDONYMIZE, Action.DROP_RECORD]
POLICY = st.one_of(
    st.just(RedactionPolicy()),
    st.builds(
        RedactionPolicy,
        default=st.sampled_from(ACTIONS[:2]),
        per_type=st.dictionaries(st.sampled_from(sorted(PiiType)), st.sampled_from(ACTIONS[:2])),
    ),
    st.builds(  # kinds C leaves to Python: it must answer None when one is found
        RedactionPolicy,
        default=st.sampled_from(ACTIONS),
        per_type=st.dictionaries(st.sampled_from(sorted(PiiType)), st.sampled_from(ACTIONS)),
    ),
)
# Records whose members hold several planted values at once, in nested arrays and objects.
DENSE = st.recursive(
    st.lists(st.sampled_from(PLANTED + TEXTS[:40]), min_size=1, max_size=4).map(" ; ".join),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from([*PLANTED, "k", "text"]), children, max_size=3),
    ),
    max_leaves=8,
)
DENSE_RECORD = st.dictionaries(st.sampled_from([*PLANTED, "a", "b", "c"]), DENSE, max_size=4)


def _tags(policy: RedactionPolicy) -> tuple[bytes | bool | None, ...]:
    tags: list[bytes | bool | None] = []
    for kind in KINDS:
        action = policy.per_type.get(kind, policy.default)
        tags.append(
            mask_tag(kind).encode()
            if action is Action.MASK
            else None
            if action is Action.KEEP
            else False
        )
    return tuple(tags)


def _compare(record: JsonObject, policy: RedactionPolicy) -> int:
    """redact_line against the Python lane for every scanner and family set; answers taken."""
    canonical = canonical_json(record)
    if not usable(canonical):
        return 0
    redact_line = textlane._redact_line
    assert redact_line is not None
    taken = 0
    for scanner in SCANNERS.values():
        arguments = scanner_arguments(scanner)
        python = TextLane(scanner, policy, KEY, native=False)
        for families in (pf.ALL, pf.json_families(canonical, len(record)), pf.EMAIL, pf.DIGITS):
            done = redact_line(canonical, families, *arguments, _tags(policy))
            if done is None:
                continue
            taken += 1
            line, leaf, kinds = done
            expected, counts = python.redact(canonical, families)
            assert line == expected
            names = [
                (KINDS[kind].value, policy.per_type.get(KINDS[kind], policy.default))
                for kind in kinds
            ]
            built: dict[str, dict[str, int]] = {}
            for type_name, action in names:
                per_type = built.setdefault(type_name, {})
                per_type[action.value] = per_type.get(action.value, 0) + 1
            # the same counts in the same order (the stage's result is pickled as is)
            assert json.dumps(built or None) == json.dumps(counts)
            assert all(action in (Action.MASK, Action.KEEP) for _, action in names)
            if leaf is None:
                assert line is canonical
                assert not any(action is Action.MASK for _, action in names)
            else:
                assert leaf == hashlib.sha256(b"\x00" + hashlib.sha256(line).digest()).digest()
                assert line != canonical
            assert list(json.loads(line)) == list(json.loads(canonical))  # keys never redacted
            # the lane with the C detectors gives the same through its fast path
            fast = TextLane(scanner, policy, KEY).redact_leaf(canonical, families)
            assert fast == (line, counts, leaf)
    return taken


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(RECORD, DENSE_RECORD), POLICY)
@example({"ann@example.com": "mail ann@example.com or 192.0.2.7"}, RedactionPolicy())
@example(
    {"a": ["DE89370400440532013000", {"4111 1111 1111 1111": "4111 1111 1111 1111"}]},
    RedactionPolicy(),
)
def test_redact_line_equals_the_python_lane(record: JsonObject, policy: RedactionPolicy) -> None:
    _compare(record, policy)


def test_the_common_lines_are_done_in_c() -> None:
    record: JsonObject = {
        "ann@example.com": "x",
        "t": "write to ann@example.com, or 192.0.2.7",
        "n": [1, {"card": "4111 1111 1111 1111", "k": "ghp_rML6nhTMLCOXNIgNnZUSVW760ZEcjCQ1746P"}],
    }
    redact_line = textlane._redact_line
    assert redact_line is not None
    scanner = SCANNERS["default"]
    canonical = canonical_json(record)
    done = redact_line(canonical, pf.ALL, *scanner_arguments(scanner), _tags(RedactionPolicy()))
    assert done is not None
    line, leaf, kinds = done
    assert json.loads(line) == {
        "ann@example.com": "x",
        "t": "write to [EMAIL], or [IP]",
        "n": [1, {"card": "[PAYMENT_CARD]", "k": "[SECRET]"}],
    }
    assert [KINDS[kind] for kind in kinds] == [
        PiiType.PAYMENT_CARD,
        PiiType.SECRET,
        PiiType.EMAIL,
        PiiType.IP,
    ]
    assert leaf == hashlib.sha256(b"\x00" + hashlib.sha256(line).digest()).digest()
    # every family set of the default scanner in C (names and addresses are Python's)
    assert _compare(record, RedactionPolicy()) == 4
    keep = RedactionPolicy(per_type={PiiType.EMAIL: Action.KEEP})
    assert _compare(record, keep) == 4
    # an action C does not apply, when found, leaves the line to Python
    pseudo = RedactionPolicy(per_type={PiiType.IP: Action.PSEUDONYMIZE})
    assert redact_line(canonical, pf.ALL, *scanner_arguments(scanner), _tags(pseudo)) is None
    assert redact_line(canonical, pf.EMAIL, *scanner_arguments(scanner), _tags(pseudo)) is not None
