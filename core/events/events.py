"""Events: creation with checked times, RSVP with a waiting list, reminders, listings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import Chapter, Event, Organisation, Rsvp
from ..delivery.fanout import enqueue_many, recipients
from ..delivery.outbox import notify_member
from ..domain import Role
from ..errors import UserError
from ..i18n import N_, use_locale
from ..offers.audit import audit
from .chapters import load_chapter, time_zone

__all__ = [
    "EventInput",
    "RsvpOutcome",
    "RsvpStatus",
    "create_event",
    "event_input",
    "going_counts",
    "load_event",
    "local_datetime",
    "queue_reminders",
    "rsvp",
    "upcoming_events",
]

TITLE_MAX = 120
DESCRIPTION_MAX = 2000
MAX_CAPACITY = 100_000


class RsvpStatus(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITING = "waiting"  # wanted to go, the event is full


@dataclass(frozen=True, slots=True)
class EventInput:
    country_code: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    place: str | None
    online_url: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    capacity: int | None
    organisation: str | None  # slug


def local_datetime(text: str, zone: str, *, day: dt.date | None = None) -> dt.datetime:
    """ "2026-05-04 19:30" (or "19:30" on ``day``) in the zone -> an aware UTC datetime."""
    value = text.strip().replace("T", " ")
    try:
        if day is not None and len(value) <= 5:
            naive = dt.datetime.combine(day, dt.time.fromisoformat(value))
        else:
            naive = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            N_("Write dates and times like 2026-05-04 19:30; you wrote {value}."), value=text
        ) from None
    if naive.tzinfo is not None:
        return naive.astimezone(dt.UTC)
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def event_input(values: Mapping[str, str], *, chapter: Chapter, now: dt.datetime) -> EventInput:
    """Check a submitted event: language texts, place or link, times, capacity."""
    zone = time_zone(values.get("timezone") or chapter.time_zone)
    titles = {
        lang: values[f"title_{lang}"].strip()[:TITLE_MAX]
        for lang in chapter.languages
        if (values.get(f"title_{lang}") or "").strip()
    }
    if not titles:
        raise UserError(N_("Give the event a title in at least one language."))
    descriptions = {
        lang: values[f"description_{lang}"].strip()[:DESCRIPTION_MAX]
        for lang in chapter.languages
        if (values.get(f"description_{lang}") or "").strip()
    }
    place = (values.get("place") or "").strip() or None
    online = (values.get("online") or "").strip() or None
    if not place and not online:
        raise UserError(N_("Give a place or an online link."))
    starts_at = local_datetime(values.get("start") or "", zone)
    end_text = (values.get("end") or "").strip()
    local_day = starts_at.astimezone(zoneinfo.ZoneInfo(zone)).date()
    ends_at = (
        local_datetime(end_text, zone, day=local_day)
        if end_text
        else starts_at + dt.timedelta(hours=2)
    )
    if starts_at <= now:
        raise UserError(N_("The event cannot start in the past."))
    if ends_at <= starts_at:
        raise UserError(N_("The end must come after the start."))
    capacity_text = (values.get("capacity") or "").strip()
    capacity = None
    if capacity_text:
        if not capacity_text.isdigit() or not 1 <= int(capacity_text) <= MAX_CAPACITY:
            raise UserError(N_("The capacity is a whole number of places, at least 1."))
        capacity = int(capacity_text)
    return EventInput(
        country_code=chapter.country_code,
        titles=titles,
        descriptions=descriptions,
        place=place,
        online_url=online,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=zone,
        capacity=capacity,
        organisation=(values.get("organisation") or "").strip() or None,
    )


def day_before(starts_at: dt.datetime, zone: str) -> dt.datetime:
    """The same local time the day before (23 or 25 hours before across a DST change)."""
    tz = zoneinfo.ZoneInfo(zone)
    local = starts_at.astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=1)
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


async def _organiser(
    session: AsyncSession, actor: Actor, data: EventInput
) -> tuple[int | None, str]:
    """Who organises: an organisation its representative names, else the embassy for a
    country admin."""
    if data.organisation:
        organisation = await session.scalar(
            select(Organisation).where(Organisation.slug == data.organisation.lower())
        )
        if organisation is None:
            raise UserError(N_("Unknown organisation {value}."), value=data.organisation)
        if not (actor.represents(organisation.id) or actor.admin_of(data.country_code)):
            raise UserError(N_("Only verified representatives of an organisation can do this."))
        return organisation.id, organisation.name
    if actor.admin_of(data.country_code):
        embassy = await session.scalar(
            select(Organisation).where(Organisation.slug == f"embassy-{data.country_code.lower()}")
        )
        if embassy is not None:
            return embassy.id, embassy.name
        return None, f"France Alumni {data.country_code}"
    represented = sorted(
        g.organisation_id
        for g in actor.grants
        if g.role is Role.REPRESENTATIVE and g.organisation_id is not None
    )
    if len(represented) == 1:
        organisation = await session.get(Organisation, represented[0])
        assert organisation is not None
        return organisation.id, organisation.name
    raise UserError(
        N_(
            "Only the country's administrators and organisation representatives "
            "can create events there."
        )
    )


async def create_event(
    session: AsyncSession, actor: Actor, data: EventInput, *, now: dt.datetime
) -> Event:
    await load_chapter(session, data.country_code)
    organisation_id, organiser = await _organiser(session, actor, data)
    remind_day_at = day_before(data.starts_at, data.time_zone)
    remind_hour_at = data.starts_at - dt.timedelta(hours=1)
    event = Event(
        country_code=data.country_code,
        organisation_id=organisation_id,
        organiser=organiser,
        titles=data.titles,
        descriptions=data.descriptions,
        place=data.place,
        online_url=data.online_url,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        time_zone=data.time_zone,
        capacity=data.capacity,
        remind_day_at=remind_day_at,
        remind_hour_at=remind_hour_at,
        day_reminder_sent=remind_day_at <= now,  # created less than a day ahead: no late one
        hour_reminder_sent=remind_hour_at <= now,
        created_by_id=actor.member_id,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await audit(
        session,
        actor_id=actor.member_id,
        action="event.create",
        subject="event",
        subject_id=event.id,
        now=now,
        organisation_id=organisation_id,
        country=data.country_code,
    )
    return event


async def load_event(session: AsyncSession, event_id: int, *, lock: bool = False) -> Event:
    statement = select(Event).where(Event.id == event_id)
    if lock:
        statement = statement.with_for_update()
    event = await session.scalar(statement)
    if event is None:
        raise UserError(N_("There is no event number {id}."), id=event_id)
    return event


async def going_counts(session: AsyncSession, event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Rsvp.event_id, func.count())
        .where(Rsvp.event_id.in_(event_ids), Rsvp.status == RsvpStatus.GOING)
        .group_by(Rsvp.event_id)
    )
    return {row[0]: row[1] for row in rows}


async def upcoming_events(
    session: AsyncSession, country_code: str, *, start: dt.datetime, until: dt.datetime
) -> list[Event]:
    """Events of a country not over at ``start`` and starting before ``until``."""
    rows = await session.scalars(
        select(Event)
        .where(
            Event.country_code == country_code,
            Event.ends_at > start,
            Event.starts_at < until,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(50)
    )
    return list(rows.all())


@dataclass(frozen=True, slots=True)
class RsvpOutcome:
    status: RsvpStatus
    promoted: int | None  # the member who got the place freed by this answer


async def rsvp(
    session: AsyncSession,
    member_id: int,
    event_id: int,
    wanted: RsvpStatus,
    *,
    now: dt.datetime,
    promoted_notice: Callable[[Event], Reply],
) -> RsvpOutcome:
    """Record an answer. "going" to a full event puts the member on the waiting list; a place
    freed goes to the first in line, who is told."""
    event = await load_event(session, event_id, lock=True)
    if event.ends_at <= now:
        raise UserError(N_("This event is over."))
    current = await session.get(Rsvp, (event_id, member_id))
    before = RsvpStatus(current.status) if current is not None else None
    status = wanted
    if wanted is RsvpStatus.GOING and before in (RsvpStatus.GOING, RsvpStatus.WAITING):
        status = before
    elif wanted is RsvpStatus.GOING and event.capacity is not None:
        going = (await going_counts(session, [event_id])).get(event_id, 0)
        if going >= event.capacity:
            status = RsvpStatus.WAITING
    if current is None:
        session.add(Rsvp(event_id=event_id, member_id=member_id, status=status, updated_at=now))
    elif status is not before:
        current.status = status
        current.updated_at = now
    await session.flush()
    promoted = None
    if before is RsvpStatus.GOING and status is not RsvpStatus.GOING:
        promoted = await _promote(session, event, now=now, notice=promoted_notice)
    return RsvpOutcome(status, promoted)


async def _promote(
    session: AsyncSession, event: Event, *, now: dt.datetime, notice: Callable[[Event], Reply]
) -> int | None:
    if event.capacity is None:
        return None
    going = (await going_counts(session, [event.id])).get(event.id, 0)
    if going >= event.capacity:
        return None
    first = await session.scalar(
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITING)
        .order_by(Rsvp.updated_at, Rsvp.member_id)
        .limit(1)
    )
    if first is None:
        return None
    first.status = RsvpStatus.GOING
    first.updated_at = now
    await session.flush()
    await notify_member(
        session,
        first.member_id,
        key=f"event:{event.id}:promoted:{first.member_id}:{int(now.timestamp())}",
        kind="event",
        build=lambda: notice(event),
        now=now,
    )
    return first.member_id


async def queue_reminders(
    session: AsyncSession,
    *,
    now: dt.datetime,
    horizon: dt.timedelta,
    build: Callable[[Event, bool], Reply],
) -> int:
    """Queue the reminders due before ``now + horizon`` (each to be sent at its exact time)
    to everyone going: the day-before one and the hour-before one, each once per member."""
    queued = 0
    for day in (True, False):
        due_at = Event.remind_day_at if day else Event.remind_hour_at
        sent = Event.day_reminder_sent if day else Event.hour_reminder_sent
        events = list(
            (
                await session.scalars(
                    select(Event)
                    .where(sent.is_(False), due_at <= now + horizon)
                    .order_by(Event.id)
                    .with_for_update(skip_locked=True)
                )
            ).all()
        )
        for event in events:
            if event.starts_at > now:
                going = select(Rsvp.member_id).where(
                    Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.GOING
                )
                people = await recipients(session, going)
                by_locale: dict[str, Reply] = {}
                for person in people:
                    if person.locale not in by_locale:
                        with use_locale(person.locale):
                            by_locale[person.locale] = build(event, day)
                label = "day" if day else "hour"
                queued += await enqueue_many(
                    session,
                    (
                        (
                            f"reminder:{event.id}:{label}:{p.member_id}",
                            p.target,
                            by_locale[p.locale],
                        )
                        for p in people
                    ),
                    kind="reminder",
                    now=now,
                    not_before=event.remind_day_at if day else event.remind_hour_at,
                )
            await session.execute(
                update(Event).where(Event.id == event.id).values({sent.key: True})
            )
    return queued
