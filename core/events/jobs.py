"""Scheduled work for chapters: each chapter's weekly digest at its local hour, and event
reminders.

Chapters live in the database, so a per-process job reloads them every ten minutes and
(re)registers one cron job per chapter (``digest:BR`` on Mondays at 09:00 in São Paulo...);
the Scheduler's ``job_runs`` claim makes each run happen once across processes, and the
outbox keys ``digest:{country}:{period}:{member}`` make each message exist once even if a
run were repeated. Reminders come from a job every five minutes that queues the reminders
due in the next five minutes, each to be sent at its exact time (``not_before``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..db.models import Chapter
from ..groups.digest import queue_group_digests
from ..scheduling import Scheduler
from . import cards
from .digests import digest_period, load_offer_index, send_chapter_digest
from .events import queue_reminders
from .weekly_alerts import queue_weekly_alerts

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = ["REMINDER_TICK", "register_chapter_jobs", "run_chapter_digest", "sync_chapter_jobs"]

log = logging.getLogger(__name__)

REMINDER_TICK = dt.timedelta(minutes=5)
DIGEST_PREFIX = "digest:"
WEEK = dt.timedelta(days=7)


async def run_chapter_digest(app: App, country_code: str, fire_time: dt.datetime) -> int:
    """Queue one chapter's digest for the period of ``fire_time``."""
    now = app.clock.now()
    async with app.db.sessions.begin() as session:
        chapter = await session.get(Chapter, country_code)
        if chapter is None:
            return 0
        since = fire_time - WEEK
        offers = await load_offer_index(session, since, now=now)
        return await send_chapter_digest(
            session,
            chapter,
            period=digest_period(fire_time, chapter.time_zone),
            since=since,
            now=now,
            offers=offers,
        )


async def sync_chapter_jobs(scheduler: Scheduler, app: App) -> None:
    """Register one digest job per chapter at its local day and hour; drop closed ones."""
    async with app.db.sessions() as session:
        chapters = list((await session.scalars(select(Chapter))).all())
    wanted = {f"{DIGEST_PREFIX}{c.country_code}" for c in chapters}
    for job_id in [j for j in scheduler.jobs if j.startswith(DIGEST_PREFIX)]:
        if job_id not in wanted:
            scheduler.remove(job_id)
    for chapter in chapters:
        code = chapter.country_code

        async def digest(when: dt.datetime, code: str = code) -> None:
            queued = await run_chapter_digest(app, code, when)
            log.info("digest for %s at %s: %d messages queued", code, when, queued)

        scheduler.add_cron(
            f"{DIGEST_PREFIX}{code}",
            digest,
            timezone=chapter.time_zone,
            day_of_week=chapter.digest_day,
            hour=chapter.digest_hour,
            minute=0,
        )


def register_chapter_jobs(scheduler: Scheduler, app: App) -> None:
    """Chapter digests (refreshed from the database) and event reminders."""

    async def refresh(_when: dt.datetime) -> None:
        await sync_chapter_jobs(scheduler, app)

    async def reminders(when: dt.datetime) -> None:
        async with app.db.sessions.begin() as session:
            queued = await queue_reminders(
                session, now=when, horizon=REMINDER_TICK, build=cards.reminder
            )
        if queued:
            log.info("queued %d event reminders", queued)

    # Per process (its own claim key), off the hour so a new chapter is known before 09:00.
    scheduler.add_cron(
        f"chapters:refresh:{scheduler.runner}", refresh, timezone="UTC", minute="3-59/10"
    )
    scheduler.add_cron("events:reminders", reminders, timezone="UTC", minute="*/5")

    async def weekly_alerts(when: dt.datetime) -> None:
        async with app.db.sessions.begin() as session:
            queued = await queue_weekly_alerts(session, fire_time=when)
        log.info("queued %d weekly alert messages", queued)

    # Monday morning in Europe, evening in Asia and the Pacific, night in the Americas: the
    # message waits in the chat; members who want their local hour subscribe to the digest.
    scheduler.add_cron(
        "offers:weekly-alerts", weekly_alerts, timezone="UTC", day_of_week="mon", hour=8, minute=0
    )

    async def group_digests(when: dt.datetime) -> None:
        async with app.db.sessions.begin() as session:
            queued = await queue_group_digests(session, fire_time=when)
        log.info("queued %d group digests", queued)

    scheduler.add_cron(
        "groups:weekly-digest", group_digests, timezone="UTC", day_of_week="mon", hour=8, minute=30
    )
