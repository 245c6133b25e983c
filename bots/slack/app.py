"""The Bolt app: slash commands, buttons, modals and the App Home, all through the dispatcher.

Each listener translates a Slack payload into an ``Incoming``, hands it to the core
dispatcher and renders the replies with ``render``. Nothing here knows a business rule.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from core.bootstrap import App
from core.chat import Actor, Audience, Button, ChatKind, Form, Incoming, Reply
from core.chat.callbacks import STALE_BUTTON
from core.chat.home import home_replies
from core.chat.seen import SeenRequests
from core.db.models import Member
from core.domain import Platform
from core.groups.relay import relay_delete, relay_edit
from core.i18n import gettext, use_locale

from . import refusals
from .locales import SlackLocales
from .render import (
    FORM_CALLBACK_ID,
    LINK_PREFIX,
    MAX_METADATA,
    PAGE_PREFIX,
    mentioned_users,
    plain_text,
    render_home,
    render_message,
    render_modal,
    slack_command_names,
    unescape,
    values_from_state,
)
from .replay import Guard, SharedReplayGuard, replay_middleware

__all__ = ["SlackBridge", "build_slack_app"]

log = logging.getLogger(__name__)

UMBRELLA = "/alumni"
OFFER = "/offer"
# Message subtypes people write (a file with a comment, a reply also sent to the channel,
# /me); the others (joins, topic changes, bot messages...) are not conversation.
RELAYED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})
MAX_MENTION_LOOKUPS = 5  # users.info calls one message may cost


def build_slack_app(
    app: App,
    *,
    bot_token: str,
    signing_secret: str,
    api_url: str = "https://slack.com/api/",
    replay_guard: Guard | None = None,
) -> AsyncApp:
    """The Bolt app for one workspace's bot token; mount it with ``bots.slack.mount_slack``."""
    client = AsyncWebClient(
        token=bot_token,
        base_url=api_url if api_url.endswith("/") else api_url + "/",
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    refusals.install()
    bolt = AsyncApp(
        name="alumni-slack",
        signing_secret=signing_secret,
        client=client,
        before_authorize=replay_middleware(
            replay_guard or SharedReplayGuard(SeenRequests(app.db, app.clock))
        ),
        logger=logging.getLogger("bots.slack.bolt"),
    )
    bridge = SlackBridge(app, client)
    bolt.command(UMBRELLA)(bridge.on_command)
    bolt.command(OFFER)(bridge.on_command)
    bolt.action(re.compile("^alumni:"))(bridge.on_button)
    bolt.view_submission(FORM_CALLBACK_ID)(bridge.on_form)
    bolt.event("app_home_opened")(bridge.on_home_opened)
    bolt.event("message")(bridge.on_message)
    return bolt


def _chat_kind(channel_id: str, channel_name: str = "") -> ChatKind:
    if channel_name == "directmessage" or channel_id.startswith("D"):
        return ChatKind.PRIVATE
    return ChatKind.GROUP


def _response_type(reply: Reply) -> str:
    return "in_channel" if reply.audience is Audience.PUBLIC else "ephemeral"


class SlackBridge:
    """The listeners, bound to the core app and the Web API client."""

    def __init__(self, app: App, client: AsyncWebClient) -> None:
        self.app = app
        self.client = client
        self.locales = SlackLocales(client)

    # --- listeners ----------------------------------------------------------------------------
    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        text = unescape(str(command.get("text") or "")).strip()
        if command.get("command") == OFFER:
            text = f"offer {text}".strip()
        team_id = str(command.get("team_id") or "")
        user_id = str(command["user_id"])
        channel_id = str(command.get("channel_id") or "")
        incoming = Incoming(
            platform=Platform.SLACK,
            workspace=team_id,
            user_id=user_id,
            chat_id=channel_id,
            chat_kind=_chat_kind(channel_id, str(command.get("channel_name") or "")),
            display_name=str(command.get("user_name") or ""),
            locale=await self.locales.get(team_id, user_id),
            text=text or "help",
        )
        replies = await self.app.dispatcher.handle(incoming)
        await self._deliver(
            incoming, replies, respond=respond, trigger_id=command.get("trigger_id")
        )

    async def on_button(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        action_id = str(action.get("action_id") or "")
        if action_id.startswith(LINK_PREFIX):
            return  # a link button opens its URL in the browser; nothing to do here
        user = body.get("user") or {}
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        user_id = str(user.get("id") or "")
        channel = body.get("channel") or {}
        channel_id = str(channel.get("id") or "")
        base = Incoming(
            platform=Platform.SLACK,
            workspace=team_id,
            user_id=user_id,
            chat_id=channel_id,
            chat_kind=_chat_kind(channel_id, str(channel.get("name") or ""))
            if channel_id
            else ChatKind.PRIVATE,
            display_name=str(user.get("name") or user.get("username") or ""),
            locale=await self.locales.get(team_id, user_id),
        )
        respond_or_none = respond if body.get("response_url") else None
        resolved = await self.app.callbacks.resolve(str(action.get("value") or ""))
        if resolved is None:
            actor = await self.app.dispatcher.identify(base)
            with use_locale(actor.locale):
                text = gettext(STALE_BUTTON)
            await self._send(
                base,
                Reply(text=text, error=True),
                respond=respond_or_none,
                replace_original=False,
                locale=actor.locale,
            )
            return
        name, payload = resolved
        incoming = dataclasses.replace(base, action=name, payload=payload)
        replies = await self.app.dispatcher.handle(incoming)
        await self._deliver(
            incoming,
            replies,
            respond=respond_or_none,
            trigger_id=body.get("trigger_id"),
            replace_original=action_id.startswith(PAGE_PREFIX)
            or bool(replies and replies[0].replaces and not replies[0].error),
        )

    async def on_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body.get("user") or {}
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        user_id = str(user.get("id") or "")
        base = Incoming(
            platform=Platform.SLACK,
            workspace=team_id,
            user_id=user_id,
            chat_kind=ChatKind.PRIVATE,
            display_name=str(user.get("name") or user.get("username") or ""),
            locale=await self.locales.get(team_id, user_id),
        )
        meta = await self._read_metadata(str(view.get("private_metadata") or ""))
        if meta is None:
            actor = await self.app.dispatcher.identify(base)
            with use_locale(actor.locale):
                text = gettext("This form is no longer valid. Send the command again.")
            await ack(response_action="errors", errors=self._errors(view, text))
            return
        channel_id = meta.get("channel", "")
        incoming = dataclasses.replace(
            base,
            chat_id=channel_id,
            chat_kind=_chat_kind(channel_id) if channel_id else ChatKind.PRIVATE,
            action=meta["action"],
            payload=meta.get("payload", ""),
            form_values=values_from_state(view.get("state") or {}),
        )
        replies = await self.app.dispatcher.handle(incoming)
        error = next((r for r in replies if r.error), None)
        if error is not None:
            await ack(response_action="errors", errors=self._errors(view, error.text))
            return
        follow_up = next((r for r in replies if r.form is not None), None)
        if follow_up is not None and follow_up.form is not None:
            actor = await self.app.dispatcher.identify(incoming)
            with use_locale(actor.locale):
                modal = render_modal(
                    follow_up.form, await self._metadata(follow_up.form, channel_id)
                )
            await ack(response_action="update", view=modal)
        else:
            await ack()
        await self._deliver(incoming, replies, respond=None, trigger_id=None)

    async def on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user") or "")
        team_id = str(body.get("team_id") or "")
        incoming = Incoming(
            platform=Platform.SLACK,
            workspace=team_id,
            user_id=user_id,
            chat_id=str(event.get("channel") or ""),
            chat_kind=ChatKind.PRIVATE,
            locale=await self.locales.get(team_id, user_id),
            text="help",
        )
        actor = await self.app.dispatcher.identify(incoming)
        replies = await home_replies(self.app.dispatcher, incoming)
        name = await self._member_name(actor)
        with use_locale(actor.locale):
            header = (
                gettext("Welcome, {name}!", name=name)
                if name
                else gettext("Welcome to the France Alumni network!")
            )
            shown = [self._for_slack(r) for r in replies if r.form is None]
            tokens: dict[tuple[str, str], str] = {}
            for reply in shown:
                tokens.update(await self.app.callbacks.issue(reply.all_buttons()))
            view = render_home(header, shown, tokens)
        await self.client.views_publish(user_id=user_id, view=view)

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """A message in a channel the bot is in, or in its direct messages.

        In a channel mapped to a group it is relayed to the group's other channels (through
        the dispatcher, like on every platform); its edits and deletions follow the copies.
        A direct message gets the dispatcher's hint. Messages of bots (the copies this bot
        posts included) and service messages (joins, topic changes) are ignored, so nothing
        loops between bridged channels."""
        subtype = event.get("subtype")
        channel_id = str(event.get("channel") or "")
        team_id = str(event.get("team") or body.get("team_id") or "")
        kind = _chat_kind(channel_id, "directmessage" if event.get("channel_type") == "im" else "")
        if subtype == "message_changed":
            await self._on_edit(event, team_id, channel_id, kind)
            return
        if subtype == "message_deleted":
            await self._on_delete(event, team_id, channel_id, kind)
            return
        if subtype not in RELAYED_SUBTYPES or event.get("bot_id") or not event.get("user"):
            return
        incoming = await self._message_incoming(event, team_id, channel_id, kind)
        if kind is ChatKind.PRIVATE and not incoming.text.strip():
            return
        replies = await self.app.dispatcher.handle(incoming)
        await self._deliver(incoming, replies, respond=None, trigger_id=None)

    async def _message_incoming(
        self, message: dict[str, Any], team_id: str, channel_id: str, kind: ChatKind
    ) -> Incoming:
        user_id = str(message.get("user") or "")
        raw = str(message.get("text") or "")
        names = {
            mentioned: await self.locales.display_name(team_id, mentioned)
            for mentioned in mentioned_users(raw)[:MAX_MENTION_LOOKUPS]
        }
        ts = str(message.get("ts") or "")
        thread = str(message.get("thread_ts") or "")
        return Incoming(
            platform=Platform.SLACK,
            workspace=team_id,
            user_id=user_id,
            chat_id=channel_id,
            chat_kind=kind,
            display_name=await self.locales.display_name(team_id, user_id),
            locale=await self.locales.get(team_id, user_id),
            text=plain_text(raw, {k: v for k, v in names.items() if v}),
            is_message=True,
            message_id=ts or None,
            reply_to=thread if thread and thread != ts else None,
        )

    async def _on_edit(
        self, event: dict[str, Any], team_id: str, channel_id: str, kind: ChatKind
    ) -> None:
        message = event.get("message") or {}
        if kind is not ChatKind.GROUP or not isinstance(message, dict):
            return
        if message.get("bot_id") or not message.get("user"):
            return
        previous = event.get("previous_message") or {}
        if isinstance(previous, dict) and previous.get("text") == message.get("text"):
            return  # an unfurl or a reaction count changed, not the text
        incoming = await self._message_incoming(message, team_id, channel_id, kind)
        edit_id = str(event.get("event_ts") or event.get("ts") or "") or None
        await relay_edit(self.app, incoming, edit_id=edit_id)

    async def _on_delete(
        self, event: dict[str, Any], team_id: str, channel_id: str, kind: ChatKind
    ) -> None:
        deleted = str(event.get("deleted_ts") or "")
        previous = event.get("previous_message") or {}
        if kind is not ChatKind.GROUP or not deleted or not isinstance(previous, dict):
            return
        if previous.get("bot_id") or not previous.get("user"):
            return
        incoming = Incoming(
            platform=Platform.SLACK,
            workspace=team_id,
            user_id=str(previous.get("user")),
            chat_id=channel_id,
            chat_kind=kind,
        )
        await relay_delete(self.app, incoming, message_id=deleted)

    # --- delivery -----------------------------------------------------------------------------
    async def _deliver(
        self,
        incoming: Incoming,
        replies: Sequence[Reply],
        *,
        respond: AsyncRespond | None,
        trigger_id: str | None,
        replace_original: bool = False,
    ) -> None:
        if not replies:
            return
        actor = await self.app.dispatcher.identify(incoming)
        for index, reply in enumerate(replies):
            if reply.form is not None:
                if trigger_id:
                    with use_locale(actor.locale):
                        modal = render_modal(
                            reply.form, await self._metadata(reply.form, incoming.chat_id)
                        )
                    await self.client.views_open(trigger_id=trigger_id, view=modal)
                    trigger_id = None  # a trigger opens one modal
                if not (reply.text or reply.cards or reply.buttons or reply.pager):
                    continue
            await self._send(
                incoming,
                reply,
                respond=respond,
                replace_original=replace_original and index == 0,
                locale=actor.locale,
            )

    async def _send(
        self,
        incoming: Incoming,
        reply: Reply,
        *,
        respond: AsyncRespond | None,
        replace_original: bool,
        locale: str,
    ) -> None:
        reply = self._for_slack(reply)
        tokens = await self.app.callbacks.issue(reply.all_buttons())
        with use_locale(locale):
            message = render_message(reply, tokens)
        if respond is not None:
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type=_response_type(reply),
                replace_original=replace_original,
            )
            return
        public_channel = incoming.chat_id if incoming.chat_kind is ChatKind.GROUP else ""
        channel = public_channel if reply.is_public and public_channel else incoming.user_id
        await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks
        )

    def _for_slack(self, reply: Reply) -> Reply:
        return slack_command_names(reply, self.app.registry.names(), UMBRELLA.lstrip("/"))

    # --- modal metadata -------------------------------------------------------------------------
    async def _metadata(self, form: Form, channel_id: str) -> str:
        """What the submission calls: JSON, or a server-side token when that is too long."""
        data = {"action": form.action, "payload": form.payload, "channel": channel_id}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) <= MAX_METADATA:
            return text
        tokens = await self.app.callbacks.issue(
            [Button("", action=form.action, payload=form.payload)]
        )
        return json.dumps({"token": next(iter(tokens.values())), "channel": channel_id})

    async def _read_metadata(self, text: str) -> dict[str, str] | None:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        if "token" in data:
            resolved = await self.app.callbacks.resolve(str(data["token"]))
            if resolved is None:
                return None
            data = {**data, "action": resolved[0], "payload": resolved[1]}
        if not data.get("action"):
            return None
        return {k: str(v) for k, v in data.items() if isinstance(v, str)}

    @staticmethod
    def _errors(view: dict[str, Any], text: str) -> dict[str, str]:
        """Slack shows a submission's error under a field: the one it names, else the first."""
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        target = next(
            (b for b in inputs if str((b.get("label") or {}).get("text") or "\0") in text),
            inputs[0] if inputs else None,
        )
        return {str(target.get("block_id")) if target else "_": text}

    async def _member_name(self, actor: Actor) -> str:
        if actor.member_id is None:
            return ""
        async with self.app.db.sessions() as session:
            name = await session.scalar(
                select(Member.full_name).where(Member.id == actor.member_id)
            )
        return name or ""
