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

The values the store takes and gives (rows, filters, sort keys, the policy's
parts) live in :mod:`app.services.review_rows`, and the text of its queries in
:mod:`app.services.review_queries`, so this module is only the store's state:
its lock, its connection and what it has been told.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence

from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)
from app.services.review_queries import (
    ACTION_SQL,
    FINDINGS_JOIN,
    ORDER_SQL,
    SCHEMA,
    SELECT_OVERRIDES,
    SELECT_ROW,
    where_clause,
)
from app.services.review_rows import (
    Arrangement,
    FindingLike,
    NewFinding,
    PolicyParts,
    ReviewFilter,
    ReviewRow,
    SortKey,
    check_action,
    finding_key,
)

_BATCH = 20_000


class ReviewStore:
    """Findings in memory, ordered and filtered by SQL, decided in bulk."""

    def __init__(self, default_action: str = "mask") -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
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
                where, args = where_clause(flt)
                direction = "DESC" if descending else "ASC"
                order_sql = ORDER_SQL[order].format(dir=direction, action=ACTION_SQL)
                self._db.execute(
                    f"INSERT INTO positions (fid) SELECT f.id FROM {FINDINGS_JOIN}{where} "  # noqa: S608
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
        select = SELECT_ROW
        if self._arrangement.direct:
            cursor = self._db.execute(
                select + FINDINGS_JOIN + " WHERE f.id > ? ORDER BY f.id LIMIT ?", (offset, limit)
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
            rows = self._db.execute(SELECT_OVERRIDES, (default,))
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
