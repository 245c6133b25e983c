"""The delivery engine's Discord sender against the fake Discord REST API: what reaches the
channel, DM channels, nonces, and how each answer of Discord becomes an outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bots.discord import DiscordSender
from bots.discord.render import NO_MENTIONS
from bots.discord.sender import NONCE_LENGTH, nonce_for
from core.bootstrap import App
from core.chat import Button, Card, Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.delivery import Target, enqueue
from core.delivery.senders import Delivery, Outcome
from core.delivery.worker import Worker
from core.domain import Platform

from .fake_discord import BOT_TOKEN, CHANNEL_ID, GUILD_ID, FakeDiscord

USER = "1100000000000000777"
MESSAGES = "/channels/{channel_id}/messages"
OPEN_DM = "/users/@me/channels"


@pytest.fixture
async def sender(app: App, fake_discord: FakeDiscord) -> AsyncIterator[DiscordSender]:
    made = DiscordSender(app, token=BOT_TOKEN, api_url=fake_discord.api_url)
    try:
        yield made
    finally:
        await made.close()


def delivery(reply: Reply, target: Target | None = None, key: str = "k:1") -> Delivery:
    return Delivery(
        id=1,
        key=key,
        target=target or Target(Platform.DISCORD, CHANNEL_ID, GUILD_ID),
        reply=reply,
        attempt=1,
    )


async def test_a_delivered_message_reaches_the_channel_with_embeds_and_buttons(
    app: App, fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    reply = Reply(
        text="Reunion @everyone *Hanoi*",
        cards=(Card("Gala", buttons=(Button("RSVP", action="events.rsvp", payload="12"),)),),
    )
    result = await sender.send(delivery(reply))

    [call] = fake_discord.calls_to("POST", MESSAGES)
    body = call.body
    assert call.path.endswith(f"/channels/{CHANNEL_ID}/messages")
    assert body["content"] == "Reunion @\u200beveryone \\*Hanoi\\*"
    assert body["allowed_mentions"] == NO_MENTIONS
    assert "flags" not in body  # a channel message is never ephemeral
    assert body["embeds"][0]["title"] == "Gala"
    [button] = body["components"][0]["components"]
    assert button["label"] == "RSVP"
    assert await app.callbacks.resolve(button["custom_id"]) == ("events.rsvp", "12")
    assert body["nonce"] == nonce_for("k:1")
    assert len(body["nonce"]) <= NONCE_LENGTH
    assert body["enforce_nonce"] is True
    [message] = fake_discord.messages_in(CHANNEL_ID)
    assert result.outcome is Outcome.SENT
    assert result.platform_message_id == message["id"]


async def test_a_user_target_goes_to_their_dm_channel_opened_once(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    target = Target.user(Platform.DISCORD, USER, GUILD_ID)
    first = await sender.send(delivery(Reply(text="Hello"), target, key="a"))
    second = await sender.send(delivery(Reply(text="Again"), target, key="b"))

    [opened] = fake_discord.calls_to("POST", OPEN_DM)
    assert opened.body == {"recipient_id": int(USER)}
    dm = fake_discord.dm_channels[USER]
    assert [m["content"] for m in fake_discord.messages_in(dm)] == ["Hello", "Again"]
    assert (first.outcome, second.outcome) == (Outcome.SENT, Outcome.SENT)
    assert not sender.is_group(target)


async def test_the_same_outbox_message_sent_twice_is_posted_once_thanks_to_the_nonce(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    assert sender.deduplicates
    first = await sender.send(delivery(Reply(text="Hello")))
    again = await sender.send(delivery(Reply(text="Hello")))  # e.g. in doubt after a crash
    assert len(fake_discord.messages_in(CHANNEL_ID)) == 1
    assert first.platform_message_id == again.platform_message_id


async def test_a_short_429_is_waited_out_by_discord_py(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    fake_discord.fail("POST", MESSAGES, 429, retry_after=0.01)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.SENT
    assert [c.status for c in fake_discord.calls_to("POST", MESSAGES)] == [429, 200]


@pytest.mark.parametrize("is_global", [False, True])
async def test_a_long_429_is_rate_limited_with_its_retry_after(
    fake_discord: FakeDiscord, sender: DiscordSender, is_global: bool
) -> None:
    fake_discord.fail("POST", MESSAGES, 429, retry_after=61.5, is_global=is_global)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.retry_after == 61.5
    assert result.whole_platform is is_global
    assert fake_discord.messages_in(CHANNEL_ID) == []


async def test_a_cloudflare_429_pauses_the_whole_platform(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    fake_discord.fail("POST", MESSAGES, 429, retry_after=5, via=False)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.retry_after == 5
    assert result.whole_platform


async def test_a_server_error_is_transient(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    fake_discord.fail("POST", MESSAGES, 503)  # 500/502/504 discord.py retries itself, slowly
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.TRANSIENT
    assert "503" in result.detail


async def test_a_connection_error_is_transient(app: App) -> None:
    closed = DiscordSender(app, token=BOT_TOKEN, api_url="http://127.0.0.1:9/api/v10")
    try:
        result = await closed.send(delivery(Reply(text="Hello")))
    finally:
        await closed.close()
    assert result.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize(
    ("route", "status", "code"),
    [
        (MESSAGES, 403, 50007),  # the user closed their DMs
        (MESSAGES, 403, 50001),  # no access to the channel
        (MESSAGES, 404, 10003),  # unknown channel
        (OPEN_DM, 400, 50007),  # cannot open a DM with this user
    ],
)
async def test_a_user_who_cannot_be_messaged_or_a_missing_channel_is_unreachable(
    fake_discord: FakeDiscord, sender: DiscordSender, route: str, status: int, code: int
) -> None:
    fake_discord.fail("POST", route, status, code=code)
    result = await sender.send(delivery(Reply(text="Hello"), Target.user(Platform.DISCORD, USER)))
    assert result.outcome is Outcome.UNREACHABLE
    assert f"code {code}" in result.detail


async def test_another_client_error_fails_with_discords_reason(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    fake_discord.fail("POST", MESSAGES, 400, code=50035)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.FAILED
    assert "400" in result.detail and "50035" in result.detail


async def test_a_worker_delivers_two_queued_messages_end_to_end(
    app: App, clock: FakeClock, fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    async with app.db.sessions.begin() as session:
        for key, target, text in [
            ("news:1", Target.user(Platform.DISCORD, USER, GUILD_ID), "Welcome to the network"),
            ("news:2", Target(Platform.DISCORD, CHANNEL_ID, GUILD_ID), "Gala on Friday"),
        ]:
            await enqueue(
                session,
                key=key,
                kind="test",
                target=target,
                reply=Reply(text=text),
                now=clock.now(),
            )

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    worker = Worker(
        app.db,
        sender,
        worker_id="w1",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
    )
    for _ in range(5):
        if not await worker.run_once():
            break

    dm = fake_discord.dm_channels[USER]
    assert [m["content"] for m in fake_discord.messages_in(dm)] == ["Welcome to the network"]
    assert [m["content"] for m in fake_discord.messages_in(CHANNEL_ID)] == ["Gala on Friday"]
    async with app.db.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.key, OutboxMessage.state, OutboxMessage.platform_message_id)
            )
        ).all()
    ids = {m["id"] for m in fake_discord.channel_messages}
    assert sorted((r.key, r.state) for r in rows) == [("news:1", "sent"), ("news:2", "sent")]
    assert {r.platform_message_id for r in rows} == ids
    assert worker.stats.sent == 2


async def test_an_edit_replaces_the_posted_message_instead_of_posting_another(
    fake_discord: FakeDiscord, sender: DiscordSender
) -> None:
    posted = await sender.send(delivery(Reply(text="0 / 500 sent, 0 unreachable")))
    assert posted.platform_message_id is not None
    edit = Delivery(
        id=2,
        key="broadcast-progress:7:120",
        target=Target(Platform.DISCORD, CHANNEL_ID, GUILD_ID),
        reply=Reply(text="120 / 500 sent, 2 unreachable @everyone"),
        attempt=1,
        edit_of=posted.platform_message_id,
    )
    result = await sender.send(edit)

    [patch] = fake_discord.calls_to("PATCH", f"{MESSAGES}/{{message_id}}")
    assert "nonce" not in patch.body and "flags" not in patch.body
    [message] = fake_discord.messages_in(CHANNEL_ID)  # still one message, now edited
    assert message["content"] == "120 / 500 sent, 2 unreachable @\u200beveryone"
    assert message["edited_timestamp"] is not None
    assert result.outcome is Outcome.SENT
    assert result.platform_message_id == posted.platform_message_id
