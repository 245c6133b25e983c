"""Spelling corrections in directory search: accented names, several misspelt words at once,
one statement for all the corrections, and never a member who is not listed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core.bootstrap import App
from core.db.models import Member
from core.directory.countries import ensure_countries
from core.directory.documents import remember_terms
from core.directory.search import DirectoryQuery, search_members
from core.domain import Visibility, fold

# (directory_consent, visibility) per name; the search documents hold the city too.
PEOPLE = {
    "Łukasz Wójcikowski": (True, Visibility.LISTED),
    "Zoë Nguyễn": (True, Visibility.LISTED),
    "Björn Sigurðsson": (True, Visibility.LISTED),
    "Ingrid Sigurðardóttir": (True, Visibility.HIDDEN),
    "Þórunn Sigurðardóttir": (False, Visibility.LISTED),
}


async def _add_people(app: App) -> None:
    async with app.db.sessions.begin() as session:
        await ensure_countries(session, {"IS"})
        documents = []
        for name, (consent, visibility) in PEOPLE.items():
            document = fold(f"{name} Reykjavík")
            session.add(
                Member(
                    full_name=name,
                    name_key=fold(name),
                    country_code="IS",
                    city="Reykjavík",
                    city_key="reykjavik",
                    directory_consent=consent,
                    visibility=visibility,
                    search_document=document,
                    created_at=app.clock.now(),
                )
            )
            documents.append(document)
        await remember_terms(session, documents)


@contextmanager
def _statements(app: App) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])  # before_cursor_execute(conn, cursor, statement, ...)

    event.listen(app.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.db.engine.sync_engine, "before_cursor_execute", record)


async def _names(app: App, text: str) -> tuple[list[str], bool]:
    async with app.db.sessions() as session:
        page = await search_members(session, DirectoryQuery(text=text))
    return [r.full_name for r in page.results], page.corrected


async def test_a_misspelt_name_typed_with_or_without_accents_finds_the_accented_one(
    app: App,
) -> None:
    await _add_people(app)
    for query in ["wojcikowsky", "Wójcikowsky", "WOJCIKOWKSI", "lukasz wojcikowsk1"]:
        found, corrected = await _names(app, query)
        assert found == ["Łukasz Wójcikowski"], query
        assert corrected, query


async def test_several_misspelt_words_are_corrected_together(app: App) -> None:
    await _add_people(app)
    assert await _names(app, "lukaz wojcikowsky") == (["Łukasz Wójcikowski"], True)
    assert await _names(app, "nguyne zoé") == (["Zoë Nguyễn"], True)
    # A word spelt right stays as typed while its neighbour is corrected.
    assert await _names(app, "bjorn sigurdson") == (["Björn Sigurðsson"], True)


async def test_every_misspelt_word_is_corrected_by_one_statement(app: App) -> None:
    await _add_people(app)
    with _statements(app) as statements:
        found, corrected = await _names(app, "lukaz wojcikowsky reykjavk")
    assert (found, corrected) == (["Łukasz Wójcikowski"], True)
    assert len([s for s in statements if "search_terms" in s]) == 1


async def test_corrections_never_show_a_hidden_or_unconsented_member(app: App) -> None:
    await _add_people(app)
    # "sigurdardottir" is the family name of a hidden member and of one who never consented.
    for query in ["sigurdardotir", "ingrid sigurdardotir", "torunn sigurdardottr", "ingrd"]:
        found, _corrected = await _names(app, query)
        assert found == [], query
    # The control: a correction that reaches a listed member shows her.
    assert await _names(app, "sigurdsonn") == (["Björn Sigurðsson"], True)
