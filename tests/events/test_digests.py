"""Per-country digests: in each member's language, at the chapter's local hour, once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.bootstrap import App
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.events import register_chapter_jobs
from core.events.chapters import load_chapter
from core.events.digests import chapter_digest, load_offer_index
from core.i18n import format_datetime, use_locale
from core.offers.alerts import weekly_matches
from core.scheduling import Scheduler
from tests.events.conftest import Cast
from tests.events.test_events import _id, create_event, submit
from tests.helpers import say

MONDAY_9_LISBON = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)  # WET = UTC in March


async def _prepare(cast: Cast, app: App) -> int:
    for user in (cast.member, cast.english, cast.portuguese):
        [on] = await say(app, user, "/digest on")
        assert not on.error, on.text
    alert = await say(
        app, cast.english, "/alerts add analyst kind:internship country:PT every:weekly"
    )
    assert not alert[0].error, alert[0].text
    posted = await say(
        app,
        cast.representative,
        "/offer post internship Data analyst country:PT city:Lisboa "
        "apply:https://example.com/apply",
    )
    assert not posted[0].error, posted[0].text
    published = await submit(
        app,
        cast.country_admin,
        "articles.save",
        "PT",
        {"title": "Vistos para estudantes", "body": "Novas regras."},
    )
    assert not published[0].error, published[0].text
    return await create_event(app, cast.country_admin, start="2026-03-12 19:00", end="21:00")


async def test_the_weekly_digest_is_queued_once_at_the_local_hour_in_each_members_language(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    await say(seeded, cast.country_admin, "/chapter channel PT -100200")
    await _prepare(cast, seeded)
    schedulers = []
    clock.set(MONDAY_9_LISBON - dt.timedelta(hours=1))
    for runner in ("a", "b"):
        scheduler = Scheduler(seeded.db, clock, runner=runner, catch_up=dt.timedelta(0))
        register_chapter_jobs(scheduler, seeded)
        await scheduler.run_due()
        schedulers.append(scheduler)
    for _ in range(16):  # until 09:20
        clock.advance(dt.timedelta(minutes=5))
        for scheduler in schedulers:
            await scheduler.run_due()
    async with seeded.db.sessions() as session:
        rows = {
            key: (chat, reply, created)
            for key, chat, reply, created in await session.execute(
                select(
                    OutboxMessage.key,
                    OutboxMessage.chat_id,
                    OutboxMessage.reply,
                    OutboxMessage.created_at,
                ).where(OutboxMessage.kind == "digest")
            )
        }
    ids = {u: await _id(seeded, u) for u in (cast.member, cast.english, cast.portuguese)}
    expected = {f"digest:PT:2026-W11:{member_id}" for member_id in ids.values()}
    channel = [k for k in rows if ":channel:" in k]
    assert set(rows) - set(channel) == expected  # once each, though two schedulers ran
    assert len(channel) == 1
    assert {created for _, _, created in rows.values()} == {MONDAY_9_LISBON}
    event_start = dt.datetime(2026, 3, 12, 19, 0, tzinfo=dt.UTC)
    for user, locale in ((cast.member, "fr"), (cast.english, "en"), (cast.portuguese, "pt_BR")):
        _chat, reply, _ = rows[f"digest:PT:2026-W11:{ids[user]}"]
        bodies = "\n".join(c["body"] for c in reply["cards"])
        with use_locale(locale):
            when = format_datetime(event_start, tz="Europe/Lisbon", format="short")
        assert when in bodies, (locale, bodies)
        assert "Vistos para estudantes" in bodies
        assert ("Data analyst" in bodies) == (user == cast.english)  # only his alert matched
    _chat, public, _ = rows[channel[0]]
    public_text = "\n".join(c["body"] for c in public["cards"])
    assert "Data analyst" not in public_text and "ines" not in public_text  # no personal part


async def test_set_based_offer_matches_agree_with_weekly_matches(cast: Cast, seeded: App) -> None:
    await _prepare(cast, seeded)
    now = seeded.clock.now()
    since = now - dt.timedelta(days=7)
    john = await _id(seeded, cast.english)
    async with seeded.db.sessions() as session:
        chapter = await load_chapter(session, "PT")
        offers = await load_offer_index(session, since, now=now)
        digest = await chapter_digest(session, chapter, since=since, now=now, offers=offers)
        reference = await weekly_matches(session, john, since, now=now)
    assert [o.id for o in digest.offers[john]] == [offer.id for _, offer, _ in reference]
    assert len(reference) == 1


async def test_the_digest_preview_shows_what_the_member_would_receive(
    cast: Cast, seeded: App
) -> None:
    await _prepare(cast, seeded)
    [preview] = await say(seeded, cast.english, "/digest")
    bodies = "\n".join(c.body for c in preview.cards)
    assert "Data analyst" in bodies and "Vistos para estudantes" in bodies


async def test_new_groups_of_the_country_and_the_network_are_in_the_digest(
    cast: Cast, seeded: App
) -> None:
    for values in (
        {"name_en": "Lisbon founders", "country": "PT"},
        {"name_en": "Data everywhere", "country": ""},
        {"name_en": "Tokyo runners", "country": "JP"},  # another country's: not shown
    ):
        [created] = await submit(
            seeded,
            cast.member,
            "groups.create",
            "en,fr",
            {"description_en": "x", "kind": "sector", "visibility": "open", **values},
        )
        assert not created.error, created.text
    [preview] = await say(seeded, cast.english, "/digest")
    [groups] = [c for c in preview.cards if c.title == "New groups"]
    assert groups.body.splitlines() == [
        "• Data everywhere (/join data-everywhere)",
        "• Lisbon founders (/join lisbon-founders)",
    ]
