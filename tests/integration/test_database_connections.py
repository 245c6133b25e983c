"""How the engine lends connections: reads outside a transaction, pings only after idling."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import create_database


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("pooled server connections: PostgreSQL only")
    return database_url


async def _backend(connection: AsyncConnection) -> int:
    return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(url: str, pid: int) -> None:
    """What a server restart or a dropped TCP connection does to a pooled connection."""
    other = create_database(url)
    try:
        async with other.engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_a_connection_idle_longer_than_the_limit_is_pinged_and_replaced_if_dead(
    postgres_url: str,
) -> None:
    db = create_database(postgres_url, ping_after_idle=0.0)
    try:
        async with db.reading() as connection:
            first = await _backend(connection)
        await _terminate(postgres_url, first)
        async with db.reading() as connection:  # the ping finds it dead: a new one is lent
            second = await _backend(connection)
        assert second != first
    finally:
        await db.dispose()


async def test_a_connection_used_moments_ago_is_lent_without_a_ping(postgres_url: str) -> None:
    """The other side of the rule, and the proof that the ping above is what saved the read:
    without it, the dead connection reaches the statement, which fails."""
    db = create_database(postgres_url, ping_after_idle=3600.0)
    try:
        async with db.reading() as connection:
            first = await _backend(connection)
        await _terminate(postgres_url, first)
        with pytest.raises(DBAPIError) as failed:
            async with db.reading() as connection:
                await _backend(connection)
        assert failed.value.connection_invalidated
        async with db.reading() as connection:  # the pool was invalidated: a new connection
            assert await _backend(connection) != first
    finally:
        await db.dispose()


async def _in_transaction(connection: AsyncConnection) -> bool:
    raw = await connection.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())  # type: ignore[union-attr]


async def test_reads_run_outside_a_transaction_on_postgresql(postgres_url: str) -> None:
    """No BEGIN and ROLLBACK round trips around a read of one statement."""
    db = create_database(postgres_url)
    try:
        async with db.reading() as connection:
            await connection.execute(text("SELECT 1"))
            assert not await _in_transaction(connection)
        async with db.engine.connect() as connection:  # the ordinary engine, for contrast
            await connection.execute(text("SELECT 1"))
            assert await _in_transaction(connection)
    finally:
        await db.dispose()
