"""Planner statistics after bulk loads.

PostgreSQL plans from statistics that autovacuum refreshes only after a while: right after
``alumni seed`` or ``alumni import members`` has written 100,000 members, the planner still
believes the table nearly empty and scans the directory index instead of the full-text one
(a search took 40 ms instead of 4). Whoever loads in bulk refreshes them at once.
"""

from __future__ import annotations

from sqlalchemy import text

from .engine import Database

__all__ = ["BULK_LOADED", "refresh_statistics"]

BULK_LOADED = ("members", "education", "platform_accounts", "search_terms")


async def refresh_statistics(db: Database, tables: tuple[str, ...] = BULK_LOADED) -> None:
    """``ANALYZE`` the tables on PostgreSQL; SQLite plans well enough without."""
    if db.is_sqlite:
        return
    async with db.engine.begin() as conn:
        for table in tables:
            await conn.execute(text(f"ANALYZE {table}"))
