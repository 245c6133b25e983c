"""Events: creation through the form, RSVP and waiting list, calendar files, reminders."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar
from sqlalchemy import func, select

from core.bootstrap import App
from core.chat import Incoming, Reply
from core.clock import FakeClock
from core.db.models import Event, OutboxMessage, Rsvp
from core.domain import Platform
from core.events import country_feed, register_chapter_jobs
from core.scheduling import Scheduler
from tests.events.conftest import Cast, text_of
from tests.helpers import press, say

LISBON_EVENING = {
    "title_fr": "Soirée des anciens",
    "title_en": "Alumni evening",
    "title_pt": "Noite dos antigos alunos",
    "description_en": "Drinks at the residence.",
    "place": "Palácio de Santos, Lisboa",
    "start": "2026-03-29 19:00",  # Lisbon moves from UTC+0 to UTC+1 that morning
    "end": "22:00",
}


async def submit(
    app: App, user_id: str, action: str, payload: str, values: dict[str, str]
) -> list[Reply]:
    """A form submitted whole, as from a Slack or Discord modal."""
    return await app.dispatcher.handle(
        Incoming(
            platform=Platform.CONSOLE,
            user_id=user_id,
            action=action,
            payload=payload,
            form_values=values,
        )
    )


async def create_event(app: App, user_id: str, **changes: str) -> int:
    replies = await submit(app, user_id, "events.save", "PT", {**LISBON_EVENING, **changes})
    assert not replies[0].error, replies[0].text
    async with app.db.sessions() as session:
        event_id = await session.scalar(select(func.max(Event.id)))
    assert event_id is not None
    return event_id


async def test_an_event_is_stored_in_utc_and_shown_in_the_chapters_local_time(
    cast: Cast, seeded: App
) -> None:
    form = await say(seeded, cast.country_admin, "/event create country:PT")
    assert form  # the console asks the form's fields one by one
    event_id = await create_event(seeded, cast.country_admin)
    async with seeded.db.sessions() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    assert event.starts_at == dt.datetime(2026, 3, 29, 18, 0, tzinfo=dt.UTC)
    assert event.ends_at == dt.datetime(2026, 3, 29, 21, 0, tzinfo=dt.UTC)
    assert event.organiser == "France Alumni PT"  # no embassy organisation for PT: the chapter
    shown = text_of(await say(seeded, cast.english, f"/event show {event_id}"))
    assert "Alumni evening" in shown and "7:00" in shown and "Europe/Lisbon" in shown
    in_portuguese = text_of(await say(seeded, cast.portuguese, "/events country:PT when:month"))
    assert "Noite dos antigos alunos" in in_portuguese


async def test_events_in_the_past_ending_before_they_start_or_in_unknown_zones_are_refused(
    cast: Cast, seeded: App
) -> None:
    for changes in (
        {"start": "2026-03-01 19:00"},  # the clock says 2 March
        {"end": "18:00"},
        {"timezone": "Europe/Atlantis"},
    ):
        replies = await submit(
            seeded, cast.country_admin, "events.save", "PT", {**LISBON_EVENING, **changes}
        )
        assert replies[0].error, changes
    other = await submit(seeded, cast.other_country_admin, "events.save", "PT", LISBON_EVENING)
    assert other[0].error
    async with seeded.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_a_full_event_puts_people_on_a_waiting_list_and_promotes_them_when_a_place_frees(
    cast: Cast, seeded: App
) -> None:
    event_id = await create_event(seeded, cast.country_admin, capacity="1")
    await press(seeded, cast.member, "events.rsvp", f"{event_id}:going")
    await press(seeded, cast.english, "events.rsvp", f"{event_id}:going")
    await press(seeded, cast.portuguese, "events.rsvp", f"{event_id}:maybe")

    async def statuses() -> dict[str, str]:
        async with seeded.db.sessions() as session:
            rows = await session.execute(select(Rsvp.member_id, Rsvp.status))
            return {str(m): s for m, s in rows}

    before = sorted((await statuses()).values())
    assert before == ["going", "maybe", "waiting"]
    await press(seeded, cast.member, "events.rsvp", f"{event_id}:not_going")
    after = sorted((await statuses()).values())
    assert after == ["going", "maybe", "not_going"]
    async with seeded.db.sessions() as session:
        told = (
            await session.scalars(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.key.like(f"event:{event_id}:promoted:%")
                )
            )
        ).all()
    assert told == [f"user:{cast.english}"]


async def test_add_to_calendar_gives_an_rfc5545_file_and_the_country_feed_lists_it(
    cast: Cast, seeded: App
) -> None:
    event_id = await create_event(seeded, cast.country_admin)
    [reply] = await press(seeded, cast.english, "events.ics", str(event_id))
    [attachment] = reply.attachments
    assert attachment.mime_type == "text/calendar"
    calendar = Calendar.from_ical(attachment.content)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Alumni evening"
    assert vevent.decoded("DTSTART") == dt.datetime(2026, 3, 29, 18, 0, tzinfo=dt.UTC)
    async with seeded.db.sessions() as session:
        feed = Calendar.from_ical(await country_feed(session, "PT", now=seeded.clock.now()))
    assert [str(e["UID"]) for e in feed.walk("VEVENT")] == [str(vevent["UID"])]


async def test_reminders_reach_those_going_at_the_same_local_time_across_daylight_saving(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    event_id = await create_event(seeded, cast.country_admin)
    await press(seeded, cast.english, "events.rsvp", f"{event_id}:going")
    await press(seeded, cast.portuguese, "events.rsvp", f"{event_id}:maybe")
    scheduler = Scheduler(seeded.db, clock, runner="a", catch_up=dt.timedelta(0))
    register_chapter_jobs(scheduler, seeded)
    clock.set(dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC))
    await scheduler.run_due()
    queued: dict[str, dt.datetime] = {}
    while clock.now() < dt.datetime(2026, 3, 29, 18, 0, tzinfo=dt.UTC):
        clock.advance(dt.timedelta(minutes=5))
        await scheduler.run_due()
        async with seeded.db.sessions() as session:
            for key, due in await session.execute(
                select(OutboxMessage.key, OutboxMessage.next_attempt_at).where(
                    OutboxMessage.kind == "reminder"
                )
            ):
                queued.setdefault(key, due)
                assert due - clock.now() <= dt.timedelta(minutes=5)  # queued just in time
    assert queued == {
        # 19:00 in Lisbon on Saturday (UTC+0), 23 hours before 19:00 on Sunday (UTC+1)
        f"reminder:{event_id}:day:{await _id(seeded, cast.english)}": dt.datetime(
            2026, 3, 28, 19, 0, tzinfo=dt.UTC
        ),
        # 18:00 in Lisbon, one hour before
        f"reminder:{event_id}:hour:{await _id(seeded, cast.english)}": dt.datetime(
            2026, 3, 29, 17, 0, tzinfo=dt.UTC
        ),
    }


async def _id(app: App, user_id: str) -> int:
    from core.db.models import PlatformAccount

    async with app.db.sessions() as session:
        member_id = await session.scalar(
            select(PlatformAccount.member_id).where(PlatformAccount.user_id == user_id)
        )
    assert member_id is not None
    return member_id
