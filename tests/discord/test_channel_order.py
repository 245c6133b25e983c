"""Messages of one Discord channel reach the core in the order they were posted.

discord.py runs each gateway event in its own task, so without care a quick reply can
overtake the message it answers (and lose its reply link), or an edit the message it edits.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from bots.discord.interactions import ChannelMessage, InteractionHandler
from core.chat import Incoming, Reply


class SlowFirstDispatcher:
    """Takes longer over the first message than over the others; records the order in
    which messages finish reaching the core."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    async def handle(self, incoming: Incoming) -> list[Reply]:
        if not self.reached and incoming.text == "Who comes on Friday?":
            await asyncio.sleep(0.05)
        self.reached.append(incoming.text)
        return []


def _handler(dispatcher: Any) -> InteractionHandler:
    return InteractionHandler(SimpleNamespace(dispatcher=dispatcher), transport=None)  # type: ignore[arg-type]


def _message(message_id: str, text: str, channel_id: str = "500") -> ChannelMessage:
    return ChannelMessage("1", channel_id, message_id, user_id="7", text=text)


async def test_a_quick_reply_reaches_the_core_after_the_message_it_answers() -> None:
    dispatcher = SlowFirstDispatcher()
    handler = _handler(dispatcher)
    first = asyncio.create_task(
        handler.handle_channel_message(_message("1", "Who comes on Friday?"))
    )
    reply = asyncio.create_task(handler.handle_channel_message(_message("2", "Me!")))
    await asyncio.gather(first, reply)
    assert dispatcher.reached == ["Who comes on Friday?", "Me!"]


async def test_messages_of_other_channels_do_not_wait_for_a_slow_one() -> None:
    dispatcher = SlowFirstDispatcher()
    handler = _handler(dispatcher)
    slow = asyncio.create_task(
        handler.handle_channel_message(_message("1", "Who comes on Friday?"))
    )
    other = asyncio.create_task(handler.handle_channel_message(_message("2", "Hi", "501")))
    await asyncio.gather(slow, other)
    assert dispatcher.reached == ["Hi", "Who comes on Friday?"]
    assert not handler._channel_order._locks  # nothing kept once the channels are quiet
