"""Alembic environment: runs on a connection handed in by ``core.db.migrate``,
or on ``ALUMNI_DATABASE_URL`` when invoked through the ``alembic`` command."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from core.db import models  # noqa: F401  (registers every table on the metadata)
from core.db.base import Base
from core.db.search_ddl import include_object

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    from core.config import load_settings
    from core.db.engine import create_database

    db = create_database(load_settings().database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(_configure)
    await db.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:
    asyncio.run(_run_from_settings())
