"""Chapters: headquarters opens them and names their admins; admins run only their own."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import App
from core.db.models import Chapter, ChapterChannel, Country
from core.events.chapters import NOT_YOURS
from core.i18n import gettext, use_locale
from tests.events.conftest import Cast, text_of
from tests.helpers import say


async def test_a_global_admin_opens_a_chapter_in_french_english_and_portuguese(
    cast: Cast, seeded: App
) -> None:
    async with seeded.db.sessions() as session:
        chapter = await session.get(Chapter, "PT")
        country = await session.get(Country, "PT")
    assert chapter is not None and country is not None
    assert chapter.languages == ["fr", "en", "pt"]
    assert (chapter.time_zone, chapter.digest_day, chapter.digest_hour) == (
        "Europe/Lisbon",
        "mon",
        9,
    )
    assert country.time_zone == "Europe/Lisbon"
    shown = text_of(await say(seeded, cast.english, "/chapter country:PT"))
    assert "Portugal" in shown and "Europe/Lisbon" in shown


async def test_the_named_admin_manages_their_chapter_but_not_another_country(
    cast: Cast, seeded: App
) -> None:
    added = await say(seeded, cast.country_admin, "/chapter channel PT -100200")
    assert not added[0].error, added[0].text
    refused = await say(seeded, cast.other_country_admin, "/chapter channel PT -100300")
    assert refused[0].error
    with use_locale("fr"):  # the admin's language
        assert refused[0].text == gettext(NOT_YOURS)
    async with seeded.db.sessions() as session:
        chats = (await session.scalars(select(ChapterChannel.chat_id))).all()
    assert chats == ["-100200"]


async def test_only_global_admins_open_chapters_and_unknown_time_zones_are_refused(
    cast: Cast, seeded: App
) -> None:
    by_admin = await say(seeded, cast.country_admin, "/chapter open ES timezone:Europe/Madrid")
    assert by_admin[0].error
    bad_zone = await say(seeded, cast.global_admin, "/chapter open ES timezone:Mars/Olympus")
    assert bad_zone[0].error
    assert "Mars/Olympus" in bad_zone[0].text
    async with seeded.db.sessions() as session:
        assert await session.get(Chapter, "ES") is None


async def test_the_chapter_list_follows_the_readers_alphabet_not_iso_codes(
    cast: Cast, seeded: App
) -> None:
    for code, zone in (("EG", "Africa/Cairo"), ("AE", "Asia/Dubai"), ("DZ", "Africa/Algiers")):
        await say(seeded, cast.global_admin, f"/chapter open {code} timezone:{zone}")
    listed = text_of(await say(seeded, cast.member, "/chapter"))  # a French reader
    places = [listed.index(n) for n in ("Algérie", "Égypte", "Émirats arabes unis", "Portugal")]
    assert places == sorted(places)  # ISO order would put AE (Émirats) first
