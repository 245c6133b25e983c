"""The bots reconnect by themselves: Telegram long polling goes on after getUpdates fails in
every way, and the Discord client resumes its gateway session in the middle of a broadcast
without losing an event or a message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bots.discord import DiscordBot
from core.bootstrap import App
from core.clock import FakeClock
from tests.discord.conftest import start_bot
from tests.discord.fake_discord import FakeDiscord, Interaction, wait_for
from tests.telegram.conftest import start_polling_bot
from tests.telegram.fake_bot_api import FakeBotApi

from .conftest import (
    LEDGER,
    Harness,
    Row,
    discord_harness,
    drain,
    fake_time_worker,
    outbox_states,
    queue_broadcast,
    tally,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"  # PTB's own RetryAfter.__init__ warns
)

PATIENCE = 15.0  # seconds: generous, the machine may be loaded; a pass takes far less
USER = 7201
STRANGER_ID = "1300000000000000002"


async def test_telegram_polling_goes_on_after_get_updates_drops_is_throttled_and_fails(
    app: App, fake_api: FakeBotApi
) -> None:
    running = await start_polling_bot(app, fake_api)
    try:
        polls = fake_api.received.count("getUpdates")
        # python-telegram-bot waits 1 s, 0.5 s (retry_after 0 + its slack), then 0.75 s
        fake_api.wire.drop("/getUpdates")
        fake_api.fail("getUpdates", 429, retry_after=0)
        fake_api.fail("getUpdates", 502)
        await fake_api.push_message("/help", user_id=USER)
        await wait_for(lambda: fake_api.sent_texts(USER), within=PATIENCE)
        await fake_api.push_message("/privacy", user_id=USER)
        await wait_for(lambda: len(fake_api.sent_texts(USER)) == 2, within=PATIENCE)
    finally:
        await running.shutdown()
    failed = [c.status for c in fake_api.calls_to("getUpdates", ok_only=False) if not c.ok]
    injected = fake_api.wire.injected["drop"] + len(failed)
    assert fake_api.wire.injected["drop"] == 1
    assert failed == [429, 502]
    assert fake_api.received.count("getUpdates") > polls + 3  # it kept polling
    replies = fake_api.sent_texts(USER)
    assert len(replies) == 2  # each update handled once, none lost
    LEDGER.append(Row("telegram", "getUpdates", injected, 2, 0, 0, reconnects=injected))


@pytest.fixture
async def discord_bot(app: App, fake_discord: FakeDiscord) -> AsyncIterator[DiscordBot]:
    bot = await start_bot(app, fake_discord, identify_delay=0)
    try:
        yield bot
    finally:
        await bot.close()


def _help() -> dict[str, Any]:
    return {"id": "1", "name": "help", "type": 1, "options": []}


async def _answered_once(fake: FakeDiscord, interaction: Interaction) -> None:
    await wait_for(lambda: interaction.responses, within=PATIENCE)
    callbacks = [c for c in fake.calls if f"/interactions/{interaction.id}/" in c.path]
    assert len(callbacks) == 1


async def test_discord_resumes_mid_broadcast_and_neither_events_nor_messages_are_lost(
    app: App, clock: FakeClock, fake_discord: FakeDiscord, discord_bot: DiscordBot
) -> None:
    harness: Harness = discord_harness(app, fake_discord, 10.0)
    worker = fake_time_worker(app, clock, harness.sender, batch_size=3)
    await queue_broadcast(app, clock, harness)
    try:
        assert await worker.run_once() == 3

        # Op 7: Discord moves the session; an interaction arrives while the bot reconnects.
        await fake_discord.request_reconnect()
        during = await fake_discord.interact(2, _help(), user_id=STRANGER_ID)
        await wait_for(lambda: len(fake_discord.resumes) == 1, within=PATIENCE)
        assert await worker.run_once() == 3
        await _answered_once(fake_discord, during)

        # The socket dies without a close frame: the bot resumes again.
        await fake_discord.drop_gateway()
        after_drop = await fake_discord.interact(2, _help(), user_id=STRANGER_ID)
        await wait_for(lambda: len(fake_discord.resumes) == 2, within=PATIENCE)
        assert await worker.run_once() == 3
        await _answered_once(fake_discord, after_drop)

        # Op 9, not resumable: the bot identifies anew (a new session, no replay).
        await fake_discord.invalidate_session(resumable=False)
        await wait_for(lambda: len(fake_discord.identifies) == 2, within=PATIENCE)
        await fake_discord.wait_identified(within=PATIENCE)
        await drain(app, clock, worker)
        last = await fake_discord.interact(2, _help(), user_id=STRANGER_ID)
        await _answered_once(fake_discord, last)
    finally:
        await harness.sender.close()  # type: ignore[attr-defined]

    assert [r["replayed"] for r in fake_discord.resumes] == [1, 1]  # the interaction each time
    assert discord_bot.client.is_ready()
    lost, duplicates = tally(harness.expected, harness.received())
    assert (lost, duplicates) == (0, 0)
    assert await outbox_states(app) == {"sent": len(harness.targets)}
    faults = sum(fake_discord.gateway_faults.values())
    assert faults == 3
    reconnects = len(fake_discord.resumes) + len(fake_discord.identifies) - 1
    LEDGER.append(
        Row("discord", "gateway", faults, len(harness.targets) + 3, lost, duplicates, reconnects)
    )
