"""The real discord.py client against the fake Discord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import discord.gateway
import discord.http
import pytest
from sqlalchemy import select

from bots.discord import DiscordBot, configure_endpoints
from core.bootstrap import App
from core.db.models import Member, PlatformAccount
from core.domain import Platform

from .fake_discord import BOT_TOKEN, GUILD_ID, FakeDiscord, wait_for


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Iterator[None]:
    """discord.py keeps its REST base and gateway in class attributes: put them back."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def start_bot(app: App, fake: FakeDiscord, **options: object) -> DiscordBot:
    configure_endpoints(fake.api_url, fake.gateway_url)
    bot = DiscordBot(app, guild_ready_timeout=0.05, **options)  # type: ignore[arg-type]
    await bot.start(BOT_TOKEN)
    await fake.wait_identified()
    await wait_for(bot.client.is_ready)
    return bot


@pytest.fixture
async def bot(app: App, fake_discord: FakeDiscord) -> AsyncIterator[DiscordBot]:
    started = await start_bot(app, fake_discord)
    try:
        yield started
    finally:
        await started.close()


async def link_discord_account(app: App, email: str, user_id: str, guild_id: str = GUILD_ID) -> int:
    """The Discord user ``user_id`` of the guild is the member with ``email`` (as after /link)."""
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == email))
        assert member_id is not None, email
        session.add(
            PlatformAccount(
                platform=Platform.DISCORD, workspace=guild_id, user_id=user_id, member_id=member_id
            )
        )
    return member_id
