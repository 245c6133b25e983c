"""Keep secrets (tokens, signing secrets, database passwords) out of the logs.

A ``SecretRedactor`` is a logging filter that rewrites any record whose message, arguments or
traceback contains one of the secrets it was given. ``alumni`` installs one on its log handler
with every secret of the settings (``secrets_of``); the Telegram adapter also puts one on the
loggers of httpx and python-telegram-bot, which print the token in request URLs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.engine import make_url

from core.config import Settings

__all__ = ["SecretRedactor", "redact", "secrets_of"]

MIN_LENGTH = 4  # shorter "secrets" would blank out ordinary words


def redact(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` with each secret replaced by its placeholder."""
    for secret, placeholder in secrets.items():
        if secret and secret in text:
            text = text.replace(secret, placeholder)
    return text


class SecretRedactor(logging.Filter):
    """Rewrites a record whose message or exception text contains a secret."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        super().__init__()
        # Longest first: a secret that contains another is replaced whole.
        self._secrets = {
            s: secrets[s] for s in sorted(secrets, key=len, reverse=True) if len(s) >= MIN_LENGTH
        }

    def _contains(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        trace = ""
        if record.exc_info and record.exc_info[1] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            trace = record.exc_text
        if trace and self._contains(trace):
            message = f"{message}\n{trace}"
            record.exc_info, record.exc_text = None, None
        if self._contains(message):
            record.msg, record.args = redact(message, self._secrets), ()
        return True


def secrets_of(settings: Settings) -> dict[str, str]:
    """Every secret the settings hold, with the placeholder that replaces it in logs."""
    found: dict[str, str] = {}
    for name, value in settings:
        if hasattr(value, "get_secret_value") and value.get_secret_value():
            found[value.get_secret_value()] = f"<{name.replace('_', '-')}>"
    password = make_url(settings.database_url).password
    if password:
        found[str(password)] = "<database-password>"
    return found
