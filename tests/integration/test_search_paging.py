"""Directory search pages: forwards and back through the same order, with and without words;
a country's listing reads its index in name order instead of sorting the country."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from core.bootstrap import App
from core.db.models import Education, Member
from core.directory.countries import ensure_countries
from core.directory.members import find_or_create_institution
from core.directory.search import DirectoryQuery, SearchPage, search_members
from core.domain import Visibility, fold

FAMILIES = ["Ngô", "Nguyễn", "Nguyen", "Ngata", "Phạm", "Lê"]


async def _add_country(app: App) -> list[tuple[str, int, int]]:
    """Members of Vietnam: (name_key, id, graduation year) of those listed."""
    listed = []
    async with app.db.sessions.begin() as session:
        await ensure_countries(session, {"VN"})
        school = await find_or_create_institution(session, "Université de Lyon")
        for i in range(40):
            name = f"{['Anh', 'Bảo', 'Chi', 'Dũng'][i % 4]} {FAMILIES[i % len(FAMILIES)]}"
            hidden = i % 7 == 3
            member = Member(
                full_name=name,
                name_key=fold(name),
                country_code="VN",
                directory_consent=i % 11 != 5,
                visibility=Visibility.HIDDEN if hidden else Visibility.LISTED,
                search_document=fold(name),
                created_at=app.clock.now(),
            )
            session.add(member)
            await session.flush()
            year = 2010 + i % 2
            session.add(
                Education(member_id=member.id, institution_id=school.id, graduation_year=year)
            )
            if member.directory_consent and not hidden:
                listed.append((member.name_key, member.id, year))
    return listed


async def _all_pages(app: App, query: DirectoryQuery) -> tuple[list[int], list[int]]:
    """The ids page after page to the end, then page before page back to the start."""
    forwards: list[list[int]] = []
    async with app.db.sessions() as session:
        page: SearchPage = await search_members(session, query)
        forwards.append([r.member_id for r in page.results])
        while page.next is not None:
            page = await search_members(session, query, page.next)
            forwards.append([r.member_id for r in page.results])
        backwards = [forwards[-1]]
        while page.previous is not None:
            page = await search_members(session, query, page.previous)
            backwards.insert(0, [r.member_id for r in page.results])
    return [i for p in forwards for i in p], [i for p in backwards for i in p]


async def test_a_listing_without_words_pages_in_name_order_both_ways(app: App) -> None:
    listed = await _add_country(app)
    expected = [i for _key, i, year in sorted(listed) if year == 2011]
    forwards, backwards = await _all_pages(app, DirectoryQuery(country="VN", year=2011))
    assert forwards == expected
    assert backwards == expected


async def test_a_search_with_words_pages_by_score_then_name_both_ways(app: App) -> None:
    listed = await _add_country(app)
    # "nguyen anh": both words start a word of "anh nguyen", one of "bao nguyen" or "anh ngo".
    scored = [
        (-sum(any(w.startswith(t) for w in key.split()) for t in ("nguyen", "anh")), key, i)
        for key, i, _year in listed
        if any(w.startswith("nguyen") for w in key.split())
        and any(w.startswith("anh") for w in key.split())
    ]
    expected = [i for *_, i in sorted(scored)]
    forwards, backwards = await _all_pages(app, DirectoryQuery(text="nguyen anh"))
    assert forwards == expected
    assert backwards == expected
    listing, _ = await _all_pages(app, DirectoryQuery(text="ng", country="VN"))
    assert listing == [
        i for key, i, _ in sorted(listed) if any(w.startswith("ng") for w in key.split())
    ]


async def test_a_country_listing_reads_its_index_in_name_order(app: App, is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("PostgreSQL chooses its plan from statistics")
    await _add_country(app)
    executed: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        executed.append((statement, parameters))

    event.listen(app.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with app.db.sessions() as session:
            await search_members(session, DirectoryQuery(country="VN", year=2011))
    finally:
        event.remove(app.db.engine.sync_engine, "before_cursor_execute", record)
    statement, parameters = executed[0]
    async with app.db.engine.connect() as conn:
        rows = list(await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    plan = " / ".join(str(row[-1]) for row in rows)
    [listing] = [row for row in rows if "ix_members_listed_country" in str(row[-1])]
    # No sort beside the reading of the country: the sort a plan may add for the page's own
    # few rows sits in the level above.
    siblings = [str(row[-1]) for row in rows if row[1] == listing[1]]
    assert not [step for step in siblings if "TEMP B-TREE" in step], plan
