"""``POST /telegram/webhook`` on the project's aiohttp server.

Telegram sends the secret given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``; a
request without it, or with another one, gets 403 and is not looked at. A good one is parsed
by python-telegram-bot (``Update.de_json``) and queued to the running ``Application``.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

__all__ = ["SECRET_HEADER", "WEBHOOK_PATH", "check_secret", "mount_webhook"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def check_secret(secret: str | None) -> str:
    """The webhook secret, if Telegram accepts it (1-256 of ``A-Z a-z 0-9 _ -``)."""
    if not secret or not _SECRET.match(secret):
        raise ValueError(
            "a Telegram webhook needs ALUMNI_TELEGRAM_WEBHOOK_SECRET: 1-256 characters of "
            "A-Z, a-z, 0-9, _ and -"
        )
    return secret


def mount_webhook(
    http_app: web.Application, application: Application[Any, Any, Any, Any, Any, Any], secret: str
) -> None:
    """Add the route; call it before the aiohttp server starts (its router freezes then)."""
    expected = check_secret(secret).encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning(
                "telegram webhook: refused a request %s the secret from %s",
                "with a wrong" if given else "without",
                request.remote,
            )
            return web.Response(status=403)
        if not application.running:
            return web.Response(status=503)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response()

    if http_app.frozen:
        raise RuntimeError("mount the Telegram webhook before the HTTP server starts")
    http_app.router.add_post(WEBHOOK_PATH, receive)
