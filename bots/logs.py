"""Process logging: JSON lines when stderr is not a terminal, request ids, no secrets.

``configure_logging`` installs one handler on the root logger. Each record gets the current
request id (``REQUEST_ID``, set by the HTTP middleware for the request being served) and goes
through a ``SecretRedactor`` holding every secret of the settings, so neither a token nor a
signing secret reaches the output, whatever library logged it.

Logs carry ids, never what people wrote or what the directory holds about them. Our own code
logs ids only; the libraries do not: at DEBUG python-telegram-bot logs every Bot API call with
its parameters and answer (message texts, updates with names), slack-sdk its request and
response bodies, discord.py its REST bodies and gateway events, aiosqlite each statement with
its parameters, and SQLAlchemy statements with parameters from INFO. ``LibraryPayloadFilter``
drops those records whatever ALUMNI_LOG_LEVEL says; their warnings and errors still go out.
ALUMNI_LOG_LEVEL=debug thus shows our own debug lines and the libraries' protocol lines
(httpx request lines, discord.py's connection steps) but no payload.

The message of an exception raised while serving someone often quotes what they typed
(``invalid literal for int(): 'Marie Curie'``): ``OwnTracebackFilter`` writes the tracebacks
our loggers (``core``, ``bots``) emit with frames and exception types, messages withheld
(``core.tracebacks``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from typing import IO, Any

from core.config import Settings
from core.tracebacks import traceback_without_messages

from .redact import SecretRedactor, secrets_of

__all__ = [
    "PAYLOAD_LOGGERS",
    "REQUEST_ID",
    "JsonFormatter",
    "LibraryPayloadFilter",
    "OwnTracebackFilter",
    "RequestIdFilter",
    "configure_logging",
]

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_HANDLER_NAME = "alumni"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# Library loggers (and their children) whose records below the level carry payloads.
PAYLOAD_LOGGERS: dict[str, int] = {
    "telegram": logging.INFO,  # Bot API parameters and answers, updates (DEBUG)
    "slack_sdk": logging.INFO,  # Web API and response_url bodies (DEBUG)
    "slack_bolt": logging.INFO,  # incoming requests and responses (DEBUG)
    "discord": logging.INFO,  # REST bodies and gateway events (DEBUG)
    "aiosqlite": logging.INFO,  # each statement with its parameters (DEBUG)
    "asyncpg": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,  # statements and parameters (INFO), rows (DEBUG)
    "sqlalchemy.pool": logging.WARNING,
    "aiohttp.access": logging.WARNING,  # request lines with their query strings (INFO)
}


class LibraryPayloadFilter(logging.Filter):
    """Drops the records of ``PAYLOAD_LOGGERS`` below their level."""

    def __init__(self, levels: dict[str, int] | None = None) -> None:
        super().__init__()
        self._levels = dict(PAYLOAD_LOGGERS if levels is None else levels)
        self._cache: dict[str, int] = {}

    def _level(self, name: str) -> int:
        level = self._cache.get(name)
        if level is None:
            level, prefix = logging.NOTSET, name
            while prefix:
                if prefix in self._levels:
                    level = self._levels[prefix]
                    break
                prefix = prefix.rpartition(".")[0]
            self._cache[name] = level
        return level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self._level(record.name)


class OwnTracebackFilter(logging.Filter):
    """The tracebacks of records from ``core`` and ``bots`` loggers, messages withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and record.name.split(".", 1)[0] in ("core", "bots"):
            record.exc_text = traceback_without_messages(error)
            record.exc_info = None
        return True


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{text} request_id={request_id}" if request_id else text


def configure_logging(
    settings: Settings, stream: IO[str] | None = None, *, json_lines: bool | None = None
) -> logging.Handler:
    """Log to ``stream`` (stderr): JSON lines unless it is a terminal (or ``json_lines``
    says otherwise). Replaces the handler an earlier call installed; returns the new one."""
    stream = stream or sys.stderr
    if json_lines is None:
        json_lines = not (hasattr(stream, "isatty") and stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else _TextFormatter(TEXT_FORMAT))
    handler.addFilter(LibraryPayloadFilter())
    handler.addFilter(OwnTracebackFilter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(SecretRedactor(secrets_of(settings)))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    if settings.log_level.lower() != "debug":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler
