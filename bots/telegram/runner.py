"""``run_telegram``: what ``alumni run`` calls when a Telegram token is configured."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder

from core.bootstrap import App

from .bridge import TelegramBridge, describe
from .menu import publish_menu
from .redact import Redaction, redacted
from .transport import AiohttpRequest
from .webhook import WEBHOOK_PATH, check_secret, mount_webhook

__all__ = [
    "ALLOWED_UPDATES",
    "TelegramStartError",
    "build_application",
    "default_concurrency",
    "file_url",
    "run_telegram",
]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
TelegramApplication = Application[Any, Any, Any, Any, Any, Any]


class TelegramStartError(RuntimeError):
    """The bot could not start (wrong token, Bot API unreachable); never carries the token."""


def file_url(api_url: str) -> str:
    """``https://api.telegram.org/bot`` -> ``https://api.telegram.org/file/bot``."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def default_concurrency(app: App) -> int:
    """Chats handled at once: several on PostgreSQL; one on SQLite, whose single writer
    makes concurrent updates fail with "database is locked" under load."""
    return 1 if app.db.is_sqlite else 32


def build_application(
    app: App,
    *,
    token: str,
    api_url: str,
    webhook: bool = False,
    max_retry_wait: float = 30.0,
    concurrency: int | None = None,
) -> TelegramApplication:
    """The python-telegram-bot Application with our handlers (no network yet)."""
    return _build(
        app,
        token=token,
        api_url=api_url,
        webhook=webhook,
        max_retry_wait=max_retry_wait,
        concurrency=concurrency,
    )[0]


def _build(
    app: App,
    *,
    token: str,
    api_url: str,
    webhook: bool,
    max_retry_wait: float,
    concurrency: int | None,
) -> tuple[TelegramApplication, TelegramBridge]:
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url(api_url))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
    )
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    if concurrency is None:
        concurrency = default_concurrency(app)
    bridge = TelegramBridge(app, max_retry_wait=max_retry_wait, concurrency=concurrency)
    application.add_handlers(bridge.handlers())
    application.add_error_handler(bridge.on_error)
    return application, bridge


def run_telegram(
    app: App,
    *,
    token: str,
    api_url: str,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    http_app: web.Application | None = None,
    stop: asyncio.Event,
    poll_timeout: float = 10.0,
    max_retry_wait: float = 30.0,
    concurrency: int | None = None,
    on_ready: Callable[[], None] | None = None,
) -> Coroutine[Any, Any, None]:
    """The Telegram bot, to await (or wrap in a task) until ``stop`` is set.

    Long polling by default; with ``webhook_url``, ``POST /telegram/webhook`` is added to
    ``http_app`` right away (this function is not ``async`` so that the route exists before
    the caller starts its HTTP server) and ``setWebhook`` is called once the bot is up.
    Raises ``TelegramStartError`` when the bot cannot start; the token is never logged.
    ``on_ready`` is called once updates are being received. ``concurrency``: updates of
    different chats handled at once (each chat's in the order they came); by default
    ``default_concurrency(app)``.
    """
    webhook = webhook_url is not None
    if webhook:
        if http_app is None:
            raise ValueError("webhook mode needs the aiohttp application to serve the route")
        webhook_secret = check_secret(webhook_secret)
    redaction = Redaction(token)  # PTB logs its URLs, token included, from the start
    try:
        application, bridge = _build(
            app,
            token=token,
            api_url=api_url,
            webhook=webhook,
            max_retry_wait=max_retry_wait,
            concurrency=concurrency,
        )
        if webhook:
            assert http_app is not None
            assert webhook_secret is not None
            mount_webhook(http_app, application, webhook_secret)
    except BaseException:
        redaction.remove()
        raise
    return _run(
        application,
        bridge,
        app,
        redaction,
        token=token,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stop=stop,
        poll_timeout=poll_timeout,
        on_ready=on_ready,
    )


async def _run(
    application: TelegramApplication,
    bridge: TelegramBridge,
    app: App,
    redaction: Redaction,
    *,
    token: str,
    webhook_url: str | None,
    webhook_secret: str | None,
    stop: asyncio.Event,
    poll_timeout: float,
    on_ready: Callable[[], None] | None,
) -> None:
    try:
        await _initialize(application, token)
        try:
            await publish_menu(application.bot, app.registry)
            await application.start()
            if webhook_url is not None:
                await application.bot.set_webhook(
                    url=webhook_url,
                    secret_token=webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
                log.info("telegram: @%s on webhook POST %s", application.bot.username, WEBHOOK_PATH)
            else:
                assert application.updater is not None
                await application.updater.start_polling(
                    timeout=dt.timedelta(seconds=poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                    error_callback=_polling_failed,
                )
                log.info("telegram: @%s polling", application.bot.username)
            if on_ready is not None:
                on_ready()
            await stop.wait()
        except TelegramError as exc:
            raise TelegramStartError(redacted(f"telegram: {describe(exc)}", token)) from None
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()  # handles what was fetched: hands it to the lanes
            await bridge.lanes.drain()  # before shutdown closes the Bot API connections
            await application.shutdown()
    finally:
        redaction.remove()


async def _initialize(application: TelegramApplication, token: str) -> None:
    """``getMe``; PTB's own InvalidToken message quotes the token, ours does not."""
    try:
        await application.initialize()
    except InvalidToken:
        await application.bot.shutdown()
        raise TelegramStartError("telegram: the Bot API refused the token") from None
    except TelegramError as exc:
        await application.bot.shutdown()
        raise TelegramStartError(
            redacted(f"telegram: cannot start: {describe(exc)}", token)
        ) from None


def _polling_failed(error: TelegramError) -> None:
    log.warning("telegram: getUpdates failed, retrying: %s", describe(error))
