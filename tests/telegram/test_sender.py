"""The delivery engine's Telegram sender against the fake Bot API: what reaches the chat, and
how each answer of the Bot API becomes an outcome for the Worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bots.telegram import TelegramSender
from core.bootstrap import App
from core.chat import Attachment, Button, Card, Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.delivery import Target, enqueue
from core.delivery.senders import Delivery, Outcome
from core.delivery.worker import Worker
from core.domain import Platform

from .fake_bot_api import BOT_TOKEN, FakeBotApi

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"  # PTB's own RetryAfter.__init__ warns
)

USER = 7001
GROUP = -1001234567890


@pytest.fixture
async def sender(app: App, fake_api: FakeBotApi) -> AsyncIterator[TelegramSender]:
    made = TelegramSender(app, token=BOT_TOKEN, api_url=fake_api.api_url)
    try:
        yield made
    finally:
        await made.close()


def delivery(reply: Reply, chat: str = str(GROUP), key: str = "k:1") -> Delivery:
    target = Target.user(Platform.TELEGRAM, chat[5:]) if chat.startswith("user:") else None
    return Delivery(
        id=1,
        key=key,
        target=target or Target(Platform.TELEGRAM, chat),
        reply=reply,
        attempt=1,
    )


async def test_a_delivered_message_reaches_the_chat_as_escaped_html_with_its_buttons(
    app: App, fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    reply = Reply(
        text="Reunion <Hanoi> & more",
        cards=(Card("Gala", buttons=(Button("RSVP", action="events.rsvp", payload="12"),)),),
    )
    result = await sender.send(delivery(reply))

    [call] = fake_api.calls_to("sendMessage")
    assert call.params["chat_id"] == GROUP
    assert call.params["parse_mode"] == "HTML"
    assert "Reunion &lt;Hanoi&gt; &amp; more" in call.params["text"]
    assert "<b>Gala</b>" in call.params["text"]
    [[button]] = call.params["reply_markup"]["inline_keyboard"]
    assert button["text"] == "RSVP"
    assert await app.callbacks.resolve(button["callback_data"]) == ("events.rsvp", "12")
    sent = fake_api.last_message(GROUP)
    assert result.outcome is Outcome.SENT
    assert result.platform_message_id == str(sent["message_id"])


async def test_a_user_target_goes_to_their_private_chat(
    fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    result = await sender.send(delivery(Reply(text="Hello"), chat=f"user:{USER}"))
    assert result.outcome is Outcome.SENT
    assert fake_api.sent_texts(USER) == ["Hello"]
    assert not sender.is_group(Target.user(Platform.TELEGRAM, str(USER)))
    assert sender.is_group(Target(Platform.TELEGRAM, str(GROUP)))


async def test_a_long_reply_goes_out_in_order_and_reports_its_first_message(
    fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    lines = [f"line {i:04d} " + "x" * 60 for i in range(200)]  # about 14,000 characters
    result = await sender.send(delivery(Reply(text="\n".join(lines))))

    texts = fake_api.sent_texts(GROUP)
    assert len(texts) >= 3
    assert "\n".join(texts).split("\n") == lines
    first = min(m["message_id"] for (chat, _), m in fake_api.messages.items() if chat == GROUP)
    assert result.outcome is Outcome.SENT
    assert result.platform_message_id == str(first)


async def test_a_reply_cut_short_resumes_after_the_parts_already_sent(
    fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    reply = Reply(text="Minutes attached", attachments=(Attachment("minutes.txt", b"ok"),))
    fake_api.fail("sendDocument", 429, retry_after=3)

    first = await sender.send(delivery(reply))
    assert first.outcome is Outcome.RATE_LIMITED
    again = await sender.send(delivery(reply))

    assert again.outcome is Outcome.SENT
    assert fake_api.sent_texts(GROUP) == ["Minutes attached"]  # not twice
    assert len(fake_api.calls_to("sendDocument")) == 1
    text_message = min(fake_api.messages.values(), key=lambda m: m["message_id"])
    assert "text" in text_message
    assert again.platform_message_id == str(text_message["message_id"])


async def test_a_429_is_rate_limited_for_retry_after_seconds(
    fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    fake_api.fail("sendMessage", 429, retry_after=17)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.retry_after == 17.0
    assert not result.whole_platform
    assert fake_api.sent_texts() == []


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_is_transient(
    fake_api: FakeBotApi, sender: TelegramSender, status: int
) -> None:
    fake_api.fail("sendMessage", status)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.TRANSIENT
    assert fake_api.sent_texts() == []


async def test_a_connection_error_is_transient(app: App) -> None:
    closed = TelegramSender(app, token=BOT_TOKEN, api_url="http://127.0.0.1:9/bot", timeout=2)
    try:
        result = await closed.send(delivery(Reply(text="Hello")))
    finally:
        await closed.close()
    assert result.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: user is deactivated"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_a_user_who_blocked_the_bot_or_a_missing_chat_is_unreachable(
    fake_api: FakeBotApi, sender: TelegramSender, status: int, description: str
) -> None:
    fake_api.fail("sendMessage", status, description=description)
    result = await sender.send(delivery(Reply(text="Hello"), chat=f"user:{USER}"))
    assert result.outcome is Outcome.UNREACHABLE
    assert description.split(": ", 1)[1] in result.detail.lower()


async def test_another_bad_request_fails_with_telegrams_reason(
    fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    fake_api.fail("sendMessage", 400, description="Bad Request: can't parse entities")
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.FAILED
    assert "parse entities" in result.detail


async def test_the_token_appears_in_no_log_and_no_result(
    fake_api: FakeBotApi, sender: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.fail("sendMessage", 502)
    failed = await sender.send(delivery(Reply(text="Hello")))
    sent = await sender.send(delivery(Reply(text="Hello")))
    secret = BOT_TOKEN.split(":", 1)[1]
    assert (failed.outcome, sent.outcome) == (Outcome.TRANSIENT, Outcome.SENT)
    assert "sendMessage" in caplog.text  # httpx did log the requests...
    assert secret not in caplog.text  # ...without the token
    assert secret not in failed.detail


async def test_a_worker_delivers_two_queued_messages_end_to_end(
    app: App, clock: FakeClock, fake_api: FakeBotApi, sender: TelegramSender
) -> None:
    async with app.db.sessions.begin() as session:
        for key, target, text in [
            ("news:1", Target.user(Platform.TELEGRAM, str(USER)), "Welcome to the network"),
            ("news:2", Target(Platform.TELEGRAM, str(GROUP)), "Gala on Friday"),
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

    assert fake_api.sent_texts(USER) == ["Welcome to the network"]
    assert fake_api.sent_texts(GROUP) == ["Gala on Friday"]
    async with app.db.sessions() as session:
        rows = (
            await session.execute(
                select(
                    OutboxMessage.key, OutboxMessage.state, OutboxMessage.platform_message_id
                ).order_by(OutboxMessage.key)
            )
        ).all()
    ids = {
        str(fake_api.last_message(USER)["message_id"]),
        str(fake_api.last_message(GROUP)["message_id"]),
    }
    assert [(r.key, r.state) for r in rows] == [("news:1", "sent"), ("news:2", "sent")]
    assert {r.platform_message_id for r in rows} == ids
    assert worker.stats.sent == 2
