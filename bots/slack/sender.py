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

Relayed group messages (``core.groups.relay``): a copy answering another goes in that
copy's thread (``thread_ts``); an edit is a ``chat.update`` of the copy, a deletion a
``chat.delete``; an edit of a copy not delivered yet is tried again later. Channel access
(``core.groups.access``): a ban or a removal is a ``conversations.kick`` (someone already
out is fine), an admission a ``conversations.invite`` (someone already in is fine); both
need the ``channels:manage`` and ``groups:write`` scopes, without which the message fails,
logged and counted.
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
from core.groups.access import ChannelAction, ChannelMembership
from core.groups.relay import DELETE_KIND, EDIT_KIND, DeliveryContext, delivery_context_of

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
# Answers that mean a kick or an invitation has nothing left to do.
ALREADY_DONE = frozenset({"not_in_channel", "already_in_channel"})


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
        try:
            membership = ChannelMembership.of(delivery)
            if membership is not None:
                return await self._membership(channel, membership)
            relay = await delivery_context_of(self.app, delivery.kind, delivery.key)
            if relay is not None and relay.kind in (EDIT_KIND, DELETE_KIND):
                return await self._follow(channel, delivery, relay)
            reply = slack_command_names(
                delivery.reply, self.app.registry.names(), UMBRELLA.lstrip("/")
            )
            message = render_message(reply, await self.app.callbacks.issue(reply.all_buttons()))
            if delivery.edit_of is not None:
                if target.is_user:  # chat.update takes the DM's id, not the user's
                    opened = await self.client.conversations_open(users=channel)
                    channel = str(opened["channel"]["id"])
                await self.client.chat_update(
                    channel=channel, ts=delivery.edit_of, text=message.text, blocks=message.blocks
                )
                return SendResult(Outcome.SENT, platform_message_id=delivery.edit_of)
            response = await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                thread_ts=relay.reply_to if relay is not None else None,
            )
        except SlackApiError as exc:
            return _result(exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return SendResult(Outcome.TRANSIENT, detail=f"{type(exc).__name__}: {exc}")
        ts = response.get("ts")
        return SendResult(Outcome.SENT, platform_message_id=str(ts) if ts else None)

    async def _follow(self, channel: str, delivery: Delivery, relay: DeliveryContext) -> SendResult:
        """An edit or a deletion of a relayed copy in this channel."""
        copy = relay.edit_of if relay.kind == EDIT_KIND else relay.delete_of
        if copy is None:
            return SendResult(Outcome.TRANSIENT, detail="the copy is not delivered yet")
        if relay.kind == DELETE_KIND:
            try:
                await self.client.chat_delete(channel=channel, ts=copy)
            except SlackApiError as exc:
                if _error_of(exc) == "message_not_found":  # gone already
                    return SendResult(Outcome.SENT, detail="message_not_found")
                raise
            return SendResult(Outcome.SENT, platform_message_id=copy)
        message = render_message(delivery.reply, {})
        await self.client.chat_update(
            channel=channel, ts=copy, text=message.text, blocks=message.blocks
        )
        return SendResult(Outcome.SENT, platform_message_id=copy)

    async def _membership(self, channel: str, change: ChannelMembership) -> SendResult:
        """Take a person out of the channel, or invite them back in."""
        try:
            if change.action is ChannelAction.ADMIT:
                await self.client.conversations_invite(channel=channel, users=change.user_id)
            else:
                await self.client.conversations_kick(channel=channel, user=change.user_id)
        except SlackApiError as exc:
            error = _error_of(exc)
            if error in ALREADY_DONE:
                return SendResult(Outcome.SENT, detail=error)
            result = _result(exc)
            if result.outcome is Outcome.FAILED:
                log.warning("slack: cannot %s a channel member: %s", change.action, result.detail)
            return result
        return SendResult(Outcome.SENT)

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


def _error_of(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error") or "") if isinstance(data, dict) else ""


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
