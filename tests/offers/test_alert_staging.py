"""Publishing stages the immediate alerts an offer matches, and the job queues them.

The index and the naive scan must stage exactly the same alerts (random alerts and offers);
an audience too large to queue at once is left to the job, which queues each alert once, in
its member's language, and drops the matches of an offer taken offline meanwhile or of a
member who has no account to be told on. An offer's matches are one staged row the job works
through a chunk at a time: a chunk whose transaction fails is taken again, a committed one
never. The publisher is told how many members are told, or at most how many will be."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.bootstrap import App
from core.clock import FakeClock
from core.db.models import AlertMatches, Member, Organisation, OutboxMessage, PlatformAccount
from core.offers import alerts
from core.offers.alerts import (
    AlertCriteria,
    Stage,
    matching_alerts,
    queue_matches,
    save_alert,
    stage_matches,
    stage_matches_naive,
)
from core.offers.domain import AlertFrequency
from core.offers.jobs import queue_staged_alerts, register_offer_jobs
from core.scheduling import Scheduler
from tests.helpers import say
from tests.offers.conftest import Cast
from tests.offers.test_alert_index import _criteria, _offer

POST = '/offer post internship "Data analyst" city:Lyon sector:finance apply:https://a.example/1'


async def _staged(session: AsyncSession, offer_id: int) -> list[int]:
    """The alert ids staged for ``offer_id`` and not taken by the job yet."""
    row = (
        await session.execute(
            select(AlertMatches.alert_ids, AlertMatches.queued).where(
                AlertMatches.offer_id == offer_id
            )
        )
    ).first()
    return [] if row is None else sorted(json.loads(row.alert_ids)[row.queued :])


async def _alert_keys(app: App) -> list[str]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.key)
            .where(OutboxMessage.key.startswith("alert:"))
            .order_by(OutboxMessage.key)
        )
        return list(rows)


async def _stage_count(app: App) -> int:
    """Staged matches, of every offer, not taken by the job yet."""
    async with app.db.sessions() as session:
        left = AlertMatches.matched - AlertMatches.queued
        return await session.scalar(select(func.coalesce(func.sum(left), 0))) or 0


@pytest.mark.parametrize("seed", [5, 11, 23])
async def test_the_index_and_the_naive_scan_stage_the_same_immediate_alerts(
    seeded: App, seed: int
) -> None:
    rng = random.Random(seed)
    now = seeded.clock.now()
    async with seeded.db.sessions.begin() as session:
        members = list((await session.scalars(select(Member.id).limit(40))).all())
        organisation = (await session.scalars(select(Organisation).limit(1))).one()
        for i in range(600):
            await save_alert(
                session,
                members[i % len(members)],
                _criteria(rng),
                rng.choice(list(AlertFrequency)),
                now=now,
            )
        offers = [_offer(rng, organisation, now) for _ in range(60)]
        session.add_all(offers)
        await session.flush()
        total = 0
        for offer in offers:
            expected = sorted(
                m.alert_id
                for m in await matching_alerts(session, offer)
                if m.frequency is AlertFrequency.IMMEDIATE
            )
            staged: list[list[int]] = []
            stage: Stage
            for stage in (stage_matches, stage_matches_naive):
                savepoint = await session.begin_nested()
                await stage(session, offer)
                staged.append(await _staged(session, offer.id))
                await savepoint.rollback()
            assert staged == [expected, expected], offer.search_document
            total += len(expected)
        assert total > 150  # the comparison is not vacuous


async def test_staging_twice_keeps_one_match_per_alert(seeded: App) -> None:
    rng = random.Random(3)
    now = seeded.clock.now()
    async with seeded.db.sessions.begin() as session:
        member_id = await session.scalar(
            select(PlatformAccount.member_id).order_by(PlatformAccount.id).limit(1)
        )
        assert member_id is not None
        organisation = (await session.scalars(select(Organisation).limit(1))).one()
        for _ in range(alerts.MAX_ALERTS):
            await save_alert(session, member_id, _criteria(rng), AlertFrequency.IMMEDIATE, now=now)
        offers = [_offer(rng, organisation, now) for _ in range(20)]
        session.add_all(offers)
        await session.flush()
        for offer in offers:
            await stage_matches(session, offer)
            once = await _staged(session, offer.id)
            await stage_matches(session, offer)
            await stage_matches_naive(session, offer)
            assert await _staged(session, offer.id) == once


async def test_a_large_audience_is_left_to_the_job_which_tells_each_alert_once(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 1)
    for line in ("/alerts add kind:internship", "/alerts add analyst", "/alerts add kind:job"):
        [reply] = await say(seeded, cast.member, line)
        assert not reply.error, reply.text
    [posted] = await say(seeded, cast.representative, POST)
    assert not posted.error, posted.text
    assert "2" in posted.text.splitlines()[-1]  # two matching alerts (of one member), for the job
    assert await _alert_keys(seeded) == []
    assert await _stage_count(seeded) == 2

    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 2
    assert await _alert_keys(seeded) == ["alert:1:offer:1", "alert:2:offer:1"]
    assert await _stage_count(seeded) == 0
    async with seeded.db.sessions() as session:
        texts = list(
            await session.scalars(
                select(OutboxMessage.reply).where(OutboxMessage.key.startswith("alert:"))
            )
        )
    assert all("Data analyst" in str(t) for t in texts)
    assert all("alertes" in t["text"] for t in texts)  # the member reads French

    [reposted] = await say(seeded, cast.representative, "/offer repost 1")
    assert not reposted.error, reposted.text
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 0  # never twice
    assert await _alert_keys(seeded) == ["alert:1:offer:1", "alert:2:offer:1"]
    assert await _stage_count(seeded) == 0


async def test_the_job_drops_the_matches_of_an_offer_closed_before_it_ran(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    [reply] = await say(seeded, cast.member, "/alerts add kind:internship")
    assert not reply.error, reply.text
    await say(seeded, cast.representative, POST)
    assert await _stage_count(seeded) == 1
    [closed] = await say(seeded, cast.representative, "/offer close 1")
    assert not closed.error, closed.text
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 0
    assert await _stage_count(seeded) == 0
    assert await _alert_keys(seeded) == []


async def test_the_job_works_through_the_stage_in_chunks(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    monkeypatch.setattr(alerts, "QUEUE_CHUNK", 2)
    for line in ("/alerts add kind:internship", "/alerts add analyst", "/alerts add lyon"):
        await say(seeded, cast.member, line)
    await say(seeded, cast.representative, POST)
    await say(seeded, cast.representative, POST.replace("/1", "/2"))
    assert await _stage_count(seeded) == 6
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 6
    assert len(await _alert_keys(seeded)) == 6
    assert await _stage_count(seeded) == 0


async def test_the_minutely_job_queues_what_a_publication_left_staged(
    seeded: App, cast: Cast, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    await say(seeded, cast.member, "/alerts add kind:internship")
    await say(seeded, cast.representative, POST)
    scheduler = Scheduler(seeded.db, clock, runner="a", catch_up=dt.timedelta(0))
    register_offer_jobs(scheduler, seeded)
    await scheduler.run_due()
    assert await _alert_keys(seeded) == []
    clock.advance(dt.timedelta(minutes=1))
    await scheduler.run_due()
    assert await _alert_keys(seeded) == ["alert:1:offer:1"]
    assert await _stage_count(seeded) == 0


async def test_the_job_drops_the_matches_of_a_member_without_an_account(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    await say(seeded, cast.member, "/alerts add kind:internship")
    async with seeded.db.sessions.begin() as session:
        imported = Member(full_name="Never Claimed", name_key="never claimed", search_document="")
        session.add(imported)  # imported by an institution, profile never claimed: no account
        await session.flush()
        criteria = AlertCriteria(kind="internship")
        await save_alert(
            session, imported.id, criteria, AlertFrequency.IMMEDIATE, now=seeded.clock.now()
        )
    await say(seeded, cast.representative, POST)
    assert await _stage_count(seeded) == 2
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 1
    assert await _alert_keys(seeded) == ["alert:1:offer:1"]
    assert await _stage_count(seeded) == 0


async def test_the_job_drops_the_matches_of_an_alert_deleted_before_it_ran(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    await say(seeded, cast.member, "/alerts add kind:internship")
    await say(seeded, cast.member, "/alerts add analyst")
    await say(seeded, cast.representative, POST)
    assert await _stage_count(seeded) == 2
    [deleted] = await say(seeded, cast.member, "/alerts delete 1")
    assert not deleted.error, deleted.text
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 1
    assert await _alert_keys(seeded) == ["alert:2:offer:1"]
    assert await _stage_count(seeded) == 0


class _Crash(Exception):
    """The job's process dying in the middle of a transaction."""


async def _queue_a_chunk_then_crash(app: App) -> None:
    async with app.db.sessions.begin() as session:
        assert (await queue_matches(session, now=app.clock.now())).queued == 2
        raise _Crash


async def test_a_chunk_whose_transaction_fails_is_taken_again_and_a_committed_one_never(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    monkeypatch.setattr(alerts, "QUEUE_CHUNK", 2)
    for line in ("/alerts add kind:internship", "/alerts add analyst", "/alerts add lyon"):
        await say(seeded, cast.member, line)
    await say(seeded, cast.representative, POST)
    assert await _stage_count(seeded) == 3

    with pytest.raises(_Crash):
        await _queue_a_chunk_then_crash(seeded)
    assert await _stage_count(seeded) == 3  # nothing lost
    assert await _alert_keys(seeded) == []

    async with seeded.db.sessions.begin() as session:
        assert (await queue_matches(session, now=seeded.clock.now())).queued == 2
    assert await _stage_count(seeded) == 1  # the cursor moved past the chunk
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 1
    assert await _alert_keys(seeded) == ["alert:1:offer:1", "alert:2:offer:1", "alert:3:offer:1"]
    assert await _stage_count(seeded) == 0


async def test_a_repost_while_the_job_is_half_way_tells_each_alert_once(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 0)
    monkeypatch.setattr(alerts, "QUEUE_CHUNK", 2)
    for line in ("/alerts add kind:internship", "/alerts add analyst", "/alerts add lyon"):
        await say(seeded, cast.member, line)
    await say(seeded, cast.representative, POST)
    async with seeded.db.sessions.begin() as session:
        await queue_matches(session, now=seeded.clock.now())
    assert len(await _alert_keys(seeded)) == 2
    await say(seeded, cast.member, "/alerts add data")  # saved between the two publications

    [reposted] = await say(seeded, cast.representative, "/offer repost 1")
    assert not reposted.error, reposted.text
    assert await _stage_count(seeded) == 4  # the new list, whole
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 2
    assert await _alert_keys(seeded) == [
        "alert:1:offer:1",
        "alert:2:offer:1",
        "alert:3:offer:1",
        "alert:4:offer:1",
    ]
    assert await _stage_count(seeded) == 0


async def test_the_publisher_is_told_how_many_members_not_how_many_alerts(
    seeded: App, cast: Cast
) -> None:
    for line in ("/alerts add kind:internship", "/alerts add analyst"):  # both match
        await say(seeded, cast.member, line)
    [posted] = await say(seeded, cast.representative, POST)
    assert not posted.error, posted.text
    assert len(await _alert_keys(seeded)) == 2  # one notice per matching alert
    assert posted.text.splitlines()[-1] == (  # the representative reads French
        "1 membre ayant une alerte correspondante est prévenu."
    )


async def test_a_publication_left_to_the_job_says_at_most_how_many_will_be_told(
    seeded: App, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "QUEUED_AT_ONCE", 1)
    for line in ("/alerts add kind:internship", "/alerts add analyst"):
        await say(seeded, cast.member, line)
    [posted] = await say(seeded, cast.representative, POST)
    assert not posted.error, posted.text
    assert posted.text.splitlines()[-1] == (
        "Jusqu'à 2 membres ayant une alerte correspondante seront prévenus dans les prochaines "
        "minutes."
    )
    assert await queue_staged_alerts(seeded, seeded.clock.now()) == 2  # of one member
