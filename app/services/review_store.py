"""The PII findings under review, held where a table view can page through them.

A scan can find a million things. The review screen must sort, filter and
page through them without a Python sort of a million objects on the GUI
thread, and the findings (matched e-mail addresses, card numbers, secrets)
must never touch the disk in the clear. So they live in an in-memory SQLite
database: ``:memory:`` with ``temp_store = MEMORY``, so that not even a
large ``ORDER BY`` spills to a temporary file.

Sorting and filtering are queries. :meth:`ReviewStore.arrange` writes the
matching finding ids, in the chosen order, into a positions table once;
after that every window the view asks for is ``pos >= ? LIMIT ?``, which
costs the same at the top of the list as at its millionth row. The natural
order with no filter needs no positions table at all (ids are dense).

Decisions are kept in three layers, as the redaction policy has them: a
default action, an action per PII type, and per-finding overrides. Bulk
decisions are single ``UPDATE`` statements (per type, per selected ranges
of positions, or for everything the current filter shows).

The store is shared between a worker thread (loading, arranging) and the
GUI thread (windows, decisions); one lock serialises the connection. The
GUI asks with :meth:`try_window`, which never waits: while a worker holds
the lock the view shows placeholders instead of freezing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, NamedTuple, Protocol

from app.core.errors import InvalidInput
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)

ACTIONS: Final = ("mask", "pseudonymize", "drop-field", "drop-record", "keep")
"""The redaction actions, spelled as ``app.core.datasets.pii.Action`` values."""

CONTEXT_WIDTH: Final = 40
_BATCH = 20_000


class SortKey(StrEnum):
    """The columns a review can be ordered by."""

    RECORD = "record"
    TYPE = "type"
    VALUE = "value"
    PATH = "path"
    DETECTOR = "detector"
    ACTION = "action"


_ORDER_SQL: Final[Mapping[SortKey, str]] = {
    SortKey.RECORD: "f.record {dir}, f.id {dir}",
    SortKey.TYPE: "f.type {dir}, f.id",
    SortKey.VALUE: "f.value {dir}, f.id",
    SortKey.PATH: "f.path {dir}, f.id",
    SortKey.DETECTOR: "f.detector {dir}, f.id",
    SortKey.ACTION: "{action} {dir}, f.id",
}

_FROM: Final = "findings f LEFT JOIN type_actions t ON t.type = f.type"
_ACTION_SQL: Final = (
    "COALESCE(f.decision, t.action, (SELECT value FROM settings WHERE name = 'default'))"
)

_SELECT_ROW: Final = (
    'SELECT f.id, f.record, f.type, f.path, f.start, f."end", f.value, f.detector, '  # noqa: S608
    f"f.before, f.after, f.decision, {_ACTION_SQL} FROM "
)
_SELECT_OVERRIDES: Final = (
    'SELECT f.record, f.path, f.start, f."end", f.type, f.decision FROM '  # noqa: S608
    f"{_FROM} WHERE f.decision IS NOT NULL AND f.decision IS NOT "
    "COALESCE(t.action, ?) ORDER BY f.id"
)


class FindingLike(Protocol):
    """What the store needs of a ``app.core.datasets.pii.Finding``."""

    @property
    def type(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def value(self) -> str: ...
    @property
    def detector(self) -> str: ...


class NewFinding(NamedTuple):
    """One finding to load: where it is, what it is, and the text around it."""

    record: int
    type: str
    path: str
    start: int
    end: int
    value: str
    detector: str
    before: str = ""
    after: str = ""


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One finding as the review table shows it."""

    id: int
    record: int
    type: str
    path: str
    start: int
    end: int
    value: str
    detector: str
    before: str
    after: str
    decision: str | None
    """The per-finding override, ``None`` when the type's action applies."""
    action: str
    """What will be done: the override, else the type's action, else the default."""

    @property
    def key(self) -> str:
        return finding_key(self.record, self.path, self.start, self.end, self.type)


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which findings are shown: some types, and text the value or field contains."""

    types: frozenset[str] | None = None
    text: str = ""
    action: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.types is None and not self.text and self.action is None


@dataclass(frozen=True, slots=True)
class Arrangement:
    """An order and a filter, and how many findings they show."""

    order: SortKey = SortKey.RECORD
    descending: bool = False
    filter: ReviewFilter = field(default_factory=ReviewFilter)
    count: int = 0
    generation: int = 0
    direct: bool = True
    """Positions are ids: no positions table is needed."""

    @property
    def natural(self) -> bool:
        return self.order is SortKey.RECORD and not self.descending and self.filter.is_empty


@dataclass(frozen=True, slots=True)
class PolicyParts:
    """The decisions as a redaction policy holds them (plain strings)."""

    default: str
    per_type: dict[str, str]
    per_finding: dict[str, str]


def finding_key(record: int, path: str, start: int, end: int, type_: str) -> str:
    """The key ``app.core.datasets.pii.finding_key`` gives the same finding."""
    return f"{record}:{path}:{start}:{end}:{type_}"


def check_action(action: str) -> str:
    if action not in ACTIONS:
        raise InvalidInput(
            f"unknown redaction action {action!r}", hint="one of " + ", ".join(ACTIONS)
        )
    return action


def context_of(text: str, start: int, end: int, width: int = CONTEXT_WIDTH) -> tuple[str, str]:
    """Up to ``width`` characters either side of a match, on one line."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return _one_line(before), _one_line(after)


_ONE_LINE: Final = {ord(c): " " for c in "\r\n\t\v\f\x85\u2028\u2029"}


def _one_line(text: str) -> str:
    return text.translate(_ONE_LINE)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ReviewStore:
    """Findings in memory, ordered and filtered by SQL, decided in bulk."""

    def __init__(self, default_action: str = "mask") -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.executescript(
            """
            PRAGMA temp_store = MEMORY;
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE findings (
                id INTEGER PRIMARY KEY,
                record INTEGER NOT NULL,
                type TEXT NOT NULL,
                path TEXT NOT NULL,
                start INTEGER NOT NULL,
                "end" INTEGER NOT NULL,
                value TEXT NOT NULL,
                detector TEXT NOT NULL,
                before TEXT NOT NULL,
                after TEXT NOT NULL,
                decision TEXT
            );
            CREATE TABLE type_actions (type TEXT PRIMARY KEY, action TEXT NOT NULL);
            CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE positions (pos INTEGER PRIMARY KEY, fid INTEGER NOT NULL);
            """
        )
        self._db.execute(
            "INSERT INTO settings VALUES ('default', ?)", (check_action(default_action),)
        )
        self._count = 0
        self._last_record = -1
        self._in_record_order = True
        """Findings arrived in record order (a scan's order): ids then sort by record."""
        self._generation = 0
        self._arrangement = Arrangement()
        self._closed = False

    # --- loading -------------------------------------------------------------------

    def add(
        self,
        findings: Iterable[NewFinding],
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> int:
        """Append findings in scan order; returns how many the store holds now."""
        rows = iter(findings)
        while True:
            cancel.raise_if_cancelled()
            batch = [tuple(f) for f in _take(rows, _BATCH)]
            if not batch:
                break
            for row in batch:
                record = int(row[0])  # type: ignore[call-overload]
                if record < self._last_record:
                    self._in_record_order = False
                self._last_record = max(self._last_record, record)
            with self._lock:
                self._db.execute("BEGIN")
                self._db.executemany(
                    'INSERT INTO findings (record, type, path, start, "end", value, detector, '
                    "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                self._db.execute("COMMIT")
                self._count += len(batch)
                self._arrangement = Arrangement(
                    count=self._count,
                    generation=self._generation,
                    direct=self._in_record_order,
                )
            progress(ProgressEvent("review", self._count, None, "findings"))
        with self._lock:  # built once at the end: faster than growing it row by row
            self._db.execute(
                "CREATE INDEX IF NOT EXISTS findings_by_type ON findings (type, decision)"
            )
        if not self._in_record_order:
            self.arrange()  # ids no longer follow records: order them once
        return self._count

    def add_scan(
        self,
        findings: Iterable[tuple[int, FindingLike]],
        *,
        contexts: Iterable[tuple[str, str]] | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> int:
        """Load ``(record index, Finding)`` pairs as a scan returns them."""
        around = iter(contexts) if contexts is not None else None

        def rows() -> Iterator[NewFinding]:
            for record, f in findings:
                before, after = next(around, ("", "")) if around is not None else ("", "")
                yield NewFinding(
                    record, str(f.type), f.path, f.start, f.end, f.value, f.detector, before, after
                )

        return self.add(rows(), progress=progress, cancel=cancel)

    def __len__(self) -> int:
        return self._count

    # --- arranging -----------------------------------------------------------------

    @property
    def arrangement(self) -> Arrangement:
        return self._arrangement

    def _where(self, flt: ReviewFilter) -> tuple[str, list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        if flt.types is not None:
            kinds = sorted(flt.types)
            clauses.append(f"f.type IN ({', '.join('?' * len(kinds))})" if kinds else "0")
            args.extend(kinds)
        if flt.text:
            clauses.append("(f.value LIKE ? ESCAPE '\\' OR f.path LIKE ? ESCAPE '\\')")
            args.extend([_like(flt.text)] * 2)
        if flt.action is not None:
            clauses.append(f"{_ACTION_SQL} = ?")
            args.append(check_action(flt.action))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def arrange(
        self,
        order: SortKey = SortKey.RECORD,
        *,
        descending: bool = False,
        filter: ReviewFilter | None = None,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> Arrangement:
        """Order and filter the findings; windows then page through the result."""
        flt = filter or ReviewFilter()
        with self._lock:
            cancel.raise_if_cancelled()
            self._generation += 1
            wanted = Arrangement(order, descending, flt, 0, self._generation)
            self._db.execute("DELETE FROM positions")
            if wanted.natural and self._in_record_order:
                count = self._count
            else:
                where, args = self._where(flt)
                direction = "DESC" if descending else "ASC"
                order_sql = _ORDER_SQL[order].format(dir=direction, action=_ACTION_SQL)
                self._db.execute(
                    f"INSERT INTO positions (fid) SELECT f.id FROM {_FROM}{where} "  # noqa: S608
                    f"ORDER BY {order_sql}",
                    args,
                )
                row = self._db.execute("SELECT COUNT(*) FROM positions").fetchone()
                count = int(row[0])
            direct = wanted.natural and self._in_record_order
            self._arrangement = Arrangement(
                order, descending, flt, count, self._generation, direct=direct
            )
            return self._arrangement

    # --- reading -------------------------------------------------------------------

    def window(self, offset: int, limit: int) -> list[ReviewRow]:
        """Rows ``offset`` .. ``offset + limit`` of the current arrangement."""
        with self._lock:
            return self._window(offset, limit)

    def try_window(self, offset: int, limit: int) -> list[ReviewRow] | None:
        """Like :meth:`window`, but ``None`` at once while a worker holds the store."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._window(offset, limit)
        finally:
            self._lock.release()

    def _window(self, offset: int, limit: int) -> list[ReviewRow]:
        if offset < 0 or limit <= 0:
            return []
        select = _SELECT_ROW
        if self._arrangement.direct:
            cursor = self._db.execute(
                select + _FROM + " WHERE f.id > ? ORDER BY f.id LIMIT ?", (offset, limit)
            )
        else:
            cursor = self._db.execute(
                select + "positions p JOIN findings f ON f.id = p.fid "
                "LEFT JOIN type_actions t ON t.type = f.type "
                "WHERE p.pos > ? ORDER BY p.pos LIMIT ?",
                (offset, limit),
            )
        return [ReviewRow(*row) for row in cursor]

    def type_counts(self) -> dict[str, int]:
        """Findings per type, over everything loaded."""
        with self._lock:
            rows = self._db.execute(
                "SELECT type, COUNT(*) FROM findings GROUP BY type ORDER BY type"
            )
            return {str(kind): int(n) for kind, n in rows}

    def summary(self) -> dict[str, dict[str, int]]:
        """Findings per type and effective action, from the ``(type, decision)`` index."""
        with self._lock:
            default = self.default_action
            per_type = self.type_actions()
            rows = self._db.execute(
                "SELECT type, decision, COUNT(*) FROM findings GROUP BY type, decision"
            ).fetchall()
        result: dict[str, dict[str, int]] = {}
        for kind, decision, n in rows:
            action = decision or per_type.get(kind, default)
            counts = result.setdefault(str(kind), {})
            counts[action] = counts.get(action, 0) + int(n)
        return result

    def action_counts(self) -> dict[str, int]:
        """Findings per effective action, over everything loaded."""
        totals: dict[str, int] = {}
        for counts in self.summary().values():
            for action, n in counts.items():
                totals[action] = totals.get(action, 0) + n
        return dict(sorted(totals.items()))

    # --- deciding ------------------------------------------------------------------

    @property
    def default_action(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE name = 'default'").fetchone()
            return str(row[0])

    def set_default_action(self, action: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE settings SET value = ? WHERE name = 'default'", (check_action(action),)
            )

    def type_actions(self) -> dict[str, str]:
        with self._lock:
            rows = self._db.execute("SELECT type, action FROM type_actions ORDER BY type")
            return {str(kind): str(action) for kind, action in rows}

    def set_type_action(
        self, type_: str, action: str | None, *, clear_overrides: bool = True
    ) -> int:
        """Decide a whole type; by default per-finding choices of that type are dropped.

        Returns how many findings the change touches.
        """
        with self._lock:
            self._db.execute("BEGIN")
            if action is None:
                self._db.execute("DELETE FROM type_actions WHERE type = ?", (type_,))
            else:
                self._db.execute(
                    "INSERT INTO type_actions VALUES (?, ?) "
                    "ON CONFLICT (type) DO UPDATE SET action = excluded.action",
                    (type_, check_action(action)),
                )
            if clear_overrides:
                self._db.execute(
                    "UPDATE findings SET decision = NULL WHERE type = ? AND decision IS NOT NULL",
                    (type_,),
                )
            self._db.execute("COMMIT")
            row = self._db.execute("SELECT COUNT(*) FROM findings WHERE type = ?", (type_,))
            return int(row.fetchone()[0])

    def decide_ids(self, ids: Iterable[int], action: str | None) -> int:
        """Override (or with ``None`` reset) the action of single findings."""
        value = None if action is None else check_action(action)
        with self._lock:
            self._db.execute("BEGIN")
            cursor = self._db.executemany(
                "UPDATE findings SET decision = ? WHERE id = ?", ((value, i) for i in ids)
            )
            self._db.execute("COMMIT")
            return cursor.rowcount

    def decide_positions(self, ranges: Sequence[tuple[int, int]], action: str | None) -> int:
        """Decide the rows ``first .. last`` (inclusive, 0-based) of the arrangement.

        A selection of a million rows is a handful of ranges, so this is a
        handful of ``UPDATE`` statements, never a million ids in Python.
        """
        value = None if action is None else check_action(action)
        changed = 0
        with self._lock:
            natural = self._arrangement.direct
            self._db.execute("BEGIN")
            for first, last in ranges:
                if last < first:
                    continue
                if natural:
                    sql = "UPDATE findings SET decision = ? WHERE id BETWEEN ? AND ?"
                else:
                    sql = (
                        "UPDATE findings SET decision = ? WHERE id IN "
                        "(SELECT fid FROM positions WHERE pos BETWEEN ? AND ?)"
                    )
                changed += self._db.execute(sql, (value, first + 1, last + 1)).rowcount
            self._db.execute("COMMIT")
        return changed

    def decide_shown(self, action: str | None) -> int:
        """Decide every finding the current filter shows."""
        with self._lock:
            count = self._arrangement.count
        return self.decide_positions([(0, count - 1)], action) if count else 0

    def policy_parts(self) -> PolicyParts:
        """The decisions, ready for a ``RedactionPolicy``.

        Per-finding entries are only those that differ from what their type
        (or the default) would do, so an untouched review adds none.
        """
        with self._lock:
            default = self.default_action
            per_type = self.type_actions()
            rows = self._db.execute(_SELECT_OVERRIDES, (default,))
            per_finding = {
                finding_key(record, path, start, end, kind): str(decision)
                for record, path, start, end, kind, decision in rows
            }
        return PolicyParts(default, per_type, per_finding)

    # --- lifetime ------------------------------------------------------------------

    def close(self) -> None:
        """Drop the findings from memory now, not when the garbage collector gets to it."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    @property
    def closed(self) -> bool:
        return self._closed


def _take(rows: Iterator[NewFinding], size: int) -> list[NewFinding]:
    batch: list[NewFinding] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            break
    return batch
