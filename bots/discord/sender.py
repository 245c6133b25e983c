"""The delivery engine's Discord sender: outbox messages out through the REST API.

discord.py's ``HTTPClient`` (logged in once with ``static_login``) honours the per-route
buckets, the ``X-RateLimit-*`` headers and short 429s by itself; a 429 longer than
``max_ratelimit_timeout`` (at least 30 s, discord.py's floor) surfaces as ``RateLimited``
instead of holding the send. Discord's answers become an ``Outcome``:

* the message posted: ``SENT`` with its snowflake;
* a 429 that surfaces (``RateLimited``, a 429 after discord.py's own tries, a Cloudflare
  429): ``RATE_LIMITED`` with ``retry_after``; a global one (``global``, the
  ``X-RateLimit-Global``/``-Scope`` headers, or Cloudflare's) pauses the whole platform;
* 5xx, no answer within ``timeout``, connection errors: ``TRANSIENT``;
* 403 (no access, the user's DMs closed: 50007), 404 (unknown channel or user):
  ``UNREACHABLE``;
* a refused token (401): ``TRANSIENT`` (every message fails alike; the backoff leaves the
  operator time to fix it);
* any other 4xx: ``FAILED`` with Discord's message.

A ``user:<id>`` target needs a DM channel: ``POST /users/@me/channels``, cached. Every
message carries a ``nonce`` derived from its outbox key with ``enforce_nonce``, so Discord
drops a second copy sent again after a crash: ``deduplicates`` is True.

Relayed group messages (``core.groups.relay``): a copy answering another carries a
``message_reference`` to that copy (posted even if it is gone); an edit is a ``PATCH`` of the
copy, a deletion a ``DELETE``; an edit of a copy not delivered yet is tried again later.

Channel access (``core.groups.access``): a bot cannot take one person out of one channel
except through permissions, and kicking from the guild would take them out of every other
group and conversation there. So a ban or a removal puts a member overwrite on the channel
denying View Channel (``PUT /channels/{id}/permissions/{user}``; the bot needs Manage Roles,
shown as Manage Permissions on the channel), and an admission deletes it again. Without
that permission (403) the message fails, logged and counted.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import aiohttp
import discord
from discord.http import HTTPClient, Route

from core.bootstrap import App
from core.config import Settings
from core.delivery.limits import PlatformLimits
from core.delivery.outbox import Target
from core.delivery.senders import DISCORD, Delivery, Outcome, SendResult
from core.domain import Platform
from core.groups.access import ChannelAction, ChannelMembership
from core.groups.relay import DELETE_KIND, EDIT_KIND, DeliveryContext, delivery_context_of

from .render import render_message
from .runner import configure_endpoints
from .transport import HttpTransport

__all__ = ["DEFAULT_API_URL", "NONCE_LENGTH", "DiscordSender", "from_settings", "nonce_for"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
NONCE_LENGTH = 25  # Discord's maximum
CANNOT_MESSAGE_USER = 50007
UNKNOWN_CHANNEL = 10003
VIEW_CHANNEL = 1 << 10
MEMBER_OVERWRITE: Literal[1] = 1  # an overwrite for one member (0: for a role)


def nonce_for(key: str) -> str:
    """A stable nonce for an outbox key: the same on every attempt, 25 characters."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LENGTH]


@dataclass
class _Seen429:
    """The headers of the last 429 answered during one send (filled by the trace hook)."""

    headers: Mapping[str, str] | None = None


_SEEN_429: contextvars.ContextVar[_Seen429 | None] = contextvars.ContextVar(
    "discord_sender_seen_429", default=None
)


async def _on_request_end(
    _session: aiohttp.ClientSession,
    _context: SimpleNamespace,
    params: aiohttp.TraceRequestEndParams,
) -> None:
    seen = _SEEN_429.get()
    if seen is not None and params.response.status == 429:
        seen.headers = params.response.headers


class DiscordSender:
    """``core.delivery.senders.Sender`` for Discord. ``close()`` when done."""

    platform: Platform = Platform.DISCORD
    limits: PlatformLimits = DISCORD
    deduplicates: bool = True  # nonce + enforce_nonce

    def __init__(
        self,
        app: App,
        *,
        token: str,
        api_url: str = DEFAULT_API_URL,
        max_ratelimit_timeout: float = 30.0,
        max_dm_channels: int = 10_000,
        timeout: float = 10.0,
    ) -> None:
        """``timeout`` bounds each HTTP exchange: an answer that never comes is a transient
        failure retried later, not a worker stuck for aiohttp's default five minutes."""
        self.app = app
        self._token = token
        self._api_url = api_url
        self._max_ratelimit_timeout = max_ratelimit_timeout
        self._http: HTTPClient | None = None
        self._login = asyncio.Lock()
        self._dm_channels: OrderedDict[str, str] = OrderedDict()  # user id -> DM channel id
        self._max_dm_channels = max_dm_channels
        self._timeout = timeout

    def is_group(self, target: Target) -> bool:
        return not target.is_user

    async def send(self, delivery: Delivery) -> SendResult:
        seen = _Seen429()
        reset = _SEEN_429.set(seen)
        try:
            http = await self._client()
            channel_id = await self._channel(http, delivery.target)
            membership = ChannelMembership.of(delivery)
            if membership is not None:
                return await self._membership(http, channel_id, membership)
            relay = await delivery_context_of(self.app, delivery.kind, delivery.key)
            if relay is not None and relay.kind in (EDIT_KIND, DELETE_KIND):
                return await self._follow(http, channel_id, delivery, relay)
            reply = delivery.reply
            payload = render_message(
                reply, await self.app.callbacks.issue(reply.all_buttons()), ephemeral=False
            )
            if delivery.edit_of is not None:  # an edit in place: no new message, no nonce
                await HttpTransport(http, timeout=self._timeout).edit(
                    channel_id, delivery.edit_of, payload
                )
                return SendResult(Outcome.SENT, platform_message_id=delivery.edit_of)
            payload["nonce"] = nonce_for(delivery.key)
            payload["enforce_nonce"] = True
            if relay is not None and relay.reply_to:
                payload["message_reference"] = {
                    "message_id": relay.reply_to,
                    "fail_if_not_exists": False,
                }
            message = await HttpTransport(http, timeout=self._timeout).send(channel_id, payload)
        except discord.RateLimited as exc:
            return SendResult(
                Outcome.RATE_LIMITED,
                detail=f"429 retry after {exc.retry_after:g}s",
                retry_after=exc.retry_after,
                whole_platform=_is_global(seen.headers),
            )
        except discord.LoginFailure:
            log.error("discord sender: Discord refuses the token")
            return SendResult(Outcome.TRANSIENT, detail="Discord refuses the token")
        except discord.HTTPException as exc:
            result = _result(exc)
            if result.outcome is Outcome.UNREACHABLE and delivery.target.user_id:
                self._dm_channels.pop(delivery.target.user_id, None)
            return result
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return SendResult(Outcome.TRANSIENT, detail=f"{type(exc).__name__}: {exc}")
        finally:
            _SEEN_429.reset(reset)
        return SendResult(Outcome.SENT, platform_message_id=str(message["id"]))

    async def _follow(
        self, http: HTTPClient, channel_id: str, delivery: Delivery, relay: DeliveryContext
    ) -> SendResult:
        """An edit or a deletion of a relayed copy in this channel."""
        copy = relay.edit_of if relay.kind == EDIT_KIND else relay.delete_of
        if copy is None or not copy.isdigit():
            return SendResult(Outcome.TRANSIENT, detail="the copy is not delivered yet")
        if relay.kind == DELETE_KIND:
            try:
                await http.delete_message(channel_id, int(copy))
            except discord.NotFound:  # gone already
                return SendResult(Outcome.SENT, detail="unknown message")
            return SendResult(Outcome.SENT, platform_message_id=copy)
        rendered = render_message(delivery.reply, {}, ephemeral=False)
        edit = {k: rendered[k] for k in ("content", "embeds", "allowed_mentions")}
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=copy,
        )
        await http.request(route, json=edit)
        return SendResult(Outcome.SENT, platform_message_id=copy)

    async def _membership(
        self, http: HTTPClient, channel_id: str, change: ChannelMembership
    ) -> SendResult:
        """Deny the person the channel with a member overwrite, or lift it."""
        try:
            if change.action is ChannelAction.ADMIT:
                await http.delete_channel_permissions(channel_id, change.user_id)
            else:
                await http.edit_channel_permissions(
                    channel_id, change.user_id, "0", str(VIEW_CHANNEL), MEMBER_OVERWRITE
                )
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                return SendResult(Outcome.UNREACHABLE, detail=f"404 (code {exc.code})")
            return SendResult(Outcome.SENT, detail="no overwrite to lift")  # admit only
        except discord.Forbidden as exc:
            detail = f"{exc.status} (code {exc.code}): {exc.text}"[:300]
            log.warning("discord: cannot %s a channel member: %s", change.action, detail)
            return SendResult(Outcome.FAILED, detail=detail)
        return SendResult(Outcome.SENT)

    async def _client(self) -> HTTPClient:
        """discord.py's HTTP client, logged in once (again after a failed login)."""
        async with self._login:
            if self._http is not None:
                return self._http
            configure_endpoints(self._api_url, None)  # discord.py reads Route.BASE
            trace = aiohttp.TraceConfig()
            trace.on_request_end.append(_on_request_end)
            http = HTTPClient(
                asyncio.get_running_loop(),
                http_trace=trace,
                max_ratelimit_timeout=self._max_ratelimit_timeout,
            )
            try:
                await http.static_login(self._token)
            except BaseException:
                await http.close()
                raise
            self._http = http
            return http

    async def _channel(self, http: HTTPClient, target: Target) -> str:
        """The channel id; for ``user:<id>``, that person's DM channel (opened once)."""
        user_id = target.user_id
        if user_id is None:
            return target.chat_id
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            channel = await http.start_private_message(int(user_id))
            channel_id = str(channel["id"])
            self._dm_channels[user_id] = channel_id
            while len(self._dm_channels) > self._max_dm_channels:
                self._dm_channels.popitem(last=False)
        else:
            self._dm_channels.move_to_end(user_id)
        return channel_id

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


def from_settings(app: App, settings: Settings) -> DiscordSender:
    """The sender ``alumni run`` starts a Worker for when ALUMNI_DISCORD_TOKEN is set."""
    if settings.discord_token is None:
        raise ValueError("ALUMNI_DISCORD_TOKEN is not set")
    return DiscordSender(
        app,
        token=settings.discord_token.get_secret_value(),
        api_url=settings.discord_api_url,
    )


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    return None if headers is None else headers.get(name)


def _is_global(headers: Mapping[str, str] | None) -> bool:
    return (_header(headers, "X-RateLimit-Global") or "").lower() == "true" or (
        _header(headers, "X-RateLimit-Scope") or ""
    ).lower() == "global"


def _rate_limited(exc: discord.HTTPException) -> SendResult:
    headers = exc.response.headers
    retry_after = 1.0
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = _header(headers, name)
        if value:
            try:
                retry_after = float(value)
                break
            except ValueError:
                continue
    cloudflare = _header(headers, "Via") is None  # Discord's own 429s come through its edge
    return SendResult(
        Outcome.RATE_LIMITED,
        detail=f"429 retry after {retry_after:g}s" + (" (Cloudflare)" if cloudflare else ""),
        retry_after=retry_after,
        whole_platform=cloudflare or _is_global(headers),
    )


def _result(exc: discord.HTTPException) -> SendResult:
    detail = f"{exc.status} (code {exc.code}): {exc.text}"[:300]
    if exc.status == 429:
        return _rate_limited(exc)
    if exc.status >= 500:
        return SendResult(Outcome.TRANSIENT, detail=detail)
    if exc.code == CANNOT_MESSAGE_USER or exc.status in (403, 404):
        return SendResult(Outcome.UNREACHABLE, detail=detail)
    if exc.status == 401:
        log.error("discord sender: Discord refuses the token")
        return SendResult(Outcome.TRANSIENT, detail=detail)
    return SendResult(Outcome.FAILED, detail=detail)
