"""Engine-specific search structures that the models cannot describe.

SQLite: an FTS5 table over ``members`` (external content, kept in sync by triggers).
PostgreSQL: a stored ``search_tsv`` column (generated from the search document, so a match is
never recomputed row by row) with a GIN index for full-text prefix search. The index's
pending list (where new entries wait to be merged in bulk, and which every search reads in
full) is kept to 256 kB instead of the 4 MB default, so that a search between two vacuums
reads at most about 30 pages of it.

SQLite's batch ALTER recreates a table and loses its triggers: a migration that alters
``members`` in batch mode must call ``create_member_search`` again afterwards.
"""

from __future__ import annotations

from typing import Any

SQLITE_OBJECTS = ("members_fts",)
POSTGRES_INDEXES = ("ix_members_search_tsv",)
POSTGRES_GIN_INDEXES = ("ix_members_search_tsv",)
PENDING_LIST_KB = 256
POSTGRES_COLUMNS = ("search_tsv",)

_SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS members_fts USING fts5(
        name_key, search_document,
        content='members', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2")""",
    """CREATE TRIGGER IF NOT EXISTS members_fts_ai AFTER INSERT ON members BEGIN
        INSERT INTO members_fts(rowid, name_key, search_document)
        VALUES (new.id, new.name_key, new.search_document);
    END""",
    """CREATE TRIGGER IF NOT EXISTS members_fts_ad AFTER DELETE ON members BEGIN
        INSERT INTO members_fts(members_fts, rowid, name_key, search_document)
        VALUES ('delete', old.id, old.name_key, old.search_document);
    END""",
    """CREATE TRIGGER IF NOT EXISTS members_fts_au AFTER UPDATE OF name_key, search_document
    ON members BEGIN
        INSERT INTO members_fts(members_fts, rowid, name_key, search_document)
        VALUES ('delete', old.id, old.name_key, old.search_document);
        INSERT INTO members_fts(rowid, name_key, search_document)
        VALUES (new.id, new.name_key, new.search_document);
    END""",
    "INSERT INTO members_fts(members_fts) VALUES ('rebuild')",
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS members_fts_ai",
    "DROP TRIGGER IF EXISTS members_fts_ad",
    "DROP TRIGGER IF EXISTS members_fts_au",
    "DROP TABLE IF EXISTS members_fts",
]

_POSTGRES_CREATE = [
    "ALTER TABLE members ADD COLUMN IF NOT EXISTS search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_members_search_tsv ON members USING gin (search_tsv)",
    f"ALTER INDEX ix_members_search_tsv SET (gin_pending_list_limit = {PENDING_LIST_KB})",
]

_POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_members_search_tsv",
    "ALTER TABLE members DROP COLUMN IF EXISTS search_tsv",
]


def create_member_search(op: Any) -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_CREATE if dialect == "sqlite" else _POSTGRES_CREATE:
        op.execute(statement)


def bound_pending_list(op: Any) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_CREATE[-1])


def drop_member_search(op: Any) -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_DROP if dialect == "sqlite" else _POSTGRES_DROP:
        op.execute(statement)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Hide the search structures from autogenerate: the models do not describe them."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(SQLITE_OBJECTS):
        return False
    if type_ == "column" and name in POSTGRES_COLUMNS:
        return False
    return not (type_ == "index" and name in POSTGRES_INDEXES)
