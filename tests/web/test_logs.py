"""Structured logs: JSON lines off a terminal, a request id per HTTP request, no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bots.logs import configure_logging
from bots.redact import secrets_of
from bots.web import REQUEST_ID_HEADER
from core.config import Settings

TOKEN = "123456:AAH-telegram-token-for-tests"
SIGNING = "8f14e45fceea167a5a36dedd4bea2543"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def logged(settings: Settings) -> Iterator[io.StringIO]:
    """Everything the process logs, as ``alumni`` configures it, in a buffer."""
    stream = io.StringIO()
    configured = settings.model_copy(
        update={
            "telegram_token": SecretStr(TOKEN),
            "slack_signing_secret": SecretStr(SIGNING),
            "database_url": "postgresql+asyncpg://alumni:db-pa55word@127.0.0.1/alumni",
        }
    )
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(configured, stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_logs_are_json_lines_when_stderr_is_not_a_terminal(logged: io.StringIO) -> None:
    logging.getLogger("bots.test").warning("outbox depth %d", 12)
    [line] = _lines(logged)
    assert line["level"] == "warning"
    assert line["logger"] == "bots.test"
    assert line["message"] == "outbox depth 12"
    assert line["time"].endswith("+00:00")


def test_logs_are_plain_text_on_a_terminal(settings: Settings) -> None:
    terminal = _Terminal()
    handler = configure_logging(settings, terminal)
    try:
        logging.getLogger("bots.test").warning("hello")
    finally:
        logging.getLogger().removeHandler(handler)
    assert terminal.getvalue().rstrip().endswith("WARNING bots.test: hello")


def test_no_token_signing_secret_or_database_password_reaches_the_log(
    logged: io.StringIO,
) -> None:
    log = logging.getLogger("httpx")
    log.warning("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.warning("secret is %s", SIGNING)
    try:
        raise ValueError(f"cannot connect to postgresql://alumni:db-pa55word@db/alumni {TOKEN}")
    except ValueError:
        log.exception("start failed")
    text = logged.getvalue()
    assert TOKEN not in text and SIGNING not in text and "db-pa55word" not in text
    assert "/bot<telegram-token>/sendMessage" in text
    assert "<slack-signing-secret>" in text
    assert "<database-password>" in text


def test_every_secret_setting_is_known_to_the_redactor(settings: Settings) -> None:
    secret_fields = {
        name for name, info in Settings.model_fields.items() if "SecretStr" in str(info.annotation)
    }
    configured = settings.model_copy(
        update={name: SecretStr(f"secret-of-{name}") for name in secret_fields}
    )
    assert set(secrets_of(configured)) == {f"secret-of-{name}" for name in secret_fields}


async def test_each_request_gets_an_id_in_its_response_and_its_log_lines(
    client: TestClient, logged: io.StringIO
) -> None:
    given = await client.get("/healthz", headers={REQUEST_ID_HEADER: "lb-4f2a.17"})
    made = await client.get("/healthz")
    odd = await client.get("/healthz", headers={REQUEST_ID_HEADER: "no spaces {allowed}"})
    assert given.headers[REQUEST_ID_HEADER] == "lb-4f2a.17"
    generated = made.headers[REQUEST_ID_HEADER]
    assert len(generated) == 32
    assert odd.headers[REQUEST_ID_HEADER] not in ("no spaces {allowed}", generated)
    access = [line for line in _lines(logged) if line["logger"] == "bots.web.app"]
    assert [line["request_id"] for line in access] == [
        "lb-4f2a.17",
        generated,
        odd.headers[REQUEST_ID_HEADER],
    ]
    assert access[0]["message"].startswith("GET /healthz 200")


async def test_a_failing_request_keeps_its_id(client: TestClient) -> None:
    response = await client.get("/no/such/page", headers={REQUEST_ID_HEADER: "abc"})
    assert response.status == 404
    assert response.headers[REQUEST_ID_HEADER] == "abc"
