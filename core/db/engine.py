"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# A pooled PostgreSQL connection used less than this long ago is handed out without a ping.
PING_AFTER_IDLE = 5.0


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # The same pool, for reads of one statement: on PostgreSQL outside a transaction, which
    # spares a BEGIN and a ROLLBACK round trip (a single statement needs no more than its
    # own snapshot).
    reader: AsyncEngine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def reading(self) -> AsyncConnection:
        """``async with db.reading() as connection:`` for a read of one statement."""
        return self.reader.connect()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def create_database(
    url: str, *, echo: bool = False, ping_after_idle: float = PING_AFTER_IDLE
) -> Database:
    """Build the engine; nothing connects until first use.

    ``ping_after_idle``: on PostgreSQL, the seconds a pooled connection may have been idle
    and still be lent without a ping first (see ``_ping_after_idle``)."""
    parsed = make_url(url)
    # Parameters are members' data: an error message (logged) shows the statement only.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "postgresql":
        kwargs.update(pool_size=10, max_overflow=10)
    engine = create_async_engine(parsed, **kwargs)
    reader = engine
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        _ping_after_idle(engine.sync_engine, ping_after_idle)
        reader = engine.execution_options(isolation_level="AUTOCOMMIT")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, reader=reader)


def _ping_after_idle(engine: Engine, idle: float) -> None:
    """Pessimistic disconnect handling without a round trip per checkout.

    ``pool_pre_ping`` pings every connection the pool hands out: on a busy bot that is one
    more round trip to PostgreSQL per statement or transaction. A connection that answered
    less than ``idle`` seconds ago is handed out as it is; one idle for longer (the server
    may have restarted, a firewall dropped it) is pinged first and, if it does not answer,
    replaced before anyone uses it. A connection lost while busy fails its statement either
    way; SQLAlchemy then invalidates the whole pool, so the next checkouts connect anew.
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("last_used", 0.0) <= idle:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("the idle connection does not answer") from exc
        if not alive:
            raise DisconnectionError("the idle connection does not answer")
