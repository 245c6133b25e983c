"""Shared fixtures: a migrated test database (SQLite by default, PostgreSQL when
ALUMNI_TEST_DATABASE_URL says so), an App wired with a fake clock, and a loopback guard."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from core.bootstrap import App, build_app
from core.clock import FakeClock
from core.config import Settings
from core.db import Base, create_database, upgrade
from core.db import models as _models  # noqa: F401  (registers the tables)
from core.demo import seed_demo
from core.i18n import DEFAULT_LOCALE, set_default_locale

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


# --- tests only ever talk to this machine ---------------------------------------------------
_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_guard() -> Iterator[None]:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# --- the database ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ALUMNI_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"

    async def fresh_schema() -> None:
        db = create_database(url)
        async with db.engine.begin() as conn:
            if db.is_sqlite:
                await conn.execute(text("DROP TABLE IF EXISTS members_fts"))
                await conn.run_sync(Base.metadata.drop_all)
                await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            else:
                # The test database is the suite's own: start from an empty schema, whatever
                # an earlier run (of another revision of the code) left in it.
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(db.engine)
        await db.dispose()

    asyncio.run(fresh_schema())
    return url


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


async def _truncate(url: str) -> None:
    db = create_database(url)
    async with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(table.delete())
    await db.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Scenarios send many commands as one person under a frozen clock: no flood limits here
    # (tests/integration/test_flood.py checks them with the production values).
    return Settings(database_url=database_url, commands_per_minute=0, group_messages_per_minute=0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock, database_url: str) -> AsyncIterator[App]:
    application = await build_app(settings, clock=clock, migrate=False)
    try:
        yield application
    finally:
        await application.close()
        await _truncate(database_url)
        set_default_locale(DEFAULT_LOCALE)  # a test may have run with another default


@pytest.fixture
async def seeded(app: App) -> App:
    await seed_demo(app.db, members=60, seed=7)
    return app


@pytest.fixture
def clean_database(database_url: str) -> Iterator[str]:
    """For tests that write through another process: empty the tables afterwards."""
    yield database_url
    asyncio.run(_truncate(database_url))
