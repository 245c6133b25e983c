"""``alumni run``'s ``run_platforms`` with a Telegram token: polling, and the webhook on the
project's HTTP server."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
from pydantic import SecretStr

from bots.run import run_platforms
from bots.telegram import SECRET_HEADER, WEBHOOK_PATH
from bots.web import Metrics
from core.bootstrap import App
from core.config import Settings

from .fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for

USER = 8001


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_run_platforms_polls_telegram_until_stopped(
    app: App, settings: Settings, fake_api: FakeBotApi
) -> None:
    configured = settings.model_copy(
        update={
            "telegram_token": SecretStr(BOT_TOKEN),
            "telegram_api_url": fake_api.api_url,
            "http_port": 0,  # any free port: nothing here talks to it
        }
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_platforms(app, configured, stop))
    try:
        await fake_api.push_message("/help", user_id=USER)
        await wait_for(lambda: fake_api.sent_texts(USER) or task.done())
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert fake_api.sent_texts(USER)[0].startswith("Commands you can use:")


async def test_run_platforms_serves_the_telegram_webhook(
    app: App, settings: Settings, fake_api: FakeBotApi
) -> None:
    port = _free_port()
    configured = settings.model_copy(
        update={
            "telegram_token": SecretStr(BOT_TOKEN),
            "telegram_api_url": fake_api.api_url,
            "telegram_webhook_url": "https://alumni.example.org/telegram/webhook",
            "telegram_webhook_secret": SecretStr("s3cret"),
            "http_port": port,
        }
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_platforms(app, configured, stop))
    try:
        await wait_for(lambda: fake_api.calls_to("setWebhook") or task.done())
        update = fake_api.message_update("/help", user_id=USER)
        headers = {SECRET_HEADER: "s3cret", "Content-Type": "application/json"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}{WEBHOOK_PATH}", data=json.dumps(update), headers=headers
            ) as response,
        ):
            assert response.status == 200
        await wait_for(lambda: fake_api.sent_texts(USER) or task.done())
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert fake_api.sent_texts(USER)[0].startswith("Commands you can use:")
    assert "getUpdates" not in fake_api.received


async def test_a_web_process_is_ready_once_telegram_runs_and_counts_its_commands(
    app: App, settings: Settings, fake_api: FakeBotApi
) -> None:
    port = _free_port()
    configured = settings.model_copy(
        update={
            "telegram_token": SecretStr(BOT_TOKEN),
            "telegram_api_url": fake_api.api_url,
            "telegram_webhook_url": "https://alumni.example.org/telegram/webhook",
            "telegram_webhook_secret": SecretStr("s3cret"),
            "http_port": port,
        }
    )
    metrics = Metrics()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_platforms(app, configured, stop, roles=("web",), metrics=metrics)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for(lambda: fake_api.calls_to("setWebhook") or task.done())
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/readyz") as response:
                ready = await response.json()
            update = fake_api.message_update("/help", user_id=USER)
            headers = {SECRET_HEADER: "s3cret", "Content-Type": "application/json"}
            async with session.post(
                f"{base}{WEBHOOK_PATH}", data=json.dumps(update), headers=headers
            ) as response:
                assert response.status == 200
            await wait_for(lambda: fake_api.sent_texts(USER) or task.done())
            async with session.get(f"{base}/metrics") as response:
                exposition = await response.text()
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert ready == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "telegram": "ok"},
    }
    assert (
        'alumni_commands_total{command="help",outcome="ok",platform="telegram"} 1.0' in exposition
    )
