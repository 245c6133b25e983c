"""People with an account on every platform, a group and its three mapped channels."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from core.bootstrap import App
from core.chat import ChatKind, Incoming, Reply
from core.db.models import Member, OutboxMessage, PlatformAccount, RoleGrant
from core.directory.countries import ensure_countries
from core.domain import Platform, Role, fold

# (platform, workspace, chat id) of the group's channel on each platform
CHANNELS = {
    Platform.TELEGRAM: ("", "-100200300"),
    Platform.SLACK: ("T0ALUMNI", "C0TECH"),
    Platform.DISCORD: ("881", "99001"),
}


def user_id(platform: Platform, person: str) -> str:
    return {
        Platform.CONSOLE: person,
        Platform.TELEGRAM: f"tg-{person}",
        Platform.SLACK: f"U{person.upper()}",
        Platform.DISCORD: f"d-{person}",
    }[platform]


@dataclass(frozen=True)
class People:
    owner: str  # Zoë, creates the groups
    member: str
    other: str
    stranger: str  # no account at all
    admin: str  # a global admin


async def _person(app: App, key: str, name: str, role: Role | None = None) -> str:
    async with app.db.sessions.begin() as session:
        await ensure_countries(session, ["BR"])
        member = Member(
            full_name=name,
            name_key=fold(name),
            country_code="BR",
            preferred_language="en",
            search_document="",
        )
        session.add(member)
        await session.flush()
        for platform in Platform:
            workspace = CHANNELS.get(platform, ("", ""))[0]
            session.add(
                PlatformAccount(
                    platform=platform,
                    workspace=workspace,
                    user_id=user_id(platform, key),
                    member_id=member.id,
                )
            )
        if role is not None:
            session.add(RoleGrant(member_id=member.id, role=role))
    return key


@pytest.fixture
async def people(app: App) -> People:
    return People(
        owner=await _person(app, "zoe", "Zoë Nguyễn"),
        member=await _person(app, "ana", "Ana Souza"),
        other=await _person(app, "li", "Li Wei"),
        stranger="nobody",
        admin=await _person(app, "hq", "Headquarters", Role.GLOBAL_ADMIN),
    )


async def say(app: App, person: str, text: str) -> list[Reply]:
    """A command in the person's private console chat."""
    return await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id=user_id(Platform.CONSOLE, person), text=text)
    )


async def press(
    app: App, person: str, action: str, payload: str, values: dict[str, str] | None = None
) -> list[Reply]:
    return await app.dispatcher.handle(
        Incoming(
            platform=Platform.CONSOLE,
            user_id=user_id(Platform.CONSOLE, person),
            action=action,
            payload=payload,
            form_values=values,
        )
    )


def in_channel(platform: Platform, person: str, text: str = "", **kw: object) -> Incoming:
    """What the person sends in the group's channel on ``platform``."""
    workspace, chat_id = CHANNELS[platform]
    return Incoming(
        platform=platform,
        user_id=user_id(platform, person),
        workspace=workspace,
        chat_id=chat_id,
        chat_kind=ChatKind.GROUP,
        text=text,
        **kw,  # type: ignore[arg-type]
    )


async def create_group(
    app: App,
    person: str,
    name: str,
    description: str,
    *,
    kind: str = "sector",
    country: str = "",
    visibility: str = "open",
) -> Reply:
    [reply] = await press(
        app,
        person,
        "groups.create",
        "en,fr",
        {
            "name_en": name,
            "description_en": description,
            "kind": kind,
            "country": country,
            "visibility": visibility,
        },
    )
    return reply


async def map_everywhere(app: App, person: str, group: str) -> None:
    for platform in CHANNELS:
        link = f"https://{platform.value}.example/invite"
        [reply] = await app.dispatcher.handle(
            in_channel(platform, person, f"/groups map {group} link:{link}")
        )
        assert not reply.error, reply.text


async def queued(app: App, kind: str = "relay") -> int:
    """How many outbox messages of ``kind`` (relay, relay_edit, relay_delete) are queued."""
    async with app.db.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
        )
    return int(found or 0)


async def settled(app: App, kind: str, expected: int) -> None:
    """Wait until ``expected`` messages of ``kind`` are queued (a real adapter handles its
    updates in the background), then check no more were."""
    for _ in range(500):
        if await queued(app, kind) >= expected:
            break
        await asyncio.sleep(0.01)
    assert await queued(app, kind) == expected
