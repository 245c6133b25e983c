"""The offers' scheduled work: queue the alert messages that publications left staged."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from ..scheduling import Scheduler
from .alerts import queue_matches

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = ["queue_staged_alerts", "register_offer_jobs"]

log = logging.getLogger(__name__)


async def queue_staged_alerts(app: App, now: dt.datetime) -> int:
    """Queue every staged alert match, one chunk per transaction (a crash loses nothing:
    a chunk leaves the stage in the transaction that queues its messages); returns how
    many messages were added."""
    queued = 0
    while True:
        async with app.db.sessions.begin() as session:
            chunk = await queue_matches(session, now=now)
        if not chunk.taken:
            return queued
        queued += chunk.queued


def register_offer_jobs(scheduler: Scheduler, app: App) -> None:
    async def queue_alerts(_when: dt.datetime) -> None:
        queued = await queue_staged_alerts(app, app.clock.now())
        if queued:
            log.info("offer alerts: %d messages queued", queued)

    scheduler.add_cron("offers:alerts", queue_alerts, timezone="UTC", minute="*")
