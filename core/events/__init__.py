"""Country chapters: chapters and their admins, events and RSVPs, broadcasts, articles,
per-country digests and figures."""

from __future__ import annotations

from .calendar import country_feed, event_attachment
from .jobs import register_chapter_jobs, run_chapter_digest, sync_chapter_jobs

__all__ = [
    "country_feed",
    "event_attachment",
    "register_chapter_jobs",
    "run_chapter_digest",
    "sync_chapter_jobs",
]
