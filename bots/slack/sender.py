"""The delivery engine's Slack sender: outbox messages out through ``chat.postMessage``.

An ``AsyncWebClient`` without retry handlers (not even slack-sdk's default one for connection
errors): the ``core.delivery.worker.Worker`` paces, retries and backs off. Slack's answers
become an ``Outcome``:

* ``ok``: ``SENT`` with the message's ``ts``;
* 429: ``RATE_LIMITED`` with the ``Retry-After`` header;
* 5xx, ``internal_error``/``fatal_error``/``service_unavailable``/``request_timeout``,
  timeouts and connection errors: ``TRANSIENT``;
* the channel or user gone or closed to the bot (``channel_not_found``, ``is_archived``,
  ``not_in_channel``, ``user_not_found``, ``account_inactive``, ``cannot_dm_bot``...):
  ``UNREACHABLE``;
* a refused token (``invalid_auth``, ``token_revoked``...): ``TRANSIENT`` (every message
  fails alike; the backoff leaves the operator time to fix it);
* any other error: ``FAILED`` with Slack's error code.

A ``user:<id>`` target posts to the user id, which opens the bot's DM with that person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.bootstrap import App
from core.config import Settings
from core.delivery.limits import PlatformLimits
from core.delivery.outbox import Target
from core.delivery.senders import SLACK, Delivery, Outcome, SendResult
from core.domain import Platform

from .app import UMBRELLA
from .render import render_message, slack_command_names

__all__ = ["DEFAULT_API_URL", "SlackSender", "from_settings"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
UNREACHABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "user_disabled",
        "team_access_not_granted",
        "restricted_action",
    }
)
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})


class SlackSender:
    """``core.delivery.senders.Sender`` for one Slack workspace's bot token."""

    platform: Platform = Platform.SLACK
    limits: PlatformLimits = SLACK
    deduplicates: bool = False  # chat.postMessage has no idempotency key

    def __init__(
        self, app: App, *, token: str, api_url: str = DEFAULT_API_URL, timeout: float = 10.0
    ) -> None:
        self.app = app
        self.client = AsyncWebClient(
            token=token,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            timeout=timeout,
            retry_handlers=[],  # the Worker retries
        )

    def is_group(self, target: Target) -> bool:
        return not target.is_user and not target.chat_id.startswith("D")

    async def send(self, delivery: Delivery) -> SendResult:
        target = delivery.target
        channel = target.user_id or target.chat_id  # a user id opens the DM
        reply = slack_command_names(delivery.reply, self.app.registry.names(), UMBRELLA.lstrip("/"))
        message = render_message(reply, await self.app.callbacks.issue(reply.all_buttons()))
        try:
            if delivery.edit_of is not None:
                if target.is_user:  # chat.update takes the DM's id, not the user's
                    opened = await self.client.conversations_open(users=channel)
                    channel = str(opened["channel"]["id"])
                await self.client.chat_update(
                    channel=channel, ts=delivery.edit_of, text=message.text, blocks=message.blocks
                )
                return SendResult(Outcome.SENT, platform_message_id=delivery.edit_of)
            response = await self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            return _result(exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return SendResult(Outcome.TRANSIENT, detail=f"{type(exc).__name__}: {exc}")
        ts = response.get("ts")
        return SendResult(Outcome.SENT, platform_message_id=str(ts) if ts else None)

    async def close(self) -> None:
        """Nothing held open: slack-sdk opens a session per request."""


def from_settings(app: App, settings: Settings) -> SlackSender:
    """The sender ``alumni run`` starts a Worker for when ALUMNI_SLACK_BOT_TOKEN is set."""
    if settings.slack_bot_token is None:
        raise ValueError("ALUMNI_SLACK_BOT_TOKEN is not set")
    return SlackSender(
        app,
        token=settings.slack_bot_token.get_secret_value(),
        api_url=settings.slack_api_url,
    )


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def _result(exc: SlackApiError) -> SendResult:
    response = exc.response
    status = int(getattr(response, "status_code", None) or getattr(response, "status", 0) or 0)
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    detail = f"HTTP {status}: {error or 'no error code'}"
    if status == 429 or error == "ratelimited":
        retry = _header(getattr(response, "headers", None), "Retry-After")
        try:
            seconds = float(retry) if retry is not None else 1.0
        except ValueError:
            seconds = 1.0
        return SendResult(Outcome.RATE_LIMITED, detail=detail, retry_after=seconds)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return SendResult(Outcome.TRANSIENT, detail=detail)
    if error in UNREACHABLE_ERRORS:
        return SendResult(Outcome.UNREACHABLE, detail=detail)
    if error in AUTH_ERRORS:
        log.error("slack sender: the Web API refuses the token (%s)", error)
        return SendResult(Outcome.TRANSIENT, detail=detail)
    return SendResult(Outcome.FAILED, detail=detail)
