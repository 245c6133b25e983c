"""Webhook mode: ``POST /telegram/webhook`` on an aiohttp server, checked by its secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bots.telegram import SECRET_HEADER, WEBHOOK_PATH, run_telegram
from core.bootstrap import App

from .conftest import RunningBot
from .fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for

SECRET = "webhook-Secret_42"
PUBLIC_URL = "https://alumni.example.org/telegram/webhook"  # only told to the fake
USER = 6001


@dataclass
class WebhookServer:
    url: str
    session: aiohttp.ClientSession
    bot: RunningBot

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with self.session.post(self.url, data=json.dumps(update), headers=headers) as r:
            return r.status


@pytest.fixture
async def webhook(app: App, fake_api: FakeBotApi) -> AsyncIterator[WebhookServer]:
    http_app = web.Application()
    stop = asyncio.Event()
    # run_telegram adds the route at once, before the server below freezes the router
    task = asyncio.create_task(
        run_telegram(
            app,
            token=BOT_TOKEN,
            api_url=fake_api.api_url,
            webhook_url=PUBLIC_URL,
            webhook_secret=SECRET,
            http_app=http_app,
            stop=stop,
        )
    )
    runner = web.AppRunner(http_app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    bot = RunningBot(task, stop)
    try:
        await wait_for(lambda: fake_api.calls_to("setWebhook") or task.done())
        async with aiohttp.ClientSession() as session:
            yield WebhookServer(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", session, bot)
    finally:
        await bot.shutdown()
        await runner.cleanup()


async def test_set_webhook_is_called_with_the_secret_and_polling_never_starts(
    webhook: WebhookServer, fake_api: FakeBotApi
) -> None:
    [call] = fake_api.calls_to("setWebhook")
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    assert "getUpdates" not in fake_api.received
    assert "deleteWebhook" not in fake_api.received


async def test_an_update_with_the_right_secret_is_answered(
    webhook: WebhookServer, fake_api: FakeBotApi
) -> None:
    assert await webhook.post(fake_api.message_update("/help", user_id=USER)) == 200
    await wait_for(lambda: fake_api.sent_texts(USER))
    [text] = fake_api.sent_texts(USER)
    assert text.startswith("Commands you can use:")


async def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_processed(
    webhook: WebhookServer, fake_api: FakeBotApi
) -> None:
    forged = fake_api.message_update("/help", user_id=USER)
    assert await webhook.post(forged, secret="webhook-Secret_43") == 403
    assert await webhook.post(forged, secret=None) == 403
    assert await webhook.post(forged, secret="") == 403
    # updates are handled in order: once this one is answered, the others would have been
    assert await webhook.post(fake_api.message_update("/privacy", user_id=USER)) == 200
    await wait_for(lambda: fake_api.sent_texts(USER))
    assert len(fake_api.calls_to("sendMessage")) == 1
    assert not fake_api.sent_texts(USER)[0].startswith("Commands you can use:")


async def test_a_body_that_is_not_an_update_gets_400(
    webhook: WebhookServer, fake_api: FakeBotApi
) -> None:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    for body in ("not json", "[1, 2]", '{"no": "update_id"}'):
        async with webhook.session.post(webhook.url, data=body, headers=headers) as response:
            assert response.status == 400, body


async def test_webhook_mode_without_a_valid_secret_does_not_start(
    app: App, fake_api: FakeBotApi
) -> None:
    for secret in (None, "", "has spaces", "x" * 257):
        with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
            _ = run_telegram(
                app,
                token=BOT_TOKEN,
                api_url=fake_api.api_url,
                webhook_url=PUBLIC_URL,
                webhook_secret=secret,
                http_app=web.Application(),
                stop=asyncio.Event(),
            )
    assert fake_api.received == []
