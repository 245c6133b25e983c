"""Interactions -> the core dispatcher -> interaction responses.

Slash commands become the command line the core parser reads; button presses carry a
server-side token (``CallbackStore``) in their custom_id; forms open as modals whose
custom_id is such a token too. An answer that takes longer than ``defer_after`` seconds is
deferred (Discord wants a first answer within 3 s) and sent as a follow-up when ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from core.chat import Button, ChatKind, Form, Incoming, Reply
from core.chat.callbacks import STALE_BUTTON
from core.domain import Platform
from core.groups.relay import relay_delete, relay_edit
from core.i18n import N_, gettext, use_locale

from .autocomplete import suggestions
from .commands import command_line, find_param
from .render import EPHEMERAL, modal_parts, modal_values, render_message, render_modal
from .transport import Transport

if TYPE_CHECKING:
    from core.bootstrap import App

__all__ = [
    "OPEN_FORM",
    "DirectMessage",
    "InteractionEvent",
    "InteractionHandler",
    "InteractionKind",
]

log = logging.getLogger(__name__)

OPEN_FORM = "discord.open_form"  # adapter-side action: a button that opens a form as a modal
# A form too big for one modal opens as parts: FORM_PART is the action of a part's modal,
# OPEN_FORM_PART the button that opens the next part; both carry a ``FormProgress``.
FORM_PART = "discord.form_part"
OPEN_FORM_PART = "discord.open_form_part"
FORM_INVALID = N_("This form is no longer valid. Send the command again.")
OPEN_FORM_LABEL = N_("Open the form")


class InteractionKind(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class Callback(IntEnum):
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


@dataclass(frozen=True, slots=True)
class InteractionEvent:
    """What the handler needs from an INTERACTION_CREATE, independent of discord.py's classes."""

    id: str
    token: str = field(repr=False)
    application_id: str
    kind: int
    data: Mapping[str, Any]
    user_id: str
    channel_id: str = ""
    guild_id: str | None = None
    username: str = ""
    display_name: str = ""
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A MESSAGE_CREATE in a direct conversation with the bot (form answers, typed commands)."""

    channel_id: str
    user_id: str
    text: str
    username: str = ""
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class ChannelMessage:
    """A person's message in a guild channel (relayed when the channel is a group's)."""

    guild_id: str
    channel_id: str
    message_id: str
    user_id: str
    text: str
    username: str = ""
    display_name: str = ""
    reply_to: str | None = None

    def incoming(self) -> Incoming:
        return Incoming(
            platform=Platform.DISCORD,
            workspace=self.guild_id,
            user_id=self.user_id,
            chat_id=self.channel_id,
            chat_kind=ChatKind.GROUP,
            display_name=self.display_name,
            handle=self.username or None,
            text=self.text,
            is_message=True,
            message_id=self.message_id,
            reply_to=self.reply_to,
        )


@dataclass(frozen=True, slots=True)
class FormProgress:
    """A form that takes several modals: the part shown and what the earlier parts said.

    It travels behind a server-side callback token, never through Discord."""

    form: Form
    part: int = 0
    values: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        form = Reply(form=self.form).to_dict()["form"]
        return json.dumps(
            {"form": form, "part": self.part, "values": dict(self.values)}, ensure_ascii=False
        )

    @classmethod
    def from_json(cls, payload: str) -> FormProgress | None:
        try:
            data = json.loads(payload)
            form = Reply.from_dict({"form": data["form"]}).form
            part = int(data["part"])
            values = {str(k): str(v) for k, v in dict(data["values"]).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if form is None or not 0 <= part < len(modal_parts(form)):
            return None
        return cls(form, part, values)


class ChannelOrder:
    """One channel's messages handled one after another, in the order they arrived.

    discord.py runs every gateway event in a task of its own: without this, a quick reply
    could reach the relay before the message it answers (and lose its reply link), an edit
    before the message it edits, or two messages could be relayed swapped. Channels do not
    wait for each other; a quiet channel keeps no lock."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def __call__(self, channel_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(channel_id) or (asyncio.Lock(), 0)
        self._locks[channel_id] = (lock, users + 1)
        try:
            async with lock:  # asyncio's locks are fair: waiters go in arrival order
                yield
        finally:
            lock, users = self._locks[channel_id]
            if users == 1:
                del self._locks[channel_id]
            else:
                self._locks[channel_id] = (lock, users - 1)


class InteractionHandler:
    def __init__(self, app: App, transport: Transport, *, defer_after: float = 2.0) -> None:
        self.app = app
        self.transport = transport
        self.defer_after = defer_after
        self._channel_order = ChannelOrder()

    async def handle(self, event: InteractionEvent) -> None:
        try:
            match event.kind:
                case InteractionKind.PING:
                    await self._callback(event, Callback.PONG)
                case InteractionKind.APPLICATION_COMMAND:
                    await self._command(event)
                case InteractionKind.MESSAGE_COMPONENT:
                    await self._component(event)
                case InteractionKind.MODAL_SUBMIT:
                    await self._modal_submit(event)
                case InteractionKind.AUTOCOMPLETE:
                    await self._autocomplete(event)
                case _:
                    log.info("ignored interaction kind=%s", event.kind)
        except Exception:
            log.exception("interaction failed id=%s kind=%s", event.id, event.kind)

    async def handle_message(self, message: DirectMessage) -> None:
        """Answer a direct message in the conversation: a command line or a form's next answer."""
        text = message.text.strip()
        if not text:
            return
        incoming = Incoming(
            platform=Platform.DISCORD,
            user_id=message.user_id,
            chat_id=message.channel_id,
            chat_kind=ChatKind.PRIVATE,
            display_name=message.display_name,
            handle=message.username or None,
            text=text,
            is_message=not text.startswith("/"),
        )
        try:
            for reply in await self.app.dispatcher.handle(incoming):
                if reply.form is not None:
                    reply = await self._form_elsewhere(incoming, reply, reply.form)
                tokens = await self.app.callbacks.issue(reply.all_buttons())
                await self.transport.send(
                    message.channel_id, render_message(reply, tokens, ephemeral=False)
                )
        except Exception:
            log.exception("direct message failed channel=%s", message.channel_id)

    async def handle_channel_message(self, message: ChannelMessage) -> None:
        """A message in a guild channel: relayed to the group's other channels when the
        channel is mapped (the dispatcher decides; nothing answers in the channel)."""
        if not message.text.strip():
            return
        try:
            async with self._channel_order(message.channel_id):
                await self.app.dispatcher.handle(message.incoming())
        except Exception:
            log.exception("channel message failed channel=%s", message.channel_id)

    async def handle_channel_edit(self, message: ChannelMessage, *, edit_id: str | None) -> None:
        """An edited channel message: the copies of a relayed message follow."""
        try:
            async with self._channel_order(message.channel_id):
                await relay_edit(self.app, message.incoming(), edit_id=edit_id)
        except Exception:
            log.exception("channel edit failed channel=%s", message.channel_id)

    async def handle_channel_delete(
        self, *, guild_id: str, channel_id: str, message_id: str
    ) -> None:
        """A deleted channel message: the copies of a relayed message are deleted too."""
        gone = ChannelMessage(guild_id, channel_id, message_id, user_id="", text="")
        try:
            async with self._channel_order(channel_id):
                await relay_delete(self.app, gone.incoming(), message_id=message_id)
        except Exception:
            log.exception("channel deletion failed channel=%s", channel_id)

    # --- the kinds of interaction -----------------------------------------------------------

    async def _command(self, event: InteractionEvent) -> None:
        text = command_line(self.app.registry, event.data)
        command = self.app.registry.get(str(event.data.get("name", "")))
        public = bool(command and command.public)
        await self._run(event, self._incoming(event, text=text), public=public, update=False)

    async def _component(self, event: InteractionEvent) -> None:
        resolved = await self.app.callbacks.resolve(str(event.data.get("custom_id", "")))
        if resolved is None:
            await self._refuse(event, STALE_BUTTON)
            return
        action, payload = resolved
        if action == OPEN_FORM:
            form = _form_from_json(payload)
            if form is None or not await self._open_modal(event, form):
                await self._refuse(event, FORM_INVALID)
            return
        if action == OPEN_FORM_PART:
            progress = FormProgress.from_json(payload)
            if progress is None or not await self._open_part(event, progress):
                await self._refuse(event, FORM_INVALID)
            return
        incoming = self._incoming(event, action=action, payload=payload)
        await self._run(event, incoming, public=False, update=True)

    async def _modal_submit(self, event: InteractionEvent) -> None:
        resolved = await self.app.callbacks.resolve(str(event.data.get("custom_id", "")))
        if resolved is None:
            await self._refuse(event, FORM_INVALID)
            return
        action, payload = resolved
        values = modal_values(event.data)
        if action == FORM_PART:
            progress = FormProgress.from_json(payload)
            if progress is None:
                await self._refuse(event, FORM_INVALID)
                return
            if await self._next_part(event, progress, values):
                return
            action, payload = progress.form.action, progress.form.payload
            values = {**progress.values, **values}
        incoming = self._incoming(event, action=action, payload=payload, form_values=values)
        await self._run(event, incoming, public=False, update=False)

    async def _autocomplete(self, event: InteractionEvent) -> None:
        focused = _focused(event.data.get("options") or ())
        choices: list[dict[str, str]] = []
        if focused is not None:
            name, typed = focused
            param = find_param(self.app.registry, event.data, name)
            if param is not None:
                choices = suggestions(param.autocomplete, typed, event.locale)
        await self._callback(event, Callback.AUTOCOMPLETE_RESULT, {"choices": choices})

    # --- running the dispatcher within Discord's deadline ------------------------------------

    async def _run(
        self, event: InteractionEvent, incoming: Incoming, *, public: bool, update: bool
    ) -> None:
        task = asyncio.ensure_future(self.app.dispatcher.handle(incoming))
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if task in done:
            await self._answer(event, incoming, task.result(), update=update, deferred=False)
            return
        if update:  # a button: acknowledge without changing the message yet
            await self._callback(event, Callback.DEFERRED_UPDATE_MESSAGE)
        else:
            data = None if public else {"flags": EPHEMERAL}
            await self._callback(event, Callback.DEFERRED_CHANNEL_MESSAGE, data)
        await self._answer(event, incoming, await task, update=update, deferred=True)

    async def _answer(
        self,
        event: InteractionEvent,
        incoming: Incoming,
        replies: Sequence[Reply],
        *,
        update: bool,
        deferred: bool,
    ) -> None:
        if not replies:  # the dispatcher answers every interaction; a button may say nothing
            if update and not deferred:
                await self._callback(event, Callback.DEFERRED_UPDATE_MESSAGE)
            return
        first, rest = replies[0], replies[1:]
        if first.form is not None:
            if not deferred and await self._open_modal(event, first.form):
                await self._send_followups(event, incoming, rest)
                return
            first = await self._form_elsewhere(incoming, first, first.form)
        message = await self._message(event, first)
        # A new page of a list replaces the list the button was on, as does a reply that
        # says so (a confirmation turning into its outcome).
        replace = update and (first.pager is not None or first.replaces) and not first.error
        if not deferred:
            if replace:
                await self._callback(event, Callback.UPDATE_MESSAGE, _without_flags(message))
            else:
                await self._callback(event, Callback.CHANNEL_MESSAGE, message)
        elif replace or not update:
            await self.transport.edit_original(event.application_id, event.token, message)
        else:
            await self.transport.followup(event.application_id, event.token, message)
        await self._send_followups(event, incoming, rest)

    async def _send_followups(
        self, event: InteractionEvent, incoming: Incoming, replies: Sequence[Reply]
    ) -> None:
        for reply in replies:
            if reply.form is not None:
                reply = await self._form_elsewhere(incoming, reply, reply.form)
            message = await self._message(event, reply)
            await self.transport.followup(event.application_id, event.token, message)

    async def _message(self, event: InteractionEvent, reply: Reply) -> dict[str, Any]:
        tokens = await self.app.callbacks.issue(reply.all_buttons())
        # The few words the adapter adds ("3 more not shown.") follow Discord's locale.
        with use_locale(event.locale):
            return render_message(reply, tokens)

    async def _open_modal(self, event: InteractionEvent, form: Form) -> bool:
        """Answer with the form as a modal, or with its first part if it takes several."""
        if len(modal_parts(form)) > 1:
            return await self._open_part(event, FormProgress(form))
        return await self._show_modal(event, form, form.action, form.payload)

    async def _open_part(self, event: InteractionEvent, progress: FormProgress) -> bool:
        part = modal_parts(progress.form)[progress.part]
        return await self._show_modal(event, part, FORM_PART, progress.to_json())

    async def _next_part(
        self, event: InteractionEvent, progress: FormProgress, values: Mapping[str, str]
    ) -> bool:
        """After a part that is not the last: a button that opens the next one (a modal
        submission cannot answer with another modal). False after the last part."""
        parts = modal_parts(progress.form)
        following = progress.part + 1
        if following >= len(parts):
            return False
        carried = FormProgress(progress.form, following, {**progress.values, **values})
        button = Button(parts[following].title, action=OPEN_FORM_PART, payload=carried.to_json())
        await self._callback(
            event, Callback.CHANNEL_MESSAGE, await self._message(event, Reply(buttons=(button,)))
        )
        return True

    async def _show_modal(
        self, event: InteractionEvent, form: Form, action: str, payload: str
    ) -> bool:
        token = (await self.app.callbacks.issue([Button("", action, payload)]))[(action, payload)]
        with use_locale(event.locale):
            modal = render_modal(form, token)
        if modal is None:
            return False
        await self._callback(event, Callback.MODAL, modal)
        return True

    async def _form_elsewhere(self, incoming: Incoming, reply: Reply, form: Form) -> Reply:
        """A form that cannot open now (the answer was deferred): a button that opens it as
        a modal (or its first part), or else, without fields, the dialogue of the core."""
        if form.fields:
            with use_locale(incoming.locale):
                label = form.title or gettext(OPEN_FORM_LABEL)
            button = Button(
                label, action=OPEN_FORM, payload=json.dumps(Reply(form=form).to_dict()["form"])
            )
            return Reply(
                text=reply.text, cards=reply.cards, buttons=(button,), audience=reply.audience
            )
        return await self.app.forms.begin(incoming, form)

    async def _refuse(self, event: InteractionEvent, msgid: str) -> None:
        actor = await self.app.dispatcher.identify(self._incoming(event))
        with use_locale(actor.locale):
            text = gettext(msgid)
        message = render_message(Reply(text=text, error=True), {})
        await self._callback(event, Callback.CHANNEL_MESSAGE, message)

    async def _callback(
        self, event: InteractionEvent, kind: Callback, data: dict[str, Any] | None = None
    ) -> None:
        body: dict[str, Any] = {"type": int(kind)}
        if data is not None:
            body["data"] = data
        await self.transport.callback(event.id, event.token, body)

    def _incoming(self, event: InteractionEvent, **what: Any) -> Incoming:
        return Incoming(
            platform=Platform.DISCORD,
            workspace=event.guild_id or "",
            user_id=event.user_id,
            chat_id=event.channel_id,
            chat_kind=ChatKind.GROUP if event.guild_id else ChatKind.PRIVATE,
            display_name=event.display_name,
            handle=event.username or None,
            locale=event.locale,
            **what,
        )


def _without_flags(message: dict[str, Any]) -> dict[str, Any]:
    """An updated message keeps the visibility it had."""
    return {k: v for k, v in message.items() if k != "flags"}


def _focused(options: Sequence[Mapping[str, Any]]) -> tuple[str, str] | None:
    for option in options:
        if option.get("focused"):
            return str(option.get("name", "")), str(option.get("value", ""))
        nested = _focused(option.get("options") or ())
        if nested is not None:
            return nested
    return None


def _form_from_json(payload: str) -> Form | None:
    try:
        return Reply.from_dict({"form": json.loads(payload)}).form
    except (ValueError, KeyError, TypeError):
        return None
