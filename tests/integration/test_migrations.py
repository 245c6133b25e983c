"""Alembic migrations and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from core.bootstrap import App
from core.db import Base, current_revision, head_revision
from core.db.migrate import downgrade, upgrade
from core.db.search_ddl import include_object


async def test_database_is_at_the_head_revision(app: App) -> None:
    assert await current_revision(app.db.engine) == head_revision()


async def test_models_and_migrations_do_not_drift(app: App) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))

    async with app.db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_downgrade_to_base_and_back_up_works(app: App) -> None:
    await downgrade(app.db.engine, "base")
    assert await current_revision(app.db.engine) is None
    await upgrade(app.db.engine)
    assert await current_revision(app.db.engine) == head_revision()
