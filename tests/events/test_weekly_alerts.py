"""Weekly offer alerts reach every member who saved one: inside the chapter digest for its
subscribers, in a weekly message of their own for everyone else, once per week."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.events import register_chapter_jobs
from core.scheduling import Scheduler
from tests.events.conftest import Cast
from tests.events.test_events import _id
from tests.helpers import say

MONDAY_8_UTC = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)


async def _alert_and_offer(cast: Cast, app: App) -> None:
    for user in (cast.english, cast.portuguese):
        [saved] = await say(
            app, user, "/alerts add analyst kind:internship country:PT every:weekly"
        )
        assert not saved.error, saved.text
    [on] = await say(app, cast.portuguese, "/digest on")  # her alert comes in the digest
    assert not on.error, on.text
    [posted] = await say(
        app,
        cast.representative,
        "/offer post internship Data analyst country:PT city:Lisboa "
        "apply:https://example.com/apply",
    )
    assert not posted.error, posted.text


async def _messages(app: App, kind: str) -> dict[str, Reply]:
    async with app.db.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.key, OutboxMessage.reply).where(OutboxMessage.kind == kind)
        )
        return {key: Reply.from_dict(reply) for key, reply in rows}


async def test_members_without_a_digest_get_their_weekly_alerts_once_on_monday(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    clock.set(MONDAY_8_UTC - dt.timedelta(days=2))
    await _alert_and_offer(cast, seeded)
    before = await _messages(seeded, "alert")
    clock.set(MONDAY_8_UTC - dt.timedelta(minutes=10))
    schedulers = []
    for runner in ("a", "b"):  # two scheduler processes: the job still runs once
        scheduler = Scheduler(seeded.db, clock, runner=runner, catch_up=dt.timedelta(0))
        register_chapter_jobs(scheduler, seeded)
        await scheduler.run_due()
        schedulers.append(scheduler)
    for _ in range(4):
        clock.advance(dt.timedelta(minutes=5))
        for scheduler in schedulers:
            await scheduler.run_due()
    weekly = {k: r for k, r in (await _messages(seeded, "alert")).items() if k not in before}
    english = await _id(seeded, cast.english)
    assert set(weekly) == {f"weekly-alerts:{english}:2026-W11"}  # not the digest subscriber
    [reply] = weekly.values()
    assert reply.text.startswith("1 new offer this week matches your weekly alerts")
    assert "Data analyst" in reply.cards[0].body


async def test_no_message_when_nothing_new_matches(cast: Cast, seeded: App) -> None:
    from core.events.weekly_alerts import queue_weekly_alerts

    [saved] = await say(
        seeded, cast.english, "/alerts add geologist kind:job country:PT every:weekly"
    )
    assert not saved.error, saved.text
    async with seeded.db.sessions.begin() as session:
        assert await queue_weekly_alerts(session, fire_time=seeded.clock.now()) == 0
