"""Two erasures at once on PostgreSQL: the second waits for the first instead of locking the
rows two people share (a request and its notices) in the opposite order and deadlocking.

The permissions matrix found it: six people pressing "erase" at the same moment through the
Telegram bot, one of them the representative the others had written to.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.bootstrap import App
from core.db.models import Member
from core.demo.data import ADMIN_EMAIL, DEMO_EMAIL
from core.directory.privacy import erase_member


async def _member_id(app: App, email: str) -> int:
    async with app.db.sessions() as session:
        found = await session.scalar(select(Member.id).where(Member.email == email))
    assert found is not None
    return found


async def test_an_erasure_waits_while_another_is_under_way(seeded: App, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("SQLite writes one transaction at a time already")
    first, second = await _member_id(seeded, DEMO_EMAIL), await _member_id(seeded, ADMIN_EMAIL)
    async with seeded.db.sessions.begin() as under_way:
        await erase_member(under_way, first, now=seeded.clock.now())
        async with seeded.db.sessions() as other:
            await other.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(DBAPIError, match="lock timeout"):
                await erase_member(other, second, now=seeded.clock.now())
            await other.rollback()
    async with seeded.db.sessions.begin() as after:  # the turn came: it goes through
        await erase_member(after, second, now=seeded.clock.now())
