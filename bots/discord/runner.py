"""``run_discord``: what ``alumni run`` calls when a Discord token is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import discord.gateway
import discord.http
import yarl

from .client import DiscordBot

if TYPE_CHECKING:
    from core.bootstrap import App

__all__ = ["configure_endpoints", "run_discord"]

log = logging.getLogger(__name__)


def configure_endpoints(api_url: str, gateway_url: str | None) -> None:
    """Point discord.py at a REST base and (optionally) a gateway, e.g. a proxy or a fake.

    Both are process-wide settings of discord.py, read when a request or connection is made.
    """
    discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def run_discord(
    app: App,
    *,
    token: str,
    api_url: str,
    gateway_url: str | None,
    stop: asyncio.Event,
    shard_count: int | None = None,
    shard_ids: Sequence[int] | None = None,
    guild_ready_timeout: float = 2.0,
    defer_after: float = 2.0,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Run the Discord bot until ``stop`` is set (or the connection fails for good).

    Raises ``discord.LoginFailure`` for a wrong token; the token itself is never logged.
    ``on_ready`` is called once the gateway said READY (and the guilds arrived).
    """
    configure_endpoints(api_url, gateway_url)
    read_messages = True
    while True:
        bot = DiscordBot(
            app,
            shard_count=shard_count,
            shard_ids=shard_ids,
            guild_ready_timeout=guild_ready_timeout,
            defer_after=defer_after,
            read_messages=read_messages,
        )
        try:
            await _serve(bot, token, api_url, stop, on_ready)
            return
        except discord.PrivilegedIntentsRequired:
            if not read_messages:
                raise
            log.warning(
                "discord refused the Message Content intent: channel messages are not relayed "
                "from Discord until it is enabled for the bot in the Developer Portal"
            )
            read_messages = False
        finally:
            await bot.close()


async def _serve(
    bot: DiscordBot,
    token: str,
    api_url: str,
    stop: asyncio.Event,
    on_ready: Callable[[], None] | None,
) -> None:
    await bot.start(token)
    log.info("discord bot started api=%s", api_url)
    connection = bot.connection
    assert connection is not None
    stopping = asyncio.create_task(stop.wait())
    ready = asyncio.create_task(_when_ready(bot, on_ready))
    done, _ = await asyncio.wait({stopping, connection}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    ready.cancel()
    if connection in done:
        connection.result()  # re-raise what ended the connection


async def _when_ready(bot: DiscordBot, on_ready: Callable[[], None] | None) -> None:
    await bot.wait_until_ready()
    if on_ready is not None:
        on_ready()
