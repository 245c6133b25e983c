"""Process logging: JSON lines when stderr is not a terminal, request ids, no secrets.

``configure_logging`` installs one handler on the root logger. Each record gets the current
request id (``REQUEST_ID``, set by the HTTP middleware for the request being served) and goes
through a ``SecretRedactor`` holding every secret of the settings, so neither a token nor a
signing secret reaches the output, whatever library logged it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from typing import IO, Any

from core.config import Settings

from .redact import SecretRedactor, secrets_of

__all__ = ["REQUEST_ID", "JsonFormatter", "RequestIdFilter", "configure_logging"]

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_HANDLER_NAME = "alumni"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
