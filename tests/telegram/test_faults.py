"""The Bot API misbehaving: flood control, server errors, a wrong token. The token never
reaches the logs."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

import pytest

from bots.telegram import TelegramStartError, run_telegram
from bots.telegram.redact import REDACTED, TokenRedactor
from core.bootstrap import App

from .conftest import RunningBot, start_polling_bot
from .fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"  # PTB's own RetryAfter.__init__ warns
)

USER = 7001
SECRET_PART = BOT_TOKEN.split(":", 1)[1]


async def test_a_429_on_a_reply_is_waited_out_and_retried_once(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    fake_api.fail("sendMessage", 429, retry_after=1)  # the bot caps the wait at 0.05 s in tests
    await fake_api.push_message("/help", user_id=USER)
    await wait_for(lambda: fake_api.sent_texts(USER))
    attempts = fake_api.calls_to("sendMessage", ok_only=False)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0].params == attempts[1].params


async def test_a_second_429_gives_up_on_that_reply_and_the_bot_goes_on(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    fake_api.fail("sendMessage", 429, times=2, retry_after=1)
    await fake_api.push_message("/help", user_id=USER)
    await fake_api.push_message("/privacy", user_id=USER)
    await wait_for(lambda: fake_api.sent_texts(USER))
    statuses = [c.status for c in fake_api.calls_to("sendMessage", ok_only=False)]
    assert statuses == [429, 429, 200]


async def test_server_errors_are_logged_without_the_token(
    app: App, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    running = await start_polling_bot(app, fake_api)
    try:
        fake_api.fail("sendMessage", 500)
        fake_api.fail("answerCallbackQuery", 502)
        await fake_api.push_message("/help", user_id=USER)
        await fake_api.push_callback("t:forgedforgedforgedforg", user_id=USER)
        await fake_api.push_message("/privacy", user_id=USER)
        await wait_for(lambda: fake_api.sent_texts(USER))
    finally:
        await running.shutdown()
    assert "a reply was not delivered: NetworkError: Internal Server Error" in caplog.text
    assert "answerCallbackQuery failed: NetworkError: Bad Gateway" in caplog.text
    assert "/bot<telegram-token>" in caplog.text  # python-telegram-bot's URL line, redacted
    assert SECRET_PART not in caplog.text


async def test_a_wrong_token_stops_with_an_error_that_does_not_quote_it(
    app: App, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "7000000001:WrongTokenWrongTokenWrongToken"
    with pytest.raises(TelegramStartError) as raised:
        await run_telegram(app, token=wrong, api_url=fake_api.api_url, stop=asyncio.Event())
    assert "refused the token" in str(raised.value)
    assert raised.value.__suppress_context__  # PTB's InvalidToken quotes the token
    assert "WrongToken" not in str(raised.value) and "WrongToken" not in caplog.text
    assert [c.status for c in fake_api.calls] == [401]


async def test_an_unreachable_bot_api_stops_with_an_error_that_does_not_quote_the_token(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TelegramStartError) as raised:
        await run_telegram(
            app, token=BOT_TOKEN, api_url=f"http://127.0.0.1:{port}/bot", stop=asyncio.Event()
        )
    assert "NetworkError" in str(raised.value)
    assert SECRET_PART not in str(raised.value) and SECRET_PART not in caplog.text


def test_the_redactor_rewrites_messages_arguments_and_tracebacks() -> None:
    redactor = TokenRedactor(BOT_TOKEN)
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s", (f"/bot{BOT_TOKEN}/x",), None
    )
    assert redactor.filter(record)
    assert record.getMessage() == f"HTTP Request: POST /bot{REDACTED}/x"
    try:
        raise RuntimeError(f"The token `{BOT_TOKEN}` was rejected")
    except RuntimeError:
        failed = logging.LogRecord(
            "telegram.ext.Application", logging.ERROR, __file__, 1, "failed: %d", (1,), None
        )
        failed.exc_info = sys.exc_info()
    assert redactor.filter(failed)
    text = logging.Formatter().format(failed)
    assert text.startswith("failed: 1\nTraceback")
    assert SECRET_PART not in text and f"The token `{REDACTED}`" in text
