"""python-telegram-bot's ``Bot`` over ``AiohttpRequest``: bodies, uploads, timeouts, errors."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bots.telegram.transport import AiohttpRequest

from .fake_bot_api import BOT_TOKEN, FakeBotApi

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"  # PTB's own RetryAfter.__init__ warns
)


@pytest.fixture
async def bot(fake_api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(BOT_TOKEN, base_url=fake_api.api_url, request=AiohttpRequest(read_timeout=0.3))
    async with bot:
        yield bot


async def test_a_keyboard_goes_out_in_a_json_body_as_objects_and_comes_back_parsed(
    unused_tcp_port: int,
) -> None:
    seen: list[tuple[str, dict[str, object]]] = []

    async def send_message(request: web.Request) -> web.Response:
        seen.append((request.content_type, json.loads(await request.read())))
        message = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}}
        return web.json_response({"ok": True, "result": message | {"text": "é"}})

    http = web.Application()
    http.router.add_post("/bot{token}/sendMessage", send_message)
    runner = web.AppRunner(http)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    request = AiohttpRequest()
    try:
        bot = Bot(BOT_TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}/bot", request=request)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Page 2", callback_data="s:x")]])
        sent = await bot.send_message(42, "Zoë <b>", reply_markup=keyboard)
    finally:
        await request.shutdown()
        await runner.cleanup()
    content_type, body = seen[0]
    assert content_type == "application/json"
    assert body["text"] == "Zoë <b>" and body["chat_id"] == 42
    assert body["reply_markup"] == {
        "inline_keyboard": [[{"text": "Page 2", "callback_data": "s:x"}]]
    }
    assert sent.message_id == 7 and sent.text == "é"


async def test_a_document_is_uploaded_as_multipart(bot: Bot, fake_api: FakeBotApi) -> None:
    await bot.send_document(42, b"name,city\nZoe,Lyon\n", filename="members.csv", caption="CSV")
    call = fake_api.calls_to("sendDocument")[0]
    assert call.params["document"] == {
        "filename": "members.csv",
        "content": b"name,city\nZoe,Lyon\n",
    }
    assert call.params["caption"] == "CSV" and call.params["chat_id"] == 42


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(
    bot: Bot, fake_api: FakeBotApi
) -> None:
    fake_api.wire.slow("/sendMessage", 2.0)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "hello")


async def test_a_dropped_connection_is_a_network_error(bot: Bot, fake_api: FakeBotApi) -> None:
    fake_api.wire.drop("/sendMessage")
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(42, "hello")
    assert not isinstance(raised.value, TimedOut)
    assert BOT_TOKEN not in str(raised.value)


async def test_a_refused_connection_is_a_network_error_that_does_not_quote_the_token(
    unused_tcp_port: int,
) -> None:
    with socket.socket() as probe:  # nothing listens on this port
        assert probe.connect_ex(("127.0.0.1", unused_tcp_port)) != 0
    request = AiohttpRequest(connect_timeout=1.0)
    try:
        bot = Bot(BOT_TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}/bot", request=request)
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(42, "hello")
    finally:
        await request.shutdown()
    assert BOT_TOKEN.split(":")[1] not in str(raised.value)


async def test_error_statuses_stay_python_telegram_bot_errors(
    bot: Bot, fake_api: FakeBotApi
) -> None:
    fake_api.fail("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(42, "hello")
    fake_api.fail("sendMessage", 403)
    with pytest.raises(Forbidden):
        await bot.send_message(42, "hello")


async def test_a_request_object_serves_again_after_a_shutdown_and_initialize(
    fake_api: FakeBotApi,
) -> None:
    request = AiohttpRequest()
    bot = Bot(BOT_TOKEN, base_url=fake_api.api_url, request=request)
    await bot.initialize()
    await bot.shutdown()
    with pytest.raises(NetworkError, match="shut down"):
        await request.post(f"{fake_api.api_url}{BOT_TOKEN}/getMe")
    await request.initialize()
    try:
        assert (await bot.get_me()).username
    finally:
        await request.shutdown()
