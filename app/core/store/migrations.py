"""Ordered schema migrations, tracked in ``PRAGMA user_version``.

Each step moves the schema from version ``n - 1`` to ``n`` inside one
transaction, so a killed process leaves the vault at a whole version. Steps
are append-only: a released step is never edited, a later one corrects it.
"""

from __future__ import annotations

from typing import Final

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: identities
    """
    CREATE TABLE identities (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        did TEXT NOT NULL UNIQUE,
        recipient TEXT NOT NULL UNIQUE,
        signing_seed BLOB NOT NULL CHECK (length(signing_seed) = 32),
        age_secret BLOB NOT NULL CHECK (length(age_secret) = 32),
        created TEXT NOT NULL,
        is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
    );
    CREATE UNIQUE INDEX identities_one_default ON identities (is_default) WHERE is_default = 1;
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)

SCHEMA_VERSION: Final[int] = len(MIGRATIONS)
