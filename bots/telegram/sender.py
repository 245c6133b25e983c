"""The delivery engine's Telegram sender: outbox messages out through the Bot API.

One python-telegram-bot ``Bot`` without any retrying of its own (no rate limiter, the
aiohttp transport of ``bots.telegram.transport`` without retries): the
``core.delivery.worker.Worker`` paces, retries and backs off.
Each answer of the Bot API becomes an ``Outcome``:

* a message (or every message of a reply split in several) sent: ``SENT`` with the first
  message's id; an edit (``Delivery.edit_of``) replaces that message's text and keyboard
  with the reply's first message (editMessageText; "not modified" counts as done);
* 429 (``RetryAfter``): ``RATE_LIMITED`` with ``parameters.retry_after``;
* 5xx, timeouts, connection errors (``NetworkError``): ``TRANSIENT``;
* 403 (blocked, kicked, deactivated), "chat not found" and kin, a group upgraded to a
  supergroup: ``UNREACHABLE``;
* a refused token: ``TRANSIENT`` (it concerns every message, not this one: the operator gets
  the backoff time to fix it before messages end failed);
* any other 400: ``FAILED`` with Telegram's description.

A reply split in several messages that fails halfway resumes, on the next attempt in this
process, after the parts that went out. The token never reaches a log or a recorded result.

Relayed group messages (``core.groups.relay``): a copy answering another is sent with
``reply_parameters`` (the answered copy's id, sent even if it is gone); an edit is an
``editMessageText`` of the copy, a deletion a ``deleteMessage``; an edit of a copy not
delivered yet is tried again later. Channel access (``core.groups.access``): a ban is a
``banChatMember``, a removal a ``banChatMember`` then ``unbanChatMember`` with
``only_if_banned`` (out of the group, free to come back through its link), an admission an
``unbanChatMember`` with ``only_if_banned``; without the administrator rights to do so the
message fails, logged and counted.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import Bot, InputFile, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from core.bootstrap import App
from core.config import Settings
from core.delivery.limits import PlatformLimits
from core.delivery.outbox import Target
from core.delivery.senders import TELEGRAM, Delivery, Outcome, SendResult
from core.domain import Platform
from core.groups.access import ChannelAction, ChannelMembership
from core.groups.relay import DELETE_KIND, EDIT_KIND, DeliveryContext, delivery_context_of

from .bridge import _retry_after_seconds, describe
from .redact import Redaction, redacted
from .render import RenderedReply, render_reply
from .runner import file_url
from .transport import AiohttpRequest

__all__ = ["DEFAULT_API_URL", "TelegramSender", "from_settings"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org/bot"
# 400 descriptions that mean "this chat cannot be written to", lower case.
_UNREACHABLE_400 = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "user is deactivated",
    "bot was kicked",
    "bot is not a member",
    "group chat was deactivated",
    "chat_write_forbidden",
    "not enough rights to send",
    "have no rights to send",
    "need administrator rights",
)
_NUMERIC_CHAT = re.compile(r"-?\d+")
# 400 descriptions of a removal the bot has no right to make, lower case.
_NO_RIGHTS_400 = ("not enough rights", "need administrator rights", "administrator", "owner")
# 400 descriptions that mean the copy to delete is gone already, lower case.
_GONE_400 = ("message to delete not found", "message_id_invalid")


def chat_id_of(target: Target) -> int | str:
    """``user:<id>`` is the private chat, whose id is the user's; ``@name`` stays a string."""
    chat = target.user_id if target.is_user else target.chat_id
    assert chat is not None
    return int(chat) if _NUMERIC_CHAT.fullmatch(chat) else chat


class TelegramSender:
    """``core.delivery.senders.Sender`` for Telegram. ``close()`` when done."""

    platform: Platform = Platform.TELEGRAM
    limits: PlatformLimits = TELEGRAM
    deduplicates: bool = False  # the Bot API has no idempotency key

    def __init__(
        self,
        app: App,
        *,
        token: str,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 10.0,
        connections: int = 64,
        max_resumable: int = 10_000,
    ) -> None:
        self.app = app
        self._token = token
        # The transport retries nothing; a plain Bot has no rate limiter.
        self._request = AiohttpRequest(
            connections=connections,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
            media_write_timeout=max(timeout, 20.0),
        )
        self.bot = Bot(
            token,
            base_url=api_url,
            base_file_url=file_url(api_url),
            request=self._request,
            get_updates_request=self._request,
        )
        # outbox key -> (parts already sent, first message id), for replies cut short
        self._resume: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._max_resumable = max_resumable
        self._redaction: Redaction | None = Redaction(token)  # URLs carry the token

    def is_group(self, target: Target) -> bool:
        return not target.is_user and target.chat_id.startswith("-")

    async def send(self, delivery: Delivery) -> SendResult:
        chat_id = chat_id_of(delivery.target)
        membership = ChannelMembership.of(delivery)
        if membership is not None:
            return await self._membership(chat_id, membership)
        relay = await delivery_context_of(self.app, delivery.kind, delivery.key)
        if relay is not None and relay.kind in (EDIT_KIND, DELETE_KIND):
            return await self._follow(chat_id, delivery, relay)
        reply = delivery.reply
        rendered = render_reply(reply, await self.app.callbacks.issue(reply.all_buttons()))
        if delivery.edit_of is not None:
            return await self._edit(chat_id, int(delivery.edit_of), rendered)
        answering = (
            ReplyParameters(int(relay.reply_to), allow_sending_without_reply=True)
            if relay is not None and relay.reply_to and relay.reply_to.isdigit()
            else None
        )
        parts: list[Callable[[], Awaitable[Any]]] = [
            partial(
                self.bot.send_message,
                chat_id,
                **message.params,
                reply_parameters=answering if index == 0 else None,
            )
            for index, message in enumerate(rendered.messages)
        ]
        parts.extend(
            partial(
                self.bot.send_document,
                chat_id,
                InputFile(attachment.content, filename=attachment.filename),
            )
            for attachment in rendered.documents
        )
        if not parts:
            return SendResult(Outcome.FAILED, detail="the reply has nothing to send")
        done, first = self._resume.pop(delivery.key, (0, ""))
        for index in range(done, len(parts)):
            try:
                message = await parts[index]()
            except TelegramError as exc:
                result = self._result(exc)
                if index and result.outcome in (Outcome.RATE_LIMITED, Outcome.TRANSIENT):
                    self._remember(delivery.key, index, first)
                return result
            first = first or str(message.message_id)
        return SendResult(Outcome.SENT, platform_message_id=first)

    async def _edit(
        self, chat_id: int | str, message_id: int, rendered: RenderedReply
    ) -> SendResult:
        """Replace a message's text (and keyboard) with the reply's first message."""
        if not rendered.messages:
            return SendResult(Outcome.FAILED, detail="the reply has nothing to show")
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id, message_id=message_id, **rendered.messages[0].params
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():  # already shows this very text
                return SendResult(Outcome.SENT, platform_message_id=str(message_id))
            return self._result(exc)
        except TelegramError as exc:
            return self._result(exc)
        return SendResult(Outcome.SENT, platform_message_id=str(message_id))

    async def _follow(
        self, chat_id: int | str, delivery: Delivery, relay: DeliveryContext
    ) -> SendResult:
        """An edit or a deletion of a relayed copy in this chat."""
        copy = relay.edit_of if relay.kind == EDIT_KIND else relay.delete_of
        if copy is None or not copy.isdigit():
            return SendResult(Outcome.TRANSIENT, detail="the copy is not delivered yet")
        try:
            if relay.kind == DELETE_KIND:
                await self.bot.delete_message(chat_id, int(copy))
            else:
                [message] = render_reply(delivery.reply, {}).messages[:1]
                await self.bot.edit_message_text(
                    chat_id=chat_id, message_id=int(copy), **message.params
                )
        except BadRequest as exc:
            lowered = exc.message.lower()
            if "not modified" in lowered or any(gone in lowered for gone in _GONE_400):
                return SendResult(Outcome.SENT, detail=exc.message, platform_message_id=copy)
            return self._result(exc)
        except TelegramError as exc:
            return self._result(exc)
        return SendResult(Outcome.SENT, platform_message_id=copy)

    async def _membership(self, chat_id: int | str, change: ChannelMembership) -> SendResult:
        """Take a person out of the group chat (keeping them out for a ban), or lift a
        former removal."""
        if not change.user_id.isdigit():
            return SendResult(Outcome.FAILED, detail="not a Telegram user id")
        user_id = int(change.user_id)
        try:
            if change.action in (ChannelAction.BAN, ChannelAction.REMOVE):
                await self.bot.ban_chat_member(chat_id, user_id)
            if change.action in (ChannelAction.REMOVE, ChannelAction.ADMIT):
                await self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
        except BadRequest as exc:
            if any(marker in exc.message.lower() for marker in _NO_RIGHTS_400):
                detail = redacted(describe(exc), self._token)
                log.warning("telegram: cannot %s a group member: %s", change.action, detail)
                return SendResult(Outcome.FAILED, detail=detail)
            return self._result(exc)
        except TelegramError as exc:
            return self._result(exc)
        return SendResult(Outcome.SENT)

    def _remember(self, key: str, done: int, first: str) -> None:
        self._resume[key] = (done, first)
        while len(self._resume) > self._max_resumable:
            self._resume.popitem(last=False)

    def _result(self, exc: TelegramError) -> SendResult:
        detail = redacted(describe(exc), self._token)
        match exc:
            case RetryAfter():
                seconds = _retry_after_seconds(exc)
                return SendResult(Outcome.RATE_LIMITED, detail=detail, retry_after=seconds)
            case ChatMigrated():
                return SendResult(
                    Outcome.UNREACHABLE,
                    detail=f"the group became the supergroup {exc.new_chat_id}",
                )
            case Forbidden():
                return SendResult(Outcome.UNREACHABLE, detail=detail)
            case InvalidToken():
                log.error("telegram sender: the Bot API refuses the token")
                return SendResult(Outcome.TRANSIENT, detail="the Bot API refuses the token")
            case BadRequest():  # before NetworkError: BadRequest is one
                lowered = exc.message.lower()
                if any(marker in lowered for marker in _UNREACHABLE_400):
                    return SendResult(Outcome.UNREACHABLE, detail=detail)
                return SendResult(Outcome.FAILED, detail=detail)
            case NetworkError():  # 5xx, TimedOut, connection errors
                return SendResult(Outcome.TRANSIENT, detail=detail)
            case _:
                return SendResult(Outcome.FAILED, detail=detail)

    async def close(self) -> None:
        await self._request.shutdown()
        if self._redaction is not None:
            self._redaction.remove()
            self._redaction = None


def from_settings(app: App, settings: Settings) -> TelegramSender:
    """The sender ``alumni run`` starts a Worker for when ALUMNI_TELEGRAM_TOKEN is set."""
    if settings.telegram_token is None:
        raise ValueError("ALUMNI_TELEGRAM_TOKEN is not set")
    return TelegramSender(
        app,
        token=settings.telegram_token.get_secret_value(),
        api_url=settings.telegram_api_url,
    )
