"""Messages in a Discord guild channel through discord.py's real gateway path: a mapped
channel's messages, replies, edits and deletions reach the group's other channels; bots
(the copies included) and service messages do not; without the privileged Message Content
intent the bot still runs, and relays nothing it cannot read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bots.discord import DiscordBot, run_discord
from core.bootstrap import App
from core.chat import ChatKind, Incoming, Reply
from core.db.models import GroupRelay, Member, OutboxMessage, PlatformAccount
from core.domain import Platform
from tests.groups.conftest import (  # noqa: F401 - people is a fixture
    People,
    create_group,
    in_channel,
    people,
    queued,
    say,
    settled,
)

from .conftest import start_bot
from .fake_discord import BOT_TOKEN, CHANNEL_ID, GUILD_ID, MESSAGE_CONTENT, FakeDiscord, wait_for

ANA = "1200000000000000001"
ZOE = "1200000000000000002"
DM_CHANNEL = "1400000000000000009"


async def _account(app: App, name: str, user_id: str) -> None:
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.full_name == name))
        session.add(
            PlatformAccount(
                platform=Platform.DISCORD, workspace=GUILD_ID, user_id=user_id, member_id=member_id
            )
        )


@pytest.fixture
async def bridged(app: App, people: People) -> App:  # noqa: F811
    await _account(app, "Zoë Nguyễn", ZOE)
    await _account(app, "Ana Souza", ANA)
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    here = Incoming(
        platform=Platform.DISCORD,
        workspace=GUILD_ID,
        user_id=ZOE,
        chat_id=CHANNEL_ID,
        chat_kind=ChatKind.GROUP,
        text="/groups map tech-brasil link:https://discord.example/invite",
    )
    for incoming in (
        here,
        in_channel(Platform.TELEGRAM, people.owner, here.text),
        in_channel(Platform.SLACK, people.owner, here.text),
    ):
        [reply] = await app.dispatcher.handle(incoming)
        assert not reply.error, reply.text
    return app


@pytest.fixture
async def running(bridged: App, fake_discord: FakeDiscord) -> AsyncIterator[DiscordBot]:
    bot = await start_bot(bridged, fake_discord)
    try:
        yield bot
    finally:
        await bot.close()


async def _rows(app: App, kind: str = "relay") -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def test_a_channel_message_and_its_attachment_reach_telegram_and_slack(
    bridged: App, running: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await fake_discord.guild_message(
        "Slides from tonight", user_id=ANA, attachments=("https://cdn.example/talk.pdf",)
    )
    await settled(bridged, "relay", 2)
    rows = await _rows(bridged)
    assert sorted(r.platform for r in rows) == ["slack", "telegram"]
    for row in rows:
        assert Reply.from_dict(row.reply).text == (
            "Ana Souza (Discord): Slides from tonight\nhttps://cdn.example/talk.pdf"
        )


async def test_bots_the_bots_own_copies_and_service_messages_are_not_relayed(
    bridged: App, running: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await fake_discord.guild_message("Li (Slack): hi", user_id="1100000000000000002", bot=True)
    await fake_discord.guild_message("", user_id=ANA, kind=7)  # "Ana joined the server"
    await fake_discord.guild_message("a marker, relayed", user_id=ANA)
    await settled(bridged, "relay", 2)  # only the marker: events arrive in order
    assert {Reply.from_dict(r.reply).text for r in await _rows(bridged)} == {
        "Ana Souza (Discord): a marker, relayed"
    }


async def test_replies_edits_and_deletions_follow_across_platforms(
    bridged: App, running: DiscordBot, fake_discord: FakeDiscord
) -> None:
    first = await fake_discord.guild_message("Who comes on Friday?", user_id=ZOE)
    await fake_discord.guild_message("Me!", user_id=ANA, reply_to=first)
    await settled(bridged, "relay", 4)
    async with bridged.db.sessions() as session:
        relays = {r.source_message_id: r for r in await session.scalars(select(GroupRelay))}
    answer = next(r for r in relays.values() if r.text == "Me!")
    assert answer.reply_to_id == relays[first].id
    async with bridged.db.sessions.begin() as session:  # the senders delivered the copies
        for n, copy in enumerate(await _rows(bridged)):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == copy.id)
                .values(state="sent", platform_message_id=f"sent-{n}")
            )
    await fake_discord.guild_message_update(first, "Who comes on Saturday?", user_id=ZOE)
    await settled(bridged, "relay_edit", 2)
    edits = await _rows(bridged, "relay_edit")
    assert {Reply.from_dict(e.reply).text for e in edits} == {
        "Zoë Nguyễn (Discord): Who comes on Saturday?"
    }
    await fake_discord.guild_message_delete(first)
    await settled(bridged, "relay_delete", 2)


async def test_without_the_message_content_intent_the_bot_runs_and_relays_nothing_unread(
    bridged: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake = FakeDiscord(message_content_allowed=False)
    await fake.start()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_discord(
            bridged,
            token=BOT_TOKEN,
            api_url=fake.api_url,
            gateway_url=fake.gateway_url,
            stop=stop,
            guild_ready_timeout=0.05,
        )
    )
    try:
        await fake.wait_identified()
        asked = [bool(i["intents"] & MESSAGE_CONTENT) for i in fake.identifies]
        assert asked == [True, False]  # refused with 4014, then connected without it
        assert "Message Content intent" in caplog.text
        await fake.guild_message("unreadable without the intent", user_id=ANA)
        # A direct message after it: once the bot has answered it, the guild message (sent
        # first, on the same connection) has been handled too.
        await fake.message("/help", user_id=ANA, channel_id=DM_CHANNEL)
        await wait_for(lambda: fake.messages_in(DM_CHANNEL))
        assert await queued(bridged) == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        await fake.close()
