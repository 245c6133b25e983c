"""RFC 5545 calendars (the icalendar package): one event's .ics and a country's feed.

Times are written in the event's own time zone (``DTSTART;TZID=America/Sao_Paulo:...``
with its VTIMEZONE), so a calendar shows the local time the organisers announced. Titles and
descriptions are in the current locale (``use_locale``) when the event has that translation.
A feed holds nothing about members: events, their organiser (an organisation) and place.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Attachment
from ..db.models import Event
from .cards import in_language

__all__ = ["UID_DOMAIN", "calendar_bytes", "country_feed", "event_attachment"]

UID_DOMAIN = "france-alumni.example"
PRODID = "-//France Alumni//Chapters//EN"
FEED_PAST = dt.timedelta(days=30)


def _local(moment: dt.datetime, zone: str) -> dt.datetime:
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(dt.UTC)


def _component(event: Event, stamp: dt.datetime | None) -> CalendarEvent:
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}@{UID_DOMAIN}")
    # DTSTAMP: when this copy was made, or for a feed the event's creation, so the feed's
    # bytes (and its ETag) change only when the events do.
    item.add("dtstamp", (stamp or event.created_at).astimezone(dt.UTC))
    item.add("dtstart", _local(event.starts_at, event.time_zone))
    item.add("dtend", _local(event.ends_at, event.time_zone))
    item.add("summary", in_language(event.titles))
    description = f"{in_language(event.descriptions)}\n\n{event.organiser}".strip()
    if event.online_url:
        description = f"{description}\n{event.online_url}".strip()
        item.add("url", event.online_url)
    if description:
        item.add("description", description)
    if event.place:
        item.add("location", event.place)
    return item


def calendar_bytes(events: Iterable[Event], *, now: dt.datetime | None, name: str = "") -> bytes:
    """``now`` stamps every event (a file handed out now); None stamps each with its creation."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_component(event, now))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def event_attachment(event: Event, *, now: dt.datetime) -> Attachment:
    """The "add to calendar" file, in the current locale's title."""
    return Attachment(
        filename=f"event-{event.id}.ics",
        content=calendar_bytes([event], now=now),
        mime_type="text/calendar",
    )


async def country_feed(session: AsyncSession, country_code: str, *, now: dt.datetime) -> bytes:
    """A country's events (from a month back) as one iCal feed, for the web route to serve.

    Every stored event is published (there are no drafts); the same events give the same
    bytes, whatever ``now``, so the feed can be cached by its ETag."""
    events = await session.scalars(
        select(Event)
        .where(Event.country_code == country_code.upper(), Event.ends_at > now - FEED_PAST)
        .order_by(Event.starts_at, Event.id)
    )
    return calendar_bytes(events.all(), now=None, name=f"France Alumni {country_code.upper()}")
