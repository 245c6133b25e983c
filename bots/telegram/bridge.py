"""Updates in, replies out: python-telegram-bot handlers around the core dispatcher.

Every command of the core registry gets one ``CommandHandler``; plain text and button presses
go to the dispatcher too. Nothing here knows a business rule.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from core.bootstrap import App
from core.chat import ChatKind, Incoming, Reply
from core.chat.callbacks import STALE_BUTTON
from core.domain import Platform
from core.groups.relay import relay_edit
from core.i18n import N_, gettext, use_locale

from .lanes import ChatLanes
from .render import PAGER_PREFIX, RenderedReply, TelegramMessage, render_reply

__all__ = ["TelegramBridge"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]

# What a group's photo, video, document... becomes in the copies on other platforms: a
# marker, then the caption (the files stay on Telegram).
MEDIA_MARKERS = (
    ("photo", "📷"),
    ("video", "🎬"),
    ("animation", "🎬"),
    ("document", "📎"),
    ("audio", "🎵"),
    ("voice", "🎤"),
)
GROUP_MEDIA = (
    filters.PHOTO
    | filters.VIDEO
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.AUDIO
    | filters.VOICE
)

OPEN_PRIVATE_CHAT = N_(
    "I cannot write to you privately yet: open a private chat with @{bot}, press Start, "
    "then send the command again."
)


def describe(exc: BaseException) -> str:
    """A one-line description of an error for the logs (no URL, so no token)."""
    return f"{type(exc).__name__}: {exc}"


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def relayed_text(message: Message) -> str:
    """What a message says to the readers of the other platforms: its text; for a photo, a
    document and the like, a marker (and a document's file name) before the caption."""
    if message.text:
        return message.text
    for kind, marker in MEDIA_MARKERS:
        if getattr(message, kind):
            name = message.document.file_name if message.document is not None else None
            return " ".join(part for part in (marker, name, message.caption) if part)
    return ""


def lane_of(update: Update) -> str:
    """The chat whose updates must be handled in order (the user's, without a chat)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        return str(chat.id)
    return str(user.id) if user is not None else ""


class TelegramBridge:
    """The handlers, bound to the core app. ``max_retry_wait`` caps a 429's ``retry_after``;
    ``concurrency``: updates of different chats handled at once (one chat's, in order)."""

    def __init__(self, app: App, *, max_retry_wait: float = 30.0, concurrency: int = 32) -> None:
        self.app = app
        self.max_retry_wait = max_retry_wait
        self.lanes = ChatLanes(concurrency, on_error=self.log_failure)

    def handlers(self) -> list[BaseHandler[Any, Any, Any]]:
        new = filters.UpdateType.MESSAGE  # edits of old messages are not commands again
        on_command = self.in_lane(self.on_command)
        return [
            CommandHandler(list(self.app.registry.names()), on_command, filters=new),
            # an unknown /command in a private chat gets the core's "unknown command" answer
            MessageHandler(new & filters.COMMAND & filters.ChatType.PRIVATE, on_command),
            MessageHandler(new & filters.TEXT & ~filters.COMMAND, self.in_lane(self.on_text)),
            MessageHandler(new & GROUP_MEDIA & filters.ChatType.GROUPS, self.in_lane(self.on_text)),
            MessageHandler(
                filters.UpdateType.EDITED_MESSAGE
                & (filters.TEXT | filters.CAPTION)
                & filters.ChatType.GROUPS,
                self.in_lane(self.on_edit),
            ),
            CallbackQueryHandler(self.in_lane(self.on_callback)),
        ]

    def in_lane(self, handler: Handler) -> Handler:
        """``handler`` run in the update's chat lane; python-telegram-bot moves on at once."""

        async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            self.lanes.submit(lane_of(update), partial(handler, update, context))

        return submit

    # --- updates --------------------------------------------------------------------------
    @staticmethod
    def incoming(update: Update, **fields: Any) -> Incoming | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or user.is_bot:
            return None
        private = chat is None or chat.type == ChatType.PRIVATE
        return Incoming(
            platform=Platform.TELEGRAM,
            user_id=str(user.id),
            chat_id=str(chat.id) if chat is not None else str(user.id),
            chat_kind=ChatKind.PRIVATE if private else ChatKind.GROUP,
            display_name=user.full_name,
            handle=user.username,
            locale=user.language_code,
            **fields,
        )

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command line (``/start PAYLOAD`` deep links included), passed on as typed."""
        await self._on_message(update, context, is_message=False)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Plain text: the answer to a form's question, or a hint; in a group, relayed (and
        so are photos, documents and the like, as a marker and their caption)."""
        await self._on_message(update, context, is_message=True)

    async def _on_message(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, is_message: bool
    ) -> None:
        message = update.message
        text = relayed_text(message) if message is not None else ""
        if message is None or not text:
            return
        answered = message.reply_to_message
        incoming = self.incoming(
            update,
            text=text,
            is_message=is_message,
            message_id=str(message.message_id),  # a group's messages are relayed by id
            reply_to=str(answered.message_id) if answered is not None else None,
        )
        if incoming is not None:
            await self.deliver(context.bot, incoming, await self.app.dispatcher.handle(incoming))

    async def on_edit(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited group message: the copies of a relayed message follow the new text."""
        message = update.edited_message
        text = relayed_text(message) if message is not None else ""
        if message is None or not text:
            return
        incoming = self.incoming(update, text=text, is_message=True)
        if incoming is None:
            return
        edited = message.edit_date
        await relay_edit(
            self.app,
            incoming,
            message_id=str(message.message_id),
            edit_id=edited.isoformat() if edited is not None else None,
        )

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        base = self.incoming(update)
        if query is None or base is None:
            return
        data = query.data or ""
        paging = data.startswith(PAGER_PREFIX)
        resolved = await self.app.callbacks.resolve(data.removeprefix(PAGER_PREFIX))
        if resolved is None:
            actor = await self.app.dispatcher.identify(base)
            with use_locale(actor.locale):
                text = gettext(STALE_BUTTON)
            await self._quietly("answerCallbackQuery", lambda: query.answer(text, show_alert=True))
            return
        await self._quietly("answerCallbackQuery", lambda: query.answer())
        action, payload = resolved
        on = query.message if isinstance(query.message, Message) else None
        incoming = dataclasses.replace(
            base,
            action=action,
            payload=payload,
            message_id=str(on.message_id) if on is not None else None,
        )
        replies = await self.app.dispatcher.handle(incoming)
        replaces = paging or bool(replies and replies[0].replaces)
        await self.deliver(context.bot, incoming, replies, edit=on if replaces else None)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.log_failure(context.error)

    @staticmethod
    def log_failure(error: BaseException) -> None:
        if isinstance(error, TelegramError):
            log.warning("telegram: an update failed: %s", describe(error))
        else:
            log.error("telegram: an update failed", exc_info=error)

    # --- replies ----------------------------------------------------------------------------
    async def deliver(
        self,
        bot: Bot,
        incoming: Incoming,
        replies: Sequence[Reply],
        *,
        edit: Message | None = None,
    ) -> None:
        """Send each reply where it belongs: public ones to the chat, private ones to the
        asker's private chat. ``edit``: the message a button was pressed on, which the first
        reply replaces (a pager's next page, a confirmation's outcome)."""
        private_blocked = False
        for index, reply in enumerate(replies):
            to_private = incoming.chat_kind is ChatKind.GROUP and not reply.is_public
            if to_private and private_blocked:
                continue
            chat_id = int(incoming.user_id if to_private else incoming.chat_id)
            rendered = render_reply(reply, await self.app.callbacks.issue(reply.all_buttons()))
            try:
                if (
                    edit is not None
                    and index == 0
                    and len(rendered.messages) == 1
                    and edit.chat.id == chat_id
                    and await self._edit(bot, edit, rendered.messages[0])
                ):
                    await self._send_documents(bot, chat_id, rendered)
                    continue
                await self._send(bot, chat_id, rendered)
            except Forbidden as exc:
                if not to_private:
                    log.warning("telegram: cannot write to a chat: %s", describe(exc))
                    continue
                private_blocked = True
                await self._hint_private_chat(bot, incoming)
            except TelegramError as exc:
                log.warning("telegram: a reply was not delivered: %s", describe(exc))

    async def _send(self, bot: Bot, chat_id: int, rendered: RenderedReply) -> None:
        for message in rendered.messages:
            await self.call("sendMessage", partial(bot.send_message, chat_id, **message.params))
        await self._send_documents(bot, chat_id, rendered)

    async def _send_documents(self, bot: Bot, chat_id: int, rendered: RenderedReply) -> None:
        for attachment in rendered.documents:
            document = InputFile(attachment.content, filename=attachment.filename)
            await self.call("sendDocument", partial(bot.send_document, chat_id, document))

    async def _edit(self, bot: Bot, pressed: Message, message: TelegramMessage) -> bool:
        """Replace the pressed message; False when Telegram refuses (then send anew)."""
        params = message.params
        try:
            await self.call(
                "editMessageText",
                lambda: bot.edit_message_text(
                    chat_id=pressed.chat.id, message_id=pressed.message_id, **params
                ),
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True
            log.info("telegram: editing a message failed, sending instead: %s", describe(exc))
            return False
        return True

    async def _hint_private_chat(self, bot: Bot, incoming: Incoming) -> None:
        """The asker never started the bot privately: say so in the group, once."""
        actor = await self.app.dispatcher.identify(incoming)
        with use_locale(actor.locale):
            text = gettext(OPEN_PRIVATE_CHAT, bot=bot.username)
        try:
            await self._send(bot, int(incoming.chat_id), render_reply(Reply(text=text), {}))
        except TelegramError as exc:
            log.warning("telegram: cannot post the private-chat hint: %s", describe(exc))

    async def call(self, method: str, request: Callable[[], Awaitable[T]]) -> T:
        """Run a Bot API request; on 429 wait ``retry_after`` (capped) and try once more."""
        try:
            return await request()
        except RetryAfter as exc:
            wait = min(_retry_after_seconds(exc), self.max_retry_wait)
            log.warning("telegram: %s hit flood control; retrying in %.2fs", method, wait)
            await asyncio.sleep(wait)
            return await request()

    async def _quietly(self, method: str, request: Callable[[], Awaitable[Any]]) -> None:
        try:
            await self.call(method, request)
        except TelegramError as exc:
            log.warning("telegram: %s failed: %s", method, describe(exc))
