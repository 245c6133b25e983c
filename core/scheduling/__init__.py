"""Scheduled jobs that fire exactly once per period across every process.

APScheduler's triggers say when a job is due (cron rules in a country's time zone, daylight
saving included; one-off dates); APScheduler's AsyncIOScheduler ticks ``run_due``. A run is
claimed by inserting ``job_id@fire_time`` into ``job_runs``: the first process to insert it
runs the job, every other one sees the key taken. Time comes from the injected clock, so
tests call ``run_due`` with a fake clock instead of waiting.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from ..clock import Clock
from ..db import Database
from ..db.base import insert_for
from ..db.models import JobRun

__all__ = ["Job", "Scheduler"]

log = logging.getLogger(__name__)

JobFunction = Callable[[dt.datetime], Awaitable[None]]


@dataclass
class Job:
    job_id: str
    trigger: BaseTrigger
    function: JobFunction  # receives the scheduled fire time (UTC)


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        runner: str,
        catch_up: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.db = db
        self.clock = clock
        self.runner = runner
        self.catch_up = catch_up
        self.jobs: dict[str, Job] = {}
        # Per job: until when its fire times were looked at. A job added later (a chapter
        # opened, or registered by another job at start-up) first looks back ``catch_up``.
        self._checked_until: dict[str, dt.datetime] = {}
        self._aps: AsyncIOScheduler | None = None

    def add(self, job_id: str, trigger: BaseTrigger, function: JobFunction) -> None:
        self.jobs[job_id] = Job(job_id, trigger, function)

    def add_cron(
        self, job_id: str, function: JobFunction, *, timezone: str, **fields: object
    ) -> None:
        """``add_cron("digest:BR", f, timezone="America/Sao_Paulo", day_of_week="mon",
        hour=9)`` -- the hour is local, in that zone."""
        self.add(job_id, CronTrigger(timezone=timezone, **fields), function)

    def add_once(self, job_id: str, function: JobFunction, *, at: dt.datetime) -> None:
        self.add(job_id, DateTrigger(run_date=at), function)

    def remove(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self._checked_until.pop(job_id, None)

    def fire_times(self, job: Job, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        """The job's fire times in (after, until]."""
        times: list[dt.datetime] = []
        previous: dt.datetime | None = None
        moment = after + dt.timedelta(microseconds=1)
        for _ in range(10_000):
            next_time = job.trigger.get_next_fire_time(previous, moment)
            if next_time is None or next_time > until:
                break
            if next_time > after:
                times.append(next_time.astimezone(dt.UTC))
            previous = next_time
            moment = next_time + dt.timedelta(microseconds=1)
        return times

    async def claim(self, job_id: str, fire_time: dt.datetime) -> bool:
        """True for the one process that gets to run this job at this time."""
        key = f"{job_id}@{fire_time.astimezone(dt.UTC).isoformat()}"
        async with self.db.sessions.begin() as session:
            result = await session.execute(
                insert_for(session)(JobRun)
                .values(run_key=key[:200], started_at=self.clock.now(), runner=self.runner)
                .on_conflict_do_nothing(index_elements=["run_key"])
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def run_due(self, now: dt.datetime | None = None) -> list[tuple[str, dt.datetime]]:
        """Run every job whose fire time passed since its last check; returns what ran here.

        A job added since the last check (e.g. by the chapter refresh job, which at start-up
        runs in this same call) looks back ``catch_up``, so a digest due at 09:00 still goes
        out after a restart at 09:05."""
        now = now or self.clock.now()
        ran: list[tuple[str, dt.datetime]] = []
        for job in list(self.jobs.values()):
            after = self._checked_until.get(job.job_id, now - self.catch_up)
            self._checked_until[job.job_id] = now
            for fire_time in self.fire_times(job, after, now):
                if not await self.claim(job.job_id, fire_time):
                    continue
                try:
                    await job.function(fire_time)
                except Exception:
                    log.exception("scheduled job %s at %s failed", job.job_id, fire_time)
                ran.append((job.job_id, fire_time))
        return ran

    def start(self, tick: dt.timedelta = dt.timedelta(seconds=20)) -> None:
        """Let APScheduler tick ``run_due`` in the running event loop, the first time at once
        (a restarted scheduler catches up without waiting a tick)."""
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._aps.add_job(
            self.run_due,
            "interval",
            seconds=tick.total_seconds(),
            id="alumni-tick",
            max_instances=1,
            coalesce=True,
            next_run_time=dt.datetime.now(dt.UTC),
        )
        self._aps.start()

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
