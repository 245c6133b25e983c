"""Planner statistics and search indexes after bulk loads.

PostgreSQL plans from statistics that autovacuum refreshes only after a while: right after
``alumni seed`` or ``alumni import members`` has written 100,000 members, the planner still
believes the table nearly empty and scans the directory index instead of the full-text one
(a search took 40 ms instead of 4). Whoever loads in bulk refreshes them at once.

Rows written in bulk also wait in the GIN indexes' pending lists (the fast-update buffer),
which every full-text search reads from end to end until a vacuum merges them: with 100,000
fresh members a two-word search read 350 pages and took 6 ms instead of 0.1. The same refresh
merges them.
"""

from __future__ import annotations

from sqlalchemy import text

from .engine import Database
from .search_ddl import POSTGRES_GIN_INDEXES

__all__ = ["BULK_LOADED", "refresh_statistics"]

BULK_LOADED = ("members", "education", "platform_accounts", "search_terms")


async def refresh_statistics(db: Database, tables: tuple[str, ...] = BULK_LOADED) -> None:
    """``ANALYZE`` the tables and merge the GIN pending lists on PostgreSQL; SQLite plans
    well enough without, and its FTS5 index has no such buffer."""
    if db.is_sqlite:
        return
    async with db.engine.begin() as conn:
        for table in tables:
            await conn.execute(text(f"ANALYZE {table}"))
        for index in POSTGRES_GIN_INDEXES:
            await conn.execute(
                text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": index}
            )
