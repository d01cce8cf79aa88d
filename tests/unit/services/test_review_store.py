"""The review store: SQL order and filter, windows, layered decisions, nothing on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import Cancelled, InvalidInput
from app.core.progress import CancelToken
from app.services.review_rows import NewFinding, ReviewFilter, SortKey, context_of, finding_key
from app.services.review_store import ReviewStore

KINDS = ("email", "phone", "iban", "secret")


def _finding(i: int) -> NewFinding:
    kind = KINDS[i % len(KINDS)]
    return NewFinding(
        record=i // 2,
        type=kind,
        path=f"/field{i % 3}",
        start=i % 7,
        end=i % 7 + 5,
        value=f"{kind}-{(i * 37) % 101:03d}",
        detector=f"{kind}:d{i % 2}",
        before="left ",
        after=" right",
    )


@pytest.fixture
def store() -> ReviewStore:
    s = ReviewStore()
    s.add(_finding(i) for i in range(200))
    return s


def test_natural_order_windows_page_through_everything(store: ReviewStore) -> None:
    assert len(store) == 200
    first = store.window(0, 3)
    assert [row.id for row in first] == [1, 2, 3]
    assert first[0].record == 0
    assert first[0].action == "mask"  # the default
    assert first[0].decision is None
    assert [row.id for row in store.window(198, 10)] == [199, 200]
    assert store.window(200, 10) == []
    assert store.window(-1, 10) == []
    assert store.try_window(5, 1) == store.window(5, 1)


def test_sorting_and_filtering_are_queries(store: ReviewStore) -> None:
    arrangement = store.arrange(SortKey.VALUE, descending=True)
    assert arrangement.count == 200
    values = [row.value for row in store.window(0, 200)]
    assert values == sorted(values, reverse=True)

    emails = store.arrange(SortKey.RECORD, filter=ReviewFilter(types=frozenset({"email"})))
    assert emails.count == 50
    rows = store.window(0, 100)
    assert {row.type for row in rows} == {"email"}
    assert [row.record for row in rows] == sorted(row.record for row in rows)

    text = store.arrange(filter=ReviewFilter(text="phone-00"))
    assert text.count == len([r for r in map(_finding, range(200)) if "phone-00" in r.value])
    assert store.arrange(filter=ReviewFilter(text="%")).count == 0  # LIKE wildcards are literal
    assert store.arrange(filter=ReviewFilter(types=frozenset())).count == 0
    assert store.arrange().natural


def test_decisions_layer_default_type_and_finding(store: ReviewStore) -> None:
    store.set_default_action("pseudonymize")
    store.set_type_action("secret", "drop-record")
    store.arrange(SortKey.RECORD, filter=ReviewFilter(types=frozenset({"email"})))
    assert store.decide_positions([(0, 1), (4, 4)], "keep") == 3
    emails = store.window(0, 5)
    assert [row.action for row in emails] == [
        "keep",
        "keep",
        "pseudonymize",
        "pseudonymize",
        "keep",
    ]

    parts = store.policy_parts()
    assert parts.default == "pseudonymize"
    assert parts.per_type == {"secret": "drop-record"}
    assert set(parts.per_finding.values()) == {"keep"}
    assert emails[0].key in parts.per_finding
    assert emails[0].key == finding_key(
        emails[0].record, emails[0].path, emails[0].start, emails[0].end, "email"
    )

    summary = store.summary()
    assert summary["secret"] == {"drop-record": 50}
    assert summary["email"] == {"keep": 3, "pseudonymize": 47}
    assert store.action_counts() == {"drop-record": 50, "keep": 3, "pseudonymize": 147}

    # Deciding the whole type drops the single choices of that type.
    store.set_type_action("email", "mask")
    assert store.summary()["email"] == {"mask": 50}
    assert store.policy_parts().per_finding == {}

    # A per-finding choice equal to its type's action adds nothing to the policy.
    store.arrange()
    email_row = next(row for row in store.window(0, 10) if row.type == "email")
    store.decide_ids([email_row.id], "mask")
    assert store.policy_parts().per_finding == {}
    store.decide_ids([email_row.id], None)
    assert store.window(email_row.id - 1, 1)[0].decision is None


def test_filter_by_action_and_decide_everything_shown(store: ReviewStore) -> None:
    store.set_type_action("iban", "keep")
    shown = store.arrange(filter=ReviewFilter(action="keep"))
    assert shown.count == 50
    assert store.decide_shown("drop-field") == 50
    assert store.summary()["iban"] == {"drop-field": 50}
    assert store.arrange(filter=ReviewFilter(action="keep")).count == 0
    assert store.decide_shown("mask") == 0


def test_sorting_by_decision_uses_the_effective_action(store: ReviewStore) -> None:
    store.set_type_action("phone", "keep")
    store.decide_ids([1], "drop-record")
    store.arrange(SortKey.ACTION)
    actions = [row.action for row in store.window(0, 200)]
    assert actions == sorted(actions)
    assert actions[0] == "drop-record"


def test_bad_actions_are_refused(store: ReviewStore) -> None:
    with pytest.raises(InvalidInput, match="unknown redaction action"):
        store.set_type_action("email", "shred")
    with pytest.raises(InvalidInput):
        ReviewStore(default_action="burn")
    with pytest.raises(InvalidInput):
        store.decide_ids([1], "erase")


def test_loading_can_be_cancelled_and_reports_progress() -> None:
    store = ReviewStore()
    seen: list[int] = []
    store.add((_finding(i) for i in range(50_000)), progress=lambda e: seen.append(e.done))
    assert seen[-1] == 50_000
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        store.add((_finding(i) for i in range(10)), cancel=token)
    assert len(store) == 50_000


def test_scan_pairs_load_with_their_context() -> None:
    @dataclass(frozen=True)
    class Finding:
        type: str
        path: str
        start: int
        end: int
        value: str
        detector: str

    text = "write to me at ada@example.org\nor call"
    start = text.index("ada")
    found = Finding("email", "/text", start, start + 15, "ada@example.org", "email")
    store = ReviewStore()
    store.add_scan([(7, found)], contexts=[context_of(text, start, start + 15, 10)])
    row = store.window(0, 1)[0]
    assert (row.record, row.type, row.value) == (7, "email", "ada@example.org")
    assert row.before == " to me at "
    assert row.after == " or call"  # the line break became a space
    assert row.key == "7:/text:15:30:email"


def test_closing_forgets_everything(store: ReviewStore) -> None:
    store.close()
    assert store.closed
    store.close()  # twice is harmless
    with pytest.raises(Exception, match="closed"):
        store.window(0, 1)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_nothing_reaches_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large sort must not spill the findings to a temporary file.

    SQLite unlinks its temporary files as soon as it opens them, so the
    test looks at the open descriptors while the sort runs.
    """
    monkeypatch.setenv("SQLITE_TMPDIR", str(tmp_path))
    store = ReviewStore()
    secret = "sk_live_" + "Q" * 24
    store.add(
        NewFinding(i, "secret", "/k", 0, 32, f"{secret}{i:07d}", "secret", "x" * 40, "y" * 40)
        for i in range(60_000)
    )
    spilled: set[str] = set()

    def look() -> int:
        for fd in Path("/proc/self/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if "etilqs" in target or str(tmp_path) in target:
                spilled.add(target)
        return 0

    store._db.set_progress_handler(look, 20_000)
    store._db.execute("PRAGMA cache_size = 50")  # a small cache would spill to disk at once
    store.arrange(SortKey.VALUE, descending=True)
    store.arrange(SortKey.PATH, filter=ReviewFilter(text="sk_live"))
    assert spilled == set()
    assert store._db.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    store.close()


_rows = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.sampled_from(KINDS),
        st.sampled_from(["/a", "/b", "/a/0"]),
        st.text("abcxyz%_", min_size=1, max_size=6),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    rows=_rows,
    key=st.sampled_from(list(SortKey)),
    descending=st.booleans(),
    kinds=st.none() | st.frozensets(st.sampled_from(KINDS)),
    text=st.text("abcxyz%_", max_size=2),
    first=st.integers(0, 70),
    size=st.integers(1, 20),
)
def test_windows_equal_a_python_sort_and_filter(
    rows: list[tuple[int, str, str, str]],
    key: SortKey,
    descending: bool,
    kinds: frozenset[str] | None,
    text: str,
    first: int,
    size: int,
) -> None:
    store = ReviewStore()
    store.add(NewFinding(r, k, p, 0, 1, v, k) for r, k, p, v in rows)
    store.set_type_action("phone", "keep")
    store.arrange(key, descending=descending, filter=ReviewFilter(kinds, text))
    expected = [
        (i + 1, r, k, p, v)
        for i, (r, k, p, v) in enumerate(rows)
        if (kinds is None or k in kinds) and (text in v or text in p)
    ]

    def order(entry: tuple[int, int, str, str, str]) -> tuple[object, ...]:
        ident, record, kind, path, value = entry
        if key is SortKey.RECORD:
            return (-record, -ident) if descending else (record, ident)
        column = {
            SortKey.TYPE: kind,
            SortKey.DETECTOR: kind,
            SortKey.PATH: path,
            SortKey.VALUE: value,
            SortKey.ACTION: "keep" if kind == "phone" else "mask",
        }[key]
        return (_Reversed(column) if descending else column, ident)

    expected.sort(key=order)
    got = [(row.id, row.record, row.type, row.path, row.value) for row in store.window(first, size)]
    assert got == expected[first : first + size]
    assert store.arrangement.count == len(expected)
    store.close()


class _Reversed(str):
    """A sort key: strings in reverse order."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)
