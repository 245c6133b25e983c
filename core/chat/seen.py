"""Remember signed requests already handled, across every process of the cluster.

A platform's signature proves who sent a request, not that it is the first time: a captured
request stays valid for the platform's tolerance window (Slack: five minutes). ``SeenRequests``
records a digest of each accepted signature in the database with the time it stops being
valid; the primary key makes the second arrival lose, whichever process it reaches.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, update

from ..clock import Clock
from ..db import Database
from ..db.base import insert_for, table_of
from ..db.models import SeenRequest

__all__ = ["SeenRequests"]

SWEEP_EVERY = dt.timedelta(minutes=1)


class SeenRequests:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._next_sweep = clock.now()

    async def first_time(self, key: str, *, valid_until: dt.datetime) -> bool:
        """Record ``key``; False when it was recorded before and is still valid."""
        now = self.clock.now()
        digest = hashlib.sha256(key.encode()).hexdigest()
        row = table_of(SeenRequest)
        async with self.db.engine.begin() as conn:
            if now >= self._next_sweep:
                self._next_sweep = now + SWEEP_EVERY
                await conn.execute(delete(row).where(row.c.expires_at < now))
            inserted = await conn.execute(
                insert_for(conn)(row)
                .values(digest=digest, expires_at=valid_until)
                .on_conflict_do_nothing(index_elements=["digest"])
            )
            if inserted.rowcount:
                return True
            # Seen before: a first time again only if that record has run out.
            renewed = await conn.execute(
                update(row)
                .where(row.c.digest == digest, row.c.expires_at < now)
                .values(expires_at=valid_until)
            )
            return bool(renewed.rowcount)
