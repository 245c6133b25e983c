"""Bulk loads leave PostgreSQL's planner with statistics, so the first searches after
``alumni seed`` or ``alumni import members`` use the full-text index."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from core.bootstrap import App
from core.demo import seed_demo
from core.directory.importer import import_members


async def _members_planned(app: App) -> float:
    async with app.db.engine.connect() as conn:
        tuples = await conn.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'members'"))
    return float(tuples)


@pytest.fixture
def postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("SQLite plans without statistics")


@pytest.mark.usefixtures("postgres_only")
async def test_the_demo_seed_leaves_the_members_statistics_up_to_date(app: App) -> None:
    await seed_demo(app.db, members=120, seed=3)
    assert await _members_planned(app) == 124  # 120 generated and the 4 named members


@pytest.mark.usefixtures("postgres_only")
async def test_an_import_leaves_the_members_statistics_up_to_date(app: App) -> None:
    rows = "".join(f"Alumna {i},a{i}@example.org,VN,Huế,,,,,,,yes\n" for i in range(90))
    header = (
        "full_name,email,country,city,institution,degree,field,graduation_year,sector,"
        "languages,directory_consent\n"
    )
    report = await import_members(
        app.db, io.StringIO(header + rows), "École polytechnique", now=app.clock.now()
    )
    assert report.created == 90
    assert await _members_planned(app) == 90
