"""The SQL behind the review store: its schema and the queries that sort and filter.

Kept apart from :mod:`app.services.review_store` so that the store reads as
what it does with its lock and its connection (load, arrange, page, decide),
while the text of every query lives here, in one place, where the one rule
that ties them together can be seen: a finding's effective action is its own
decision, else its type's action, else the default (:data:`ACTION_SQL`), and
sorting, filtering and the policy's overrides must all agree on it.

Filter values are always bound parameters; only the fixed fragments below
are ever formatted into a statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from app.services.review_rows import ReviewFilter, SortKey, check_action

SCHEMA: Final = """
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
"""Everything in memory: ``temp_store = MEMORY`` keeps even a large sort off the disk."""

ORDER_SQL: Final[Mapping[SortKey, str]] = {
    SortKey.RECORD: "f.record {dir}, f.id {dir}",
    SortKey.TYPE: "f.type {dir}, f.id",
    SortKey.VALUE: "f.value {dir}, f.id",
    SortKey.PATH: "f.path {dir}, f.id",
    SortKey.DETECTOR: "f.detector {dir}, f.id",
    SortKey.ACTION: "{action} {dir}, f.id",
}

FINDINGS_JOIN: Final = "findings f LEFT JOIN type_actions t ON t.type = f.type"
ACTION_SQL: Final = (
    "COALESCE(f.decision, t.action, (SELECT value FROM settings WHERE name = 'default'))"
)

SELECT_ROW: Final = (
    'SELECT f.id, f.record, f.type, f.path, f.start, f."end", f.value, f.detector, '  # noqa: S608
    f"f.before, f.after, f.decision, {ACTION_SQL} FROM "
)
SELECT_OVERRIDES: Final = (
    'SELECT f.record, f.path, f.start, f."end", f.type, f.decision FROM '  # noqa: S608
    f"{FINDINGS_JOIN} WHERE f.decision IS NOT NULL AND f.decision IS NOT "
    "COALESCE(t.action, ?) ORDER BY f.id"
)


def where_clause(flt: ReviewFilter) -> tuple[str, list[object]]:
    """The ``WHERE`` a filter asks for, with its arguments (empty for no filter)."""
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
        clauses.append(f"{ACTION_SQL} = ?")
        args.append(check_action(flt.action))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
