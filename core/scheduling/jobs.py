"""The platform's recurring jobs, registered on a Scheduler."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from . import Scheduler

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = ["register_jobs"]

log = logging.getLogger(__name__)


def register_jobs(scheduler: Scheduler, app: App) -> None:
    """Every recurring job of the platform: maintenance, chapter digests, event reminders,
    weekly offer alerts and the immediate ones a publication left to queue, contact
    requests waiting for a representative or expiring, coffee rounds and mentoring
    follow-ups."""
    from ..contact.jobs import register_contact_jobs
    from ..events.jobs import register_chapter_jobs
    from ..mentoring.jobs import register_mentoring_jobs
    from ..offers.jobs import register_offer_jobs

    register_chapter_jobs(scheduler, app)
    register_contact_jobs(scheduler, app)
    register_mentoring_jobs(scheduler, app)
    register_offer_jobs(scheduler, app)

    async def purge_callback_tokens(_when: dt.datetime) -> None:
        removed = await app.callbacks.purge()
        log.info("purged %d expired button tokens", removed)

    scheduler.add_cron(
        "maintenance:callback-tokens", purge_callback_tokens, timezone="UTC", hour=3, minute=17
    )
