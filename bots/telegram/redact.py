"""Keep the bot token out of the logs.

python-telegram-bot puts the token in every request URL (``/bot<TOKEN>/sendMessage``) and
logs that base URL, HTTP clients may log or quote those URLs, and ``Bot.__repr__`` and
``InvalidToken`` carry it too. While the bot
runs, a filter on those loggers replaces the token in every record they emit.
"""

from __future__ import annotations

import logging

from ..redact import SecretRedactor, redact

__all__ = ["REDACTED", "Redaction", "TokenRedactor", "redacted"]

REDACTED = "<telegram-token>"
_FAMILIES = ("aiohttp", "httpx", "httpcore", "telegram", "bots.telegram")


def redacted(text: str, token: str) -> str:
    return redact(text, {token: REDACTED})


class TokenRedactor(SecretRedactor):
    """Rewrites a record whose message or exception text contains the token."""

    def __init__(self, token: str) -> None:
        super().__init__({token: REDACTED})


def _loggers() -> list[logging.Logger]:
    """The named loggers of the HTTP clients, python-telegram-bot and this adapter.

    A logger's filters only see records logged on that very logger, so each one gets it.
    """
    names = set(_FAMILIES)
    names.update(
        name
        for name in logging.root.manager.loggerDict
        if any(name == family or name.startswith(family + ".") for family in _FAMILIES)
    )
    return [logging.getLogger(name) for name in sorted(names)]


class Redaction:
    """The redactor installed on the loggers; ``remove`` takes it off again."""

    def __init__(self, token: str) -> None:
        self._redactor = TokenRedactor(token)
        self._loggers = _loggers()
        for logger in self._loggers:
            logger.addFilter(self._redactor)

    def remove(self) -> None:
        for logger in self._loggers:
            logger.removeFilter(self._redactor)
