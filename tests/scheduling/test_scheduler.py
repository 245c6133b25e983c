"""Scheduled jobs: local times across daylight saving, once per period across processes."""

from __future__ import annotations

import asyncio
import datetime as dt

from core.bootstrap import App
from core.clock import FakeClock
from core.scheduling import Scheduler


def _recorder() -> tuple[list[dt.datetime], object]:
    fired: list[dt.datetime] = []

    async def job(when: dt.datetime) -> None:
        fired.append(when)

    return fired, job


async def test_a_daily_local_hour_follows_daylight_saving(app: App, clock: FakeClock) -> None:
    # Paris moves from UTC+1 to UTC+2 on 29 March 2026.
    clock.set(dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC))
    fired, job = _recorder()
    scheduler = Scheduler(app.db, clock, runner="a", catch_up=dt.timedelta(0))
    scheduler.add_cron("digest:FR", job, timezone="Europe/Paris", hour=9, minute=0)  # type: ignore[arg-type]
    await scheduler.run_due()
    for _ in range(4 * 24):
        clock.advance(dt.timedelta(hours=1))
        await scheduler.run_due()
    assert [t.isoformat() for t in fired] == [
        "2026-03-28T08:00:00+00:00",  # 09:00 CET
        "2026-03-29T07:00:00+00:00",  # 09:00 CEST
        "2026-03-30T07:00:00+00:00",
        "2026-03-31T07:00:00+00:00",
    ]


async def test_two_processes_run_each_period_once(app: App, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 5, 4, 11, 59, tzinfo=dt.UTC))
    fired, job = _recorder()
    schedulers = []
    for name in ("a", "b", "c"):
        s = Scheduler(app.db, clock, runner=name, catch_up=dt.timedelta(0))
        s.add_cron("digest:BR", job, timezone="America/Sao_Paulo", hour=9, minute=0)  # type: ignore[arg-type]
        await s.run_due()
        schedulers.append(s)
    clock.advance(dt.timedelta(minutes=2))  # 12:01 UTC = 09:01 in São Paulo
    ran = await asyncio.gather(*(s.run_due() for s in schedulers))
    assert len(fired) == 1
    assert sum(len(r) for r in ran) == 1


async def test_a_run_missed_while_down_fires_once_on_start(app: App, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 5, 4, 12, 20, tzinfo=dt.UTC))  # 20 min after 09:00 in São Paulo
    fired, job = _recorder()
    scheduler = Scheduler(app.db, clock, runner="late", catch_up=dt.timedelta(hours=1))
    scheduler.add_cron("digest:BR", job, timezone="America/Sao_Paulo", hour=9, minute=0)  # type: ignore[arg-type]
    await scheduler.run_due()
    await scheduler.run_due()
    assert fired == [dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)]


async def test_a_one_off_job_runs_at_its_time_only(app: App, clock: FakeClock) -> None:
    fired, job = _recorder()
    scheduler = Scheduler(app.db, clock, runner="a", catch_up=dt.timedelta(0))
    at = clock.now() + dt.timedelta(hours=24)
    scheduler.add_once("reminder:event:7", job, at=at)  # type: ignore[arg-type]
    await scheduler.run_due()
    clock.advance(dt.timedelta(hours=23))
    await scheduler.run_due()
    assert fired == []
    clock.advance(dt.timedelta(hours=2))
    await scheduler.run_due()
    clock.advance(dt.timedelta(hours=2))
    await scheduler.run_due()
    assert fired == [at]


async def test_a_failing_job_is_logged_and_the_others_still_run(app: App, clock: FakeClock) -> None:
    fired, job = _recorder()

    async def broken(_when: dt.datetime) -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(app.db, clock, runner="a", catch_up=dt.timedelta(0))
    at = clock.now() + dt.timedelta(minutes=1)
    scheduler.add_once("broken", broken, at=at)
    scheduler.add_once("fine", job, at=at)  # type: ignore[arg-type]
    await scheduler.run_due()
    clock.advance(dt.timedelta(minutes=2))
    ran = await scheduler.run_due()
    assert [job_id for job_id, _ in ran] == ["broken", "fine"]
    assert fired == [at]


async def test_a_job_registered_by_another_at_start_up_still_catches_up(
    app: App, clock: FakeClock
) -> None:
    """After a restart at 09:05, the refresh job registers the 09:00 digest: it still runs
    (once), as the catch-up window promises, not from the next week on."""
    clock.set(dt.datetime(2026, 3, 9, 9, 5, tzinfo=dt.UTC))  # a Monday
    fired, digest = _recorder()
    scheduler = Scheduler(app.db, clock, runner="a", catch_up=dt.timedelta(hours=1))

    async def refresh(_when: dt.datetime) -> None:
        scheduler.add_cron("digest:PT", digest, timezone="Europe/Lisbon", hour=9, minute=0)  # type: ignore[arg-type]

    scheduler.add_cron("chapters:refresh", refresh, timezone="UTC", minute="3-59/10")
    await scheduler.run_due()  # 09:03's refresh registers the digest
    for _ in range(3):
        clock.advance(dt.timedelta(minutes=1))
        await scheduler.run_due()
    assert [t.isoformat() for t in fired] == ["2026-03-09T09:00:00+00:00"]
