"""The inbox's scheduled work: deliver requests that were waiting for a representative, and
expire the ones nobody took in time. Once an hour, claimed once across processes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from ..scheduling import Scheduler
from .requests import deliver_waiting, expire_requests

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = ["register_contact_jobs", "sweep_requests"]

log = logging.getLogger(__name__)


async def sweep_requests(app: App, now: dt.datetime) -> tuple[int, int]:
    """(delivered, expired): each request in one transaction with its messages."""
    async with app.db.sessions.begin() as session:
        delivered = await deliver_waiting(session, now=now)
        expired = await expire_requests(session, now=now)
    return delivered, expired


def register_contact_jobs(scheduler: Scheduler, app: App) -> None:
    async def sweep(when: dt.datetime) -> None:
        delivered, expired = await sweep_requests(app, app.clock.now())
        if delivered or expired:
            log.info("contact requests: %d delivered, %d expired", delivered, expired)

    scheduler.add_cron("contact:sweep", sweep, timezone="UTC", minute=23)
