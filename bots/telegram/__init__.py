"""The Telegram adapter: python-telegram-bot around the core dispatcher.

``run_telegram(app, token=..., api_url=..., stop=...)`` runs the bot (long polling, or a
webhook on the project's aiohttp server); the pieces are pure functions (``render_reply``,
``split_html``, ``menu_commands``) around one ``TelegramBridge``.
"""

from __future__ import annotations

from .bridge import TelegramBridge
from .menu import menu_commands, publish_menu
from .render import (
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    RenderedReply,
    TelegramMessage,
    keyboard,
    render_reply,
    split_html,
)
from .runner import ALLOWED_UPDATES, TelegramStartError, build_application, run_telegram
from .sender import TelegramSender
from .webhook import SECRET_HEADER, WEBHOOK_PATH, mount_webhook

__all__ = [
    "ALLOWED_UPDATES",
    "MAX_CALLBACK_DATA",
    "MAX_TEXT",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "RenderedReply",
    "TelegramBridge",
    "TelegramMessage",
    "TelegramSender",
    "TelegramStartError",
    "build_application",
    "keyboard",
    "menu_commands",
    "mount_webhook",
    "publish_menu",
    "render_reply",
    "run_telegram",
    "split_html",
]
