"""A member who is hidden, or never consented to the directory, is found by no one: not by
search (words, filters, spelling corrections, paging), autocomplete, digests or stats."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.discord.autocomplete import suggestions
from core.bootstrap import App
from core.chat.commands import Command, Param
from core.db.models import Chapter, Member, PlatformAccount
from core.demo.data import DEMO_EMAIL
from core.domain import Platform, Role, Visibility, fold
from core.events.digests import chapter_digest, load_offer_index, member_digest_reply
from core.i18n import use_locale
from tests.events.conftest import person, text_of
from tests.helpers import account_for, names, press, say

# (directory_consent, visibility) of members no one may find; the last is the control.
UNLISTED = {
    "Ximena Quispeyupanqui": (True, Visibility.HIDDEN),
    "Xochitl Quetzalcoatlan": (False, Visibility.LISTED),
    "Xavier Quenneville-Hidden": (False, Visibility.HIDDEN),
}
LISTED = "Xiomara Quintanilla"
CITY = "Arequipa"


async def _people(app: App) -> dict[str, int]:
    ids = {}
    async with app.db.sessions.begin() as session:
        for name, (consent, visibility) in {**UNLISTED, LISTED: (True, Visibility.LISTED)}.items():
            document = fold(f"{name} {CITY} digital")
            member = Member(
                full_name=name,
                name_key=fold(name),
                country_code="PE",
                city=CITY,
                city_key=fold(CITY),
                sector="digital",
                directory_consent=consent,
                visibility=visibility,
                search_document=document,
                created_at=app.clock.now(),
            )
            session.add(member)
            await session.flush()
            ids[name] = member.id
    return ids


@pytest.mark.parametrize(
    "query",
    [
        "xi",  # a prefix of every first name
        "quispeyupanqui",
        "quispeyupanki",  # a spelling correction
        "ximena quispeyupanqui",
        "country:PE",  # a listing with filters and no words
        f"country:PE city:{CITY}",
        "country:PE sector:digital",
        f"{CITY.lower()} country:PE",
    ],
)
async def test_search_never_shows_an_unlisted_member(seeded: App, query: str) -> None:
    await _people(seeded)
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, f"/search {query}")
    seen = list(names([reply]))
    while reply.pager is not None and reply.pager.next is not None:
        [reply] = await press(seeded, me, "search.page", reply.pager.next.payload)
        seen.extend(names([reply]))
    shown = " ".join(seen) + repr(reply)
    assert not [name for name in UNLISTED if name in shown]
    if "qui" not in query:
        assert LISTED in seen  # the control: the same query finds the listed member


def test_autocomplete_suggests_no_member_whatever_the_option(seeded: App) -> None:
    def params(command: Command) -> list[Param]:
        found = [*command.params, *command.options]
        for sub in command.subcommands:
            found.extend(params(sub))
        return found

    kinds = {p.autocomplete for c in seeded.registry for p in params(c) if p.autocomplete}
    assert kinds  # some options do complete
    for kind in kinds | {"member", "name", "school", "group"}:
        for typed in ("xi", "Ximena", "quisp", ""):
            shown = repr(suggestions(kind, typed, "en"))
            assert not [name for name in UNLISTED if name.split()[0] in shown], (kind, typed)


async def test_the_digest_announces_only_listed_newcomers(seeded: App) -> None:
    await _people(seeded)
    now = seeded.clock.now()
    async with seeded.db.sessions.begin() as session:
        chapter = Chapter(country_code="PE", languages=["es", "en"], time_zone="America/Lima")
        session.add(chapter)
        reader = Member(
            full_name="Reader",
            name_key="reader",
            country_code="PE",
            city=CITY,
            city_key=fold(CITY),
            created_at=now - dt.timedelta(days=400),
        )
        session.add(reader)
        await session.flush()
        session.add(
            PlatformAccount(platform=Platform.CONSOLE, user_id="reader", member_id=reader.id)
        )
        since = now - dt.timedelta(days=7)
        offers = await load_offer_index(session, since, now=now)
        digest = await chapter_digest(
            session, chapter, since=since, now=now + dt.timedelta(hours=1), offers=offers
        )
        reader_id = reader.id
    shown = " ".join(name for people in digest.new_members.values() for name, _city in people)
    with use_locale("en"):
        shown += text_of([member_digest_reply(digest, reader_id)])
    assert LISTED in shown  # the control
    assert not [name for name in UNLISTED if name in shown]


async def test_stats_count_unlisted_members_but_show_no_city_only_they_live_in(
    seeded: App,
) -> None:
    admin = await person(seeded, "hq", country="BR", grants=((Role.GLOBAL_ADMIN, None, None),))
    ids = await _people(seeded)
    async with seeded.db.sessions.begin() as session:
        hidden = await session.get(Member, ids["Ximena Quispeyupanqui"])
        assert hidden is not None
        hidden.city, hidden.city_key = "Huancayo", "huancayo"
    [figures] = await say(seeded, admin, "/stats country:PE")
    assert not figures.error, figures.text
    shown = text_of([figures])
    assert "Huancayo" not in shown
    assert f"{CITY}: 1" in shown  # only the listed member of Arequipa counts in cities
    assert not [name for name in (*UNLISTED, LISTED) if name in shown]
