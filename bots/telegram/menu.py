"""The command menu: one ``setMyCommands`` per catalog language, plus the English default."""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from core.chat import CommandRegistry
from core.i18n import DEFAULT_LOCALE, catalogs, gettext, use_locale

__all__ = ["menu_commands", "publish_menu"]

log = logging.getLogger(__name__)

MAX_COMMANDS = 100
MAX_DESCRIPTION = 256
_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")  # Telegram takes a two-letter ISO 639-1 code


def _commands(registry: CommandRegistry) -> list[BotCommand]:
    found: list[BotCommand] = []
    for command in registry:
        if not command.available or not _NAME.match(command.name):
            continue
        description = gettext(command.help).strip()[:MAX_DESCRIPTION] or command.name
        found.append(BotCommand(command.name, description))
    return found[:MAX_COMMANDS]


def menu_commands(registry: CommandRegistry) -> dict[str | None, list[BotCommand]]:
    """``{language_code: commands}``; the key None is the default menu (English).

    A language-only catalog (``pt``) wins over a regional one (``pt_BR``) for the same code.
    """
    with use_locale(DEFAULT_LOCALE):
        menus: dict[str | None, list[BotCommand]] = {None: _commands(registry)}
    for locale in sorted(catalogs.available(), key=lambda name: ("_" in name, name)):
        code = locale.split("_", 1)[0].lower()
        if code in menus or not _LANGUAGE_CODE.match(code):
            continue
        with use_locale(locale):
            menus[code] = _commands(registry)
    return menus


async def publish_menu(bot: Bot, registry: CommandRegistry) -> None:
    """Register every menu; a failure is logged and the bot runs on without it."""
    for code, commands in menu_commands(registry).items():
        try:
            await bot.set_my_commands(commands, language_code=code)
        except TelegramError as exc:
            log.warning(
                "telegram: setMyCommands failed for %s: %s",
                code or "default",
                type(exc).__name__,
            )
