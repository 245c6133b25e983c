"""The discord.py client: login, command sync, gateway; events handed to the handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from core.chat import Reply

from .commands import application_commands
from .interactions import ChannelMessage, DirectMessage, InteractionEvent, InteractionHandler
from .render import render_message
from .transport import HttpTransport

if TYPE_CHECKING:
    from core.bootstrap import App

__all__ = ["DiscordBot", "event_from"]

log = logging.getLogger(__name__)


def event_from(interaction: discord.Interaction[Any]) -> InteractionEvent:
    user = interaction.user
    channel_id = interaction.channel_id or (interaction.channel.id if interaction.channel else "")
    return InteractionEvent(
        id=str(interaction.id),
        token=interaction.token,
        application_id=str(interaction.application_id),
        kind=interaction.type.value,
        data=cast(dict[str, Any], interaction.data or {}),
        user_id=str(user.id),
        channel_id=str(channel_id or ""),
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        username=user.name,
        display_name=user.display_name,
        locale=interaction.locale.value,
    )


class _Events:
    """The gateway events the bot answers; mixed into the plain and the sharded client."""

    bot: DiscordBot
    _identify_delay: float

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """A new session after the first (an invalidated one, another shard) waits
        ``identify_delay``: Discord allows one IDENTIFY per 5 s (max_concurrency 1)."""
        if not initial:
            await asyncio.sleep(self._identify_delay)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.bot.handler.handle(event_from(interaction))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return  # bots, the copies this bot posts included: nothing loops
        if message.guild is None:
            await self.bot.handler.handle_message(
                DirectMessage(
                    channel_id=str(message.channel.id),
                    user_id=str(message.author.id),
                    text=message.content,
                    username=message.author.name,
                    display_name=message.author.display_name,
                )
            )
            return
        if message.type not in CONVERSATION_TYPES:
            return  # joins, pins, boosts: not conversation
        reference = message.reference
        await self.bot.handler.handle_channel_message(
            ChannelMessage(
                guild_id=str(message.guild.id),
                channel_id=str(message.channel.id),
                message_id=str(message.id),
                user_id=str(message.author.id),
                text=_readable(message),
                username=message.author.name,
                display_name=message.author.display_name,
                reply_to=str(reference.message_id)
                if reference is not None and reference.message_id is not None
                else None,
            )
        )

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if payload.guild_id is None or "content" not in payload.data or message.author.bot:
            return  # an embed resolved, or not a person's message in a guild
        await self.bot.handler.handle_channel_edit(
            ChannelMessage(
                guild_id=str(payload.guild_id),
                channel_id=str(payload.channel_id),
                message_id=str(payload.message_id),
                user_id=str(message.author.id),
                text=_readable(message),
                username=message.author.name,
                display_name=message.author.display_name,
            ),
            edit_id=str(payload.data.get("edited_timestamp") or "") or None,
        )

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is None:
            return
        await self.bot.handler.handle_channel_delete(
            guild_id=str(payload.guild_id),
            channel_id=str(payload.channel_id),
            message_id=str(payload.message_id),
        )


# What people write: plain messages and replies (not joins, pins, boosts, thread notices).
CONVERSATION_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def _readable(message: discord.Message) -> str:
    """The message as its readers saw it: mentions as @names (``clean_content``), then the
    addresses of its attachments, which other platforms show as links."""
    parts = [message.clean_content, *(a.url for a in message.attachments)]
    return "\n".join(p for p in parts if p)


class _Client(_Events, discord.Client):
    def __init__(self, bot: DiscordBot, *, identify_delay: float, **options: Any) -> None:
        self.bot = bot
        self._identify_delay = identify_delay
        super().__init__(**options)


class _ShardedClient(_Events, discord.AutoShardedClient):
    def __init__(self, bot: DiscordBot, *, identify_delay: float, **options: Any) -> None:
        self.bot = bot
        self._identify_delay = identify_delay
        super().__init__(**options)


class DiscordBot:
    """The France Alumni bot on Discord.

    ``shard_count`` None runs one connection (``discord.Client``); a number runs that many
    shards in this process (``AutoShardedClient``, optionally only ``shard_ids``); 0 asks
    Discord for the recommended count (``GET /gateway/bot``).
    """

    def __init__(
        self,
        app: App,
        *,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
        guild_ready_timeout: float = 2.0,
        defer_after: float = 2.0,
        identify_delay: float = 5.0,
        read_messages: bool = True,
    ) -> None:
        """``read_messages`` asks for the privileged Message Content intent, which the relay of
        channel messages needs (the bot owner enables it in the Developer Portal)."""
        self.app = app
        intents = discord.Intents.default()  # no members or presences intent
        intents.message_content = read_messages
        options: dict[str, Any] = {
            "intents": intents,
            "guild_ready_timeout": guild_ready_timeout,
            "chunk_guilds_at_startup": False,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        self.client: discord.Client
        if shard_count is None:
            self.client = _Client(self, identify_delay=identify_delay, **options)
        else:
            self.client = _ShardedClient(
                self,
                identify_delay=identify_delay,
                shard_count=shard_count or None,
                shard_ids=list(shard_ids) if shard_ids is not None else None,
                **options,
            )
        self.transport = HttpTransport(self.client.http)
        self.handler = InteractionHandler(app, self.transport, defer_after=defer_after)
        self._connection: asyncio.Task[None] | None = None

    async def start(self, token: str) -> None:
        """Log in, sync the application commands, then keep the gateway connection running."""
        await self.client.login(token)
        await self.sync_commands()
        self._connection = asyncio.create_task(self.client.connect(), name="discord-gateway")

    async def sync_commands(self) -> list[dict[str, Any]]:
        """Bulk-overwrite the global commands with the registry's (``PUT .../commands``)."""
        application_id = self.client.application_id
        if application_id is None:
            raise RuntimeError("log in before syncing commands")
        commands = application_commands(self.app.registry)
        await self.client.http.bulk_upsert_global_commands(application_id, commands)
        log.info("discord commands synced count=%d", len(commands))
        return commands

    async def wait_until_ready(self) -> None:
        await self.client.wait_until_ready()

    @property
    def connection(self) -> asyncio.Task[None] | None:
        """The gateway task: done when the connection ends for good (or failed)."""
        return self._connection

    async def send(self, channel_id: str, reply: Reply) -> str:
        """Post a reply in a channel (relays, announcements); returns the message id."""
        tokens = await self.app.callbacks.issue(reply.all_buttons())
        data = await self.transport.send(channel_id, render_message(reply, tokens, ephemeral=False))
        return str(data.get("id", ""))

    async def close(self) -> None:
        await self.client.close()
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection, timeout=5)
            except (asyncio.CancelledError, TimeoutError):
                pass
            except Exception:
                log.exception("discord gateway ended with an error")
