"""Scheduled work of mentoring: each chapter's coffee round (Mondays at 10:00 local, in the
chapter's round weeks) and the "did you meet?" follow-ups.

As for digests (``core.events.jobs``), a per-process job reloads the chapters every ten
minutes and (re)registers one cron job per chapter; the Scheduler's claim runs each round
once across processes, and ``coffee_rounds``' unique key and the outbox keys make a repeated
run change nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..db.models import Chapter
from ..scheduling import Scheduler
from .coffee import ROUND_HOUR, RoundResult, run_round
from .mentors import queue_follow_ups

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = [
    "COFFEE_PREFIX",
    "FOLLOW_UP_TICK",
    "register_mentoring_jobs",
    "run_coffee_round",
    "sync_coffee_jobs",
]

log = logging.getLogger(__name__)

COFFEE_PREFIX = "coffee:"
FOLLOW_UP_TICK = dt.timedelta(minutes=5)


async def run_coffee_round(
    app: App, country_code: str, fire_time: dt.datetime
) -> RoundResult | None:
    async with app.db.sessions.begin() as session:
        return await run_round(session, country_code, fire_time, now=app.clock.now())


async def sync_coffee_jobs(scheduler: Scheduler, app: App) -> None:
    """One weekly job per chapter, Mondays at 10:00 in its time zone (the round itself
    checks the chapter's cadence); jobs of closed chapters go."""
    async with app.db.sessions() as session:
        chapters = list(
            (await session.execute(select(Chapter.country_code, Chapter.time_zone))).all()
        )
    wanted = {f"{COFFEE_PREFIX}{code}" for code, _ in chapters}
    for job_id in [j for j in scheduler.jobs if j.startswith(COFFEE_PREFIX)]:
        if job_id not in wanted:
            scheduler.remove(job_id)
    for code, zone in chapters:

        async def coffee(when: dt.datetime, code: str = code) -> None:
            result = await run_coffee_round(app, code, when)
            if result is not None:
                log.info(
                    "coffee round for %s at %s: %d groups, %d messages queued",
                    code,
                    when,
                    len(result.groups),
                    result.queued,
                )

        scheduler.add_cron(
            f"{COFFEE_PREFIX}{code}",
            coffee,
            timezone=zone,
            day_of_week="mon",
            hour=ROUND_HOUR,
            minute=0,
        )


def register_mentoring_jobs(scheduler: Scheduler, app: App) -> None:
    async def refresh(_when: dt.datetime) -> None:
        await sync_coffee_jobs(scheduler, app)

    async def follow_ups(when: dt.datetime) -> None:
        async with app.db.sessions.begin() as session:
            queued = await queue_follow_ups(session, now=when, horizon=FOLLOW_UP_TICK)
        if queued:
            log.info("queued %d mentoring follow-ups", queued)

    scheduler.add_cron(
        f"mentoring:coffee-refresh:{scheduler.runner}", refresh, timezone="UTC", minute="3-59/10"
    )
    scheduler.add_cron("mentoring:follow-ups", follow_ups, timezone="UTC", minute="*/5")
