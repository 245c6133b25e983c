"""A member, two Airbus representatives, a Portuguese chapter with its country admin, each
with a console account (to act) and a Telegram account with a handle (to be reached)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.bootstrap import App
from core.chat import Incoming, Reply
from core.db.models import ContactRequest, Organisation, OutboxMessage, PlatformAccount
from core.domain import Platform, Role
from tests.events.conftest import person
from tests.helpers import say


@dataclass(frozen=True)
class Cast:
    member: str  # lives in PT, writes French
    english: str  # lives in PT, writes English
    representative: str  # of Airbus
    other_representative: str  # of Airbus too
    country_admin: str  # of PT
    airbus_id: int


async def reachable(app: App, user: str, handle: str) -> None:
    """Give the console user a Telegram account with a handle: messages go there."""
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(
            select(PlatformAccount.member_id).where(PlatformAccount.user_id == user)
        )
        assert member_id is not None
        session.add(
            PlatformAccount(
                platform=Platform.TELEGRAM,
                user_id=f"tg-{user}",
                member_id=member_id,
                handle=handle,
            )
        )


async def member_id(app: App, user: str) -> int:
    async with app.db.sessions() as session:
        found = await session.scalar(
            select(PlatformAccount.member_id).where(PlatformAccount.user_id == user)
        )
    assert found is not None
    return found


async def outbox(app: App, prefix: str = "contact:") -> dict[str, Reply]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.key)
        )
        return {m.key: Reply.from_dict(m.reply) for m in rows}


async def requests(app: App) -> list[ContactRequest]:
    async with app.db.sessions() as session:
        return list(
            (await session.scalars(select(ContactRequest).order_by(ContactRequest.id))).all()
        )


async def submit(app: App, user: str, action: str, payload: str, **values: str) -> list[Reply]:
    """A form submitted whole, as a Slack or Discord modal hands it in."""
    return await app.dispatcher.handle(
        Incoming(
            platform=Platform.CONSOLE,
            user_id=user,
            action=action,
            payload=payload,
            form_values=values,
        )
    )


@pytest.fixture
async def cast(seeded: App) -> Cast:
    app = seeded
    async with app.db.sessions() as session:
        airbus = await session.scalar(select(Organisation.id).where(Organisation.slug == "airbus"))
    assert airbus is not None
    admin = await person(app, "hq", grants=((Role.GLOBAL_ADMIN, None, None),), country="FR")
    opened = await say(
        app, admin, "/chapter open PT languages:fr,en,pt timezone:Europe/Lisbon day:mon hour:9"
    )
    assert not opened[0].error, opened[0].text
    cast = Cast(
        member=await person(app, "ines", language="fr"),
        english=await person(app, "john", language="en"),
        representative=await person(
            app, "rep", country="FR", grants=((Role.REPRESENTATIVE, airbus, None),)
        ),
        other_representative=await person(
            app, "rep2", country="FR", grants=((Role.REPRESENTATIVE, airbus, None),)
        ),
        country_admin=await person(app, "attache-pt", grants=((Role.COUNTRY_ADMIN, None, "PT"),)),
        airbus_id=airbus,
    )
    for user in (cast.member, cast.representative, cast.other_representative):
        await reachable(app, user, f"{user}_tg")
    return cast
