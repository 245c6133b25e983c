"""A group's weekly digest: its most active threads of the week, sent once to the members
who did not post that week; moderators turn it on; groups without it send nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.domain import Platform
from core.events import register_chapter_jobs
from core.groups.relay import relay_incoming
from core.scheduling import Scheduler
from tests.groups.conftest import People, create_group, in_channel, map_everywhere, say

MONDAY_8_30 = dt.datetime(2026, 3, 9, 8, 30, tzinfo=dt.UTC)


async def _post(app: App, person: str, text: str, message_id: str, reply_to: str | None = None):
    await relay_incoming(
        app,
        in_channel(Platform.TELEGRAM, person, text, is_message=True),
        message_id=message_id,
        reply_to=reply_to,
    )


async def _digests(app: App) -> dict[str, Reply]:
    async with app.db.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.key, OutboxMessage.reply).where(
                OutboxMessage.kind == "group_digest"
            )
        )
        return {key: Reply.from_dict(reply) for key, reply in rows}


async def test_members_who_did_not_post_get_the_weeks_most_active_threads_once(
    app: App, people: People, clock: FakeClock
) -> None:
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    for person in (people.member, people.other):
        await say(app, person, "/join tech-brasil")
    await map_everywhere(app, people.owner, "tech-brasil")
    [refused] = await say(app, people.member, "/groups digest tech-brasil on")
    assert refused.error  # moderators only
    [on] = await say(app, people.owner, "/groups digest tech-brasil on")
    assert not on.error, on.text

    clock.set(MONDAY_8_30 - dt.timedelta(days=2))
    await _post(app, people.owner, "Who is hiring in São Paulo?", "1")
    await _post(app, people.owner, "Meetup on Friday?", "2")
    for n in range(3):
        await _post(app, people.owner, f"answer {n}", f"1{n}", reply_to="1")
    await _post(app, people.owner, "yes", "20", reply_to="2")
    await _post(app, people.owner, "A quiet thought", "3")  # no reply: not a thread

    clock.set(MONDAY_8_30 - dt.timedelta(minutes=5))
    schedulers = [Scheduler(app.db, clock, runner=r, catch_up=dt.timedelta(0)) for r in ("a", "b")]
    for scheduler in schedulers:
        register_chapter_jobs(scheduler, app)
        await scheduler.run_due()
    clock.advance(dt.timedelta(minutes=10))
    for scheduler in schedulers:  # two processes: each member still gets it once
        await scheduler.run_due()

    digests = await _digests(app)
    assert len(digests) == 2  # Ana and Li read; Zoë, who wrote everything, does not get it
    for reply in digests.values():
        assert reply.text.splitlines() == [
            "The week's most active conversations in Tech Brasil:",
            "• Zoë Nguyễn: Who is hiring in São Paulo? (3 replies)",
            "• Zoë Nguyễn: Meetup on Friday? (1 reply)",
        ]


async def test_a_group_without_the_digest_sends_nothing(
    app: App, people: People, clock: FakeClock
) -> None:
    from core.groups.digest import queue_group_digests

    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    await map_everywhere(app, people.owner, "tech-brasil")
    await _post(app, people.owner, "Question?", "1")
    await _post(app, people.owner, "Answer", "2", reply_to="1")
    async with app.db.sessions.begin() as session:
        assert (
            await queue_group_digests(session, fire_time=clock.now() + dt.timedelta(hours=1)) == 0
        )
    [on] = await say(app, people.owner, "/groups digest tech-brasil on")
    assert not on.error, on.text
    [off] = await say(app, people.owner, "/groups digest tech-brasil off")
    assert not off.error and "no longer" in off.text
    async with app.db.sessions.begin() as session:
        assert (
            await queue_group_digests(session, fire_time=clock.now() + dt.timedelta(hours=1)) == 0
        )
