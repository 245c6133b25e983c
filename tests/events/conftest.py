"""A Portuguese chapter (fr/en/pt, Europe/Lisbon) and one person per role, each with a
console account; helpers to add many members at once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import insert, select

from core.bootstrap import App
from core.chat import Reply
from core.db.base import table_of
from core.db.models import Member, Organisation, PlatformAccount, RoleGrant
from core.domain import Platform, Role, Visibility, fold
from tests.helpers import say

ADMIN_EMAIL = "hq@france-alumni.example"


@dataclass(frozen=True)
class Cast:
    global_admin: str
    country_admin: str  # of PT
    other_country_admin: str  # of JP
    member: str  # lives in PT, writes French
    english: str  # lives in PT, writes English
    portuguese: str  # lives in PT, writes Portuguese
    representative: str
    org_id: int


async def person(
    app: App,
    name: str,
    *,
    country: str = "PT",
    language: str = "fr",
    city: str = "Lisboa",
    grants: tuple[tuple[Role, int | None, str | None], ...] = (),
    email: str | None = None,
) -> str:
    async with app.db.sessions.begin() as session:
        member = Member(
            full_name=name,
            name_key=fold(name),
            email=email,
            country_code=country,
            city=city,
            city_key=fold(city),
            preferred_language=language,
            directory_consent=True,
            visibility=Visibility.LISTED,
            search_document="",
            created_at=app.clock.now(),
        )
        session.add(member)
        await session.flush()
        session.add(PlatformAccount(platform=Platform.CONSOLE, user_id=name, member_id=member.id))
        for role, org, code in grants:
            session.add(
                RoleGrant(member_id=member.id, role=role, organisation_id=org, country_code=code)
            )
    return name


async def many_members(
    app: App,
    count: int,
    *,
    country: str = "PT",
    prefix: str = "m",
    languages: tuple[str, ...] = ("pt",),
    platform: Platform = Platform.CONSOLE,
) -> list[int]:
    """``count`` members with an account each (console by default; on Telegram the user id
    is 9,000,000 + the member id), in one statement per table."""
    now = app.clock.now()
    async with app.db.sessions.begin() as session:
        first = (await session.scalar(select(Member.id).order_by(Member.id.desc()).limit(1))) or 0
        ids = list(range(first + 1, first + 1 + count))
        await session.execute(
            insert(table_of(Member)),
            [
                {
                    "id": member_id,
                    "full_name": f"{prefix} {member_id}",
                    "name_key": f"{prefix} {member_id}",
                    "country_code": country,
                    "city": "Porto",
                    "city_key": "porto",
                    "languages": [],
                    "preferred_language": languages[i % len(languages)],
                    "directory_consent": False,
                    "visibility": Visibility.LISTED,
                    "search_document": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, member_id in enumerate(ids)
            ],
        )
        await session.execute(
            insert(table_of(PlatformAccount)),
            [
                {
                    "platform": platform,
                    "workspace": "",
                    "user_id": str(9_000_000 + member_id)
                    if platform is Platform.TELEGRAM
                    else f"{prefix}-{member_id}",
                    "member_id": member_id,
                    "created_at": now,
                }
                for member_id in ids
            ],
        )
    return ids


def text_of(replies: list[Reply]) -> str:
    parts = []
    for reply in replies:
        parts.append(reply.text)
        for card in reply.cards:
            parts.extend((card.title, card.subtitle, card.body))
            parts.extend(f"{f.name}: {f.value}" for f in card.fields)
    return "\n".join(p for p in parts if p)


@pytest.fixture
async def cast(seeded: App) -> Cast:
    app = seeded
    async with app.db.sessions() as session:
        org_id = await session.scalar(select(Organisation.id).where(Organisation.slug == "airbus"))
    assert org_id is not None
    hq = await person(
        app, "hq", grants=((Role.GLOBAL_ADMIN, None, None),), country="BR", email=ADMIN_EMAIL
    )
    opened = await say(
        app, hq, "/chapter open PT languages:fr,en,pt timezone:Europe/Lisbon day:mon hour:9"
    )
    assert not opened[0].error, opened[0].text
    cast = Cast(
        global_admin=hq,
        country_admin=await person(app, "attache-pt", email="attache.pt@france-alumni.example"),
        other_country_admin=await person(
            app, "attache-jp", country="JP", grants=((Role.COUNTRY_ADMIN, None, "JP"),)
        ),
        member=await person(app, "ines", language="fr"),
        english=await person(app, "john", language="en"),
        portuguese=await person(app, "joao", language="pt_BR"),
        representative=await person(
            app, "rep", country="FR", grants=((Role.REPRESENTATIVE, org_id, None),)
        ),
        org_id=org_id,
    )
    named = await say(app, hq, "/chapter admin PT attache.pt@france-alumni.example")
    assert not named[0].error, named[0].text
    return cast
