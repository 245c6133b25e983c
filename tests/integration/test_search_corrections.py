"""Spelling corrections in directory search: accented names, several misspelt words at once,
one statement for all the corrections, and never a member who is not listed."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core.bootstrap import App
from core.db.models import Member
from core.directory.countries import ensure_countries
from core.directory.documents import remember_terms
from core.directory.search import (
    MAX_VARIANTS,
    DirectoryQuery,
    _corrections,
    edit_distance,
    search_members,
)
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


def _closest_by_reading_every_word(vocabulary: list[str], term: str) -> list[str]:
    """What the corrections are by definition, read from the whole vocabulary: the words of a
    length within the allowed edits with the same first three letters, or one edit away at
    the third; the closest of them, nearest first, then in alphabetical order."""
    if len(term) < 3 or any(w.startswith(term) for w in vocabulary):
        return [term]
    allowed = 1 if len(term) <= 5 else 2
    a, rest = term[:2], term[2:]
    patterns = [a + "." + rest[1:], a + rest[1:], a + "." + rest]
    if len(rest) > 1:
        patterns.append(a + rest[1] + rest[0] + rest[2:])
    candidates = [
        w
        for w in vocabulary
        if abs(len(w) - len(term)) <= allowed
        and (w.startswith(term[:3]) or any(re.fullmatch(p, w) for p in patterns))
    ]
    close = sorted(
        (edit_distance(term, w, allowed), w)
        for w in candidates
        if edit_distance(term, w, allowed) <= allowed
    )
    return [w for _distance, w in close[:MAX_VARIANTS]] or [term]


async def test_corrections_are_those_of_a_reading_of_the_whole_vocabulary(app: App) -> None:
    rng = random.Random(11)
    letters = "abcdeжщ"  # two Cyrillic letters: positions count characters, not bytes
    vocabulary = sorted(
        {"".join(rng.choice(letters) for _ in range(rng.randint(2, 8))) for _ in range(3000)}
    )
    async with app.db.sessions.begin() as session:
        await remember_terms(session, [" ".join(vocabulary)])
    queries = []
    for word in rng.sample(vocabulary, 300):
        i = rng.randrange(len(word)) if rng.random() < 0.5 else min(2, len(word) - 1)
        edit = rng.choice(["substitute", "delete", "insert", "swap"])
        if edit == "substitute":
            word = word[:i] + rng.choice(letters) + word[i + 1 :]
        elif edit == "delete":
            word = word[:i] + word[i + 1 :]
        elif edit == "insert":
            word = word[:i] + rng.choice(letters) + word[i:]
        else:
            word = word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]
        queries.append(word)
    async with app.db.sessions() as session:
        for start in range(0, len(queries), 6):
            terms = queries[start : start + 6]
            expected = [_closest_by_reading_every_word(vocabulary, t) for t in terms]
            assert await _corrections(await session.connection(), terms) == expected, terms
    corrected = [q for q in queries if _closest_by_reading_every_word(vocabulary, q) != [q]]
    assert len(corrected) > 100  # the sample exercises corrections, not only known prefixes


async def test_a_name_written_with_vowel_signs_is_found_whole_on_both_engines(app: App) -> None:
    """Devanagari vowel signs and the virama are combining marks: a word must not break at
    them, or the query asks for two words the index never split ("अरज" and "न")."""
    name = "अर्जुन शर्मा"
    async with app.db.sessions.begin() as session:
        await ensure_countries(session, {"IN"})
        document = fold(f"{name} Sharma Mumbai")
        session.add(
            Member(
                full_name=name,
                name_key=fold(name),
                country_code="IN",
                city="Mumbai",
                city_key="mumbai",
                directory_consent=True,
                visibility=Visibility.LISTED,
                search_document=document,
                created_at=app.clock.now(),
            )
        )
        await remember_terms(session, [document])
    async with app.db.sessions() as session:
        for typed in ("अर्जुन", "अर्जुन शर्मा", "अर्जुन sharma", "शर्मा mumbai"):
            page = await search_members(session, DirectoryQuery(text=typed))
            assert [r.full_name for r in page.results] == [name], typed
