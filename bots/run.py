"""`alumni run`: every platform whose token is configured, in one process.

Slack (and the Telegram webhook) are served by one aiohttp server on ALUMNI_HTTP_HOST /
ALUMNI_HTTP_PORT; Telegram long polling and the Discord gateway run as tasks beside it. With no
token at all the console runs instead (the embedded default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web

from core.bootstrap import App
from core.config import Settings

__all__ = ["configured_platforms", "run_platforms"]

log = logging.getLogger(__name__)


def configured_platforms(settings: Settings) -> list[str]:
    found = []
    if settings.telegram_token is not None:
        found.append("telegram")
    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        found.append("slack")
    if settings.discord_token is not None:
        found.append("discord")
    return found


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def run_platforms(app: App, settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (SIGINT/SIGTERM set it when none is given)."""
    stop = stop or _stop_on_signals()
    http_app = web.Application()
    http_app.router.add_get("/healthz", _healthz)
    tasks: list[asyncio.Task[None]] = []
    runners: list[Callable[[], Awaitable[None]]] = []

    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        from bots.slack import build_slack_app, mount_slack

        bolt = build_slack_app(
            app,
            bot_token=settings.slack_bot_token.get_secret_value(),
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            api_url=settings.slack_api_url,
        )
        mount_slack(http_app, bolt)
        log.info("slack: POST /slack/events")

    if settings.telegram_token is not None:
        from bots.telegram import run_telegram

        tasks.append(
            asyncio.create_task(
                run_telegram(
                    app,
                    token=settings.telegram_token.get_secret_value(),
                    api_url=settings.telegram_api_url,
                    webhook_url=settings.telegram_webhook_url,
                    webhook_secret=settings.telegram_webhook_secret.get_secret_value()
                    if settings.telegram_webhook_secret
                    else None,
                    http_app=http_app,
                    stop=stop,
                ),
                name="telegram",
            )
        )

    if settings.discord_token is not None:
        from bots.discord import run_discord

        tasks.append(
            asyncio.create_task(
                run_discord(
                    app,
                    token=settings.discord_token.get_secret_value(),
                    api_url=settings.discord_api_url,
                    gateway_url=settings.discord_gateway_url,
                    stop=stop,
                    shard_count=settings.discord_shard_count,
                ),
                name="discord",
            )
        )

    runner = web.AppRunner(http_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    log.info("http: listening on %s:%s", settings.http_host, settings.http_port)
    runners.append(runner.cleanup)
    try:
        waiting = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({waiting, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        for task in done:
            if task is not waiting and task.exception() is not None:
                log.error("%s stopped: %r", task.get_name(), task.exception())
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for cleanup in runners:
            await cleanup()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
