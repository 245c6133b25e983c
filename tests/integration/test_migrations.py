"""Alembic migrations and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
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


async def test_staged_alert_matches_are_carried_into_one_row_per_offer_and_back(
    app: App,
) -> None:
    """0019 turns the rows of ``alert_matches`` (one per offer and alert) into one row per
    offer listing its alerts; going back gives the rows of the alerts not taken yet."""
    try:
        await downgrade(app.db.engine, "0018")
        async with app.db.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO alert_matches (offer_id, alert_id) VALUES (1, 5), (1, 7), (2, 9)")
            )
        await upgrade(app.db.engine)
        async with app.db.engine.begin() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT offer_id, alert_ids, matched, queued FROM alert_matches ORDER BY 1"
                    )
                )
            ).all()
            assert [(o, sorted(json.loads(a)), m, q) for o, a, m, q in rows] == [
                (1, [5, 7], 2, 0),
                (2, [9], 1, 0),
            ]
            await conn.execute(
                text("UPDATE alert_matches SET alert_ids = '[7,5]', queued = 1 WHERE offer_id = 1")
            )
        await downgrade(app.db.engine, "0018")
        async with app.db.engine.connect() as conn:
            pairs = (await conn.execute(text("SELECT offer_id, alert_id FROM alert_matches"))).all()
        assert sorted(pairs) == [(1, 5), (2, 9)]  # alert 7 of offer 1 was taken already
    finally:
        await upgrade(app.db.engine)  # the next tests expect the head
