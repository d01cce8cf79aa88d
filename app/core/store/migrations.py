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
    # 2: prepared datasets, their PII findings under review, and submissions
    """
    CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created TEXT NOT NULL,
        owner_did TEXT NOT NULL,
        records INTEGER NOT NULL,
        duplicates_removed INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        commitment TEXT NOT NULL,
        package_file TEXT NOT NULL,
        package_sha256 TEXT NOT NULL,
        package_size INTEGER NOT NULL,
        pseudonym_key BLOB NOT NULL CHECK (length(pseudonym_key) = 32),
        manifest TEXT NOT NULL,
        card TEXT NOT NULL,
        report TEXT NOT NULL
    );
    CREATE INDEX datasets_created ON datasets (created);
    CREATE TABLE submissions (
        id TEXT PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE RESTRICT,
        created TEXT NOT NULL,
        state TEXT NOT NULL,
        network_id TEXT,
        network_recipient TEXT NOT NULL,
        signer_did TEXT NOT NULL,
        manifest_digest TEXT NOT NULL UNIQUE,
        consent_digest TEXT NOT NULL,
        folder TEXT NOT NULL,
        envelope TEXT NOT NULL,
        revocation TEXT
    );
    CREATE INDEX submissions_dataset ON submissions (dataset_id);
    CREATE INDEX submissions_state ON submissions (state, created);
    """,
)

SCHEMA_VERSION: Final[int] = len(MIGRATIONS)
