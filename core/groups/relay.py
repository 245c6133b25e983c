"""The bridge: a message posted in one mapped channel of a group is queued in the outbox
once for each of the group's other channels, on whatever platform they are.

Contract for adapters and senders
---------------------------------
* Call ``relay_incoming(app, incoming, message_id=..., reply_to=...)`` for a plain message
  (``incoming.is_message``) in a group chat that no form was waiting for. ``message_id`` is
  the platform's id of the message in its chat (Telegram message_id, Slack ts, Discord
  snowflake); ``reply_to`` the id of the message it answers, if any (Slack: thread_ts).
  Redelivered updates are relayed once: the source (platform, workspace, chat, message id)
  is recorded and the outbox keys are derived from it.
* ``relay_edit`` and ``relay_delete`` follow an edit or a deletion of a relayed message.
* Each copy is an outbox message of kind ``relay``, keyed ``relay:<digest>:<channel id>``;
  edits are kind ``relay_edit`` (``relay_edit:<digest>:<channel id>:<tag>``) and deletions
  kind ``relay_delete``. The stored reply holds, besides the usual ``Reply`` fields, a
  ``relay`` object (see ``RelayMeta``). A sender resolves it at send time with
  ``delivery_context(session, key)`` (``delivery_context_of(app, kind, key)`` opens its
  own session): the platform message id to reply to, to edit or to delete, read from the
  copies' ``platform_message_id`` the senders record. A sender must record
  ``platform_message_id`` for ``relay`` messages, answer ``reply_to`` where it is known
  (Telegram reply_parameters, Slack thread_ts, Discord message_reference), edit instead of
  post for ``relay_edit`` and delete for ``relay_delete`` (a transient failure while the
  copy's id is not recorded yet, so the worker tries again). Text is plain: adapters
  escape it for their markup as for any reply.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
import weakref
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import ChatKind, Incoming
from ..chat.replies import Audience, Reply
from ..db.base import insert_for, table_of
from ..db.models import (
    GroupChannel,
    GroupMembership,
    GroupRelay,
    Member,
    OutboxMessage,
    PlatformAccount,
)
from ..domain import Platform
from ..i18n import isolate_for
from ..i18n.bidi import strip_controls
from .domain import MembershipState

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = [
    "DELETE_KIND",
    "EDIT_KIND",
    "RELAY_KIND",
    "DeliveryContext",
    "Outcome",
    "RelayQueue",
    "RelayResult",
    "Source",
    "copy_key",
    "delivery_context",
    "delivery_context_of",
    "neutralise",
    "relay_batch",
    "relay_delete",
    "relay_edit",
    "relay_incoming",
    "relay_message",
    "source_digest",
]

log = logging.getLogger(__name__)

RELAY_KIND = "relay"
EDIT_KIND = "relay_edit"
DELETE_KIND = "relay_delete"
RELAY_KINDS = frozenset({RELAY_KIND, EDIT_KIND, DELETE_KIND})
TEXT_MAX = 3800  # leaves room for the author line within Telegram's 4096 characters
PLATFORM_NAMES = {
    Platform.CONSOLE: "Console",
    Platform.TELEGRAM: "Telegram",
    Platform.SLACK: "Slack",
    Platform.DISCORD: "Discord",
}

WORD_JOINER = "\u2060"  # invisible, and breaks what platforms read as a mention
# "@everyone", "@here", "@channel", "@username" (not the @ of an e-mail address)
_AT_MENTION = re.compile(r"(?<![\w@])@(?=[\w])", re.UNICODE)
# Slack "<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C1>", "<!subteam^S1>";
# Discord "<@123>", "<@!123>", "<@&role>", "<#channel>"
_ANGLE_MENTION = re.compile(r"<(?=[!@#])")
# Fullwidth or small at signs some clients also read as @
_AT_LOOKALIKES = str.maketrans({"\uff20": "@", "\ufe6b": "@"})


def neutralise(text: str) -> str:
    """``text`` with every mention broken by an invisible word joiner, so that relaying it
    pings nobody on any platform; bidi overrides are removed. The text reads the same."""
    text = strip_controls(text).translate(_AT_LOOKALIKES)
    text = _AT_MENTION.sub("@" + WORD_JOINER, text)
    return _ANGLE_MENTION.sub("<" + WORD_JOINER, text)


def source_digest(platform: str, workspace: str, chat_id: str, message_id: str) -> str:
    raw = "\x1f".join((str(platform), workspace, chat_id, message_id))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def copy_key(digest: str, channel_id: int) -> str:
    return f"{RELAY_KIND}:{digest}:{channel_id}"


def _tag(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _relayed_text(author: str, platform: str, text: str) -> str:
    name = neutralise(isolate_for(author.strip() or "?", "en"))
    body = neutralise(text.strip())
    if len(body) > TEXT_MAX:
        body = body[: TEXT_MAX - 1] + "…"
    label = PLATFORM_NAMES.get(Platform(platform), str(platform))
    return f"{name} ({label}): {body}"


class Outcome(StrEnum):
    RELAYED = "relayed"
    NOT_MAPPED = "not_mapped"  # the chat is no channel of any group
    BANNED = "banned"  # the author is banned from the group
    DUPLICATE = "duplicate"  # this message was relayed already
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Source:
    """A message as the platform gave it."""

    platform: str
    workspace: str
    chat_id: str
    message_id: str
    user_id: str
    display_name: str = ""
    text: str = ""
    reply_to: str | None = None  # the platform id of the message it answers

    @property
    def digest(self) -> str:
        return source_digest(self.platform, self.workspace, self.chat_id, self.message_id)


@dataclass(frozen=True, slots=True)
class RelayResult:
    outcome: Outcome
    queued: int = 0
    relay_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Channel:
    id: int
    group_id: int
    platform: str
    workspace: str
    chat_id: str


_Chat = tuple[str, str, str]  # platform, workspace, chat id


def _chat(src: Source) -> _Chat:
    return (src.platform, src.workspace, src.chat_id)


async def _channels_of(session: AsyncSession, chats: set[_Chat]) -> dict[_Chat, list[_Channel]]:
    """For each source chat that is mapped: every channel of its group."""
    chat_ids = sorted({c[2] for c in chats})
    group_of = select(GroupChannel.group_id).where(GroupChannel.chat_id.in_(chat_ids))
    rows = await session.execute(
        select(
            GroupChannel.id,
            GroupChannel.group_id,
            GroupChannel.platform,
            GroupChannel.workspace,
            GroupChannel.chat_id,
        )
        .where(GroupChannel.group_id.in_(group_of))
        .order_by(GroupChannel.id)
    )
    by_group: dict[int, list[_Channel]] = {}
    for i, g, p, w, c in rows.all():
        by_group.setdefault(g, []).append(_Channel(i, g, str(p), w, c))
    found: dict[_Chat, list[_Channel]] = {}
    for channels in by_group.values():
        for channel in channels:
            where = (channel.platform, channel.workspace, channel.chat_id)
            if where in chats:
                found[where] = channels
    return found


@dataclass(frozen=True, slots=True)
class _Author:
    member_id: int
    name: str
    banned_from: frozenset[int]


async def _authors(
    session: AsyncSession, users: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], _Author]:
    """The members behind these platform accounts, and the groups that banned them."""
    user_ids = sorted({u[2] for u in users})
    rows = (
        await session.execute(
            select(
                PlatformAccount.platform,
                PlatformAccount.workspace,
                PlatformAccount.user_id,
                Member.id,
                Member.full_name,
            )
            .join(Member, Member.id == PlatformAccount.member_id)
            .where(PlatformAccount.user_id.in_(user_ids))
        )
    ).all()
    accounts = {(str(p), w, u): (m, n) for p, w, u, m, n in rows if (str(p), w, u) in users}
    if not accounts:
        return {}
    bans = await session.execute(
        select(GroupMembership.member_id, GroupMembership.group_id).where(
            GroupMembership.member_id.in_(sorted({m for m, _n in accounts.values()})),
            GroupMembership.state == MembershipState.BANNED,
        )
    )
    banned: dict[int, set[int]] = {}
    for member_id, group_id in bans.all():
        banned.setdefault(member_id, set()).add(group_id)
    return {
        user: _Author(member_id, name, frozenset(banned.get(member_id, ())))
        for user, (member_id, name) in accounts.items()
    }


async def _parent(
    session: AsyncSession, src: Source, channels: list[_Channel]
) -> GroupRelay | None:
    """The relayed message ``src`` answers: an original posted in this chat, or a copy the
    bot posted here (found by the platform message id its sender recorded)."""
    if not src.reply_to:
        return None
    own = await session.scalar(
        select(GroupRelay).where(
            GroupRelay.digest
            == source_digest(src.platform, src.workspace, src.chat_id, src.reply_to)
        )
    )
    if own is not None:
        return own
    key = await session.scalar(
        select(OutboxMessage.key).where(
            OutboxMessage.platform == src.platform,
            OutboxMessage.workspace == src.workspace,
            OutboxMessage.chat_id == src.chat_id,
            OutboxMessage.platform_message_id == src.reply_to,
            OutboxMessage.kind == RELAY_KIND,
        )
    )
    if key is None:
        return None
    parent = await session.scalar(select(GroupRelay).where(GroupRelay.digest == key.split(":")[1]))
    if parent is None or parent.group_id != channels[0].group_id:
        return None
    return parent


async def _known_ids(session: AsyncSession, keys: list[str]) -> dict[str, str | None]:
    if not keys:
        return {}
    rows = await session.execute(
        select(OutboxMessage.key, OutboxMessage.platform_message_id).where(
            OutboxMessage.key.in_(keys)
        )
    )
    return {str(k): m for k, m in rows.all()}


async def _reply_to(
    session: AsyncSession, parent: GroupRelay | None, others: list[_Channel]
) -> dict[int, dict[str, str | None]]:
    """For each target channel, the message a copy answers there."""
    if parent is None:
        return {}
    known = await _known_ids(session, [copy_key(parent.digest, c.id) for c in others])
    refs: dict[int, dict[str, str | None]] = {}
    for channel in others:
        if parent.channel_id == channel.id:  # the answered message was posted there
            refs[channel.id] = {"key": None, "message_id": parent.source_message_id}
        elif (key := copy_key(parent.digest, channel.id)) in known:
            refs[channel.id] = {"key": key, "message_id": known[key]}
    return refs


def _outbox_row(
    key: str, kind: str, channel: tuple[str, str, str], reply: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    platform, workspace, chat_id = channel
    return {
        "key": key,
        "kind": kind,
        "batch": None,
        "platform": platform,
        "workspace": workspace,
        "chat_id": chat_id,
        "reply": reply,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "history": [],
        "created_at": now,
    }


async def relay_batch(
    session: AsyncSession, sources: list[Source], *, now: dt.datetime
) -> list[RelayResult]:
    """Record each source and queue one copy per other channel of its group, in the
    caller's transaction, with a few set-based statements for the whole batch. Never queues
    a copy for the source chat, nor twice for one message (also within one batch).

    A reply whose message is in the same batch (a quick answer under load) is written in a
    later run of the batch, once its parent is recorded, so it stays a reply."""
    results: list[RelayResult] = []
    for run in _runs(sources):
        results += await _relay_run(session, run, now=now)
    return results


def _runs(sources: list[Source]) -> list[list[Source]]:
    """``sources`` cut into runs in which no message answers another of the same run."""
    runs: list[list[Source]] = [[]]
    here: set[str] = set()
    for src in sources:
        if src.reply_to and (
            source_digest(src.platform, src.workspace, src.chat_id, src.reply_to) in here
        ):
            runs.append([])
            here = set()
        runs[-1].append(src)
        here.add(src.digest)
    return [run for run in runs if run]


async def _relay_run(
    session: AsyncSession, sources: list[Source], *, now: dt.datetime
) -> list[RelayResult]:
    results: list[RelayResult | None] = [None] * len(sources)
    for n, src in enumerate(sources):
        if not src.text.strip():
            results[n] = RelayResult(Outcome.EMPTY)
    live = [n for n, r in enumerate(results) if r is None]
    channels = await _channels_of(session, {_chat(sources[n]) for n in live}) if live else {}
    for n in live:
        if _chat(sources[n]) not in channels:
            results[n] = RelayResult(Outcome.NOT_MAPPED)
    live = [n for n in live if results[n] is None]
    users = {(sources[n].platform, sources[n].workspace, sources[n].user_id) for n in live}
    authors = await _authors(session, users) if live else {}
    relays: list[dict[str, Any]] = []
    copies: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for n in live:
        src = sources[n]
        group = channels[_chat(src)]
        here = next(c for c in group if (c.platform, c.workspace, c.chat_id) == _chat(src))
        author = authors.get((src.platform, src.workspace, src.user_id))
        if author is not None and here.group_id in author.banned_from:
            results[n] = RelayResult(Outcome.BANNED)
            continue
        digest = src.digest
        if digest in seen:
            results[n] = RelayResult(Outcome.DUPLICATE)
            continue
        seen.add(digest)
        name = author.name if author is not None else (src.display_name or src.user_id)
        parent = await _parent(session, src, group) if src.reply_to else None
        relays.append(
            {
                "digest": digest,
                "group_id": here.group_id,
                "channel_id": here.id,
                "source_message_id": src.message_id,
                "author_id": author.member_id if author is not None else None,
                "author_name": name,
                "text": src.text.strip(),
                "reply_to_id": parent.id if parent is not None else None,
                "created_at": now,
            }
        )
        others = [c for c in group if c.id != here.id]
        refs = await _reply_to(session, parent, others)
        base = Reply(text=_relayed_text(name, src.platform, src.text), audience=Audience.PUBLIC)
        payload = base.to_dict()
        source = {
            "platform": src.platform,
            "workspace": src.workspace,
            "chat_id": src.chat_id,
            "message_id": src.message_id,
        }
        copies[digest] = [
            _outbox_row(
                copy_key(digest, c.id),
                RELAY_KIND,
                (c.platform, c.workspace, c.chat_id),
                {
                    **payload,
                    "relay": {
                        "group_id": here.group_id,
                        "source": source,
                        "author": name,
                        "reply_to": refs.get(c.id),
                    },
                },
                now,
            )
            for c in others
        ]
    if not relays:
        return [r or RelayResult(Outcome.EMPTY) for r in results]
    insert = insert_for(session)
    created = dict(
        (
            await session.execute(
                insert(table_of(GroupRelay))
                .on_conflict_do_nothing(index_elements=["digest"])
                .returning(GroupRelay.digest, GroupRelay.id),
                relays,
            )
        ).all()
    )
    rows = []
    for digest, relay_id in created.items():
        for row in copies[digest]:
            row["reply"]["relay"]["relay_id"] = relay_id
            rows.append(row)
    if rows:
        await session.execute(
            insert(table_of(OutboxMessage)).on_conflict_do_nothing(index_elements=["key"]), rows
        )
    for n in live:
        if results[n] is None:
            digest = sources[n].digest
            relay_id = created.get(digest)
            results[n] = (
                RelayResult(Outcome.RELAYED, len(copies[digest]), relay_id)
                if relay_id is not None
                else RelayResult(Outcome.DUPLICATE)
            )
    return [r or RelayResult(Outcome.EMPTY) for r in results]


async def relay_message(session: AsyncSession, src: Source, *, now: dt.datetime) -> RelayResult:
    """``relay_batch`` for one message."""
    [result] = await relay_batch(session, [src], now=now)
    return result


async def _follow(
    session: AsyncSession,
    src: Source,
    *,
    kind: str,
    tag: str,
    now: dt.datetime,
) -> int:
    """Queue an edit or a deletion for every copy of a relayed message."""
    relay = await session.scalar(
        select(GroupRelay).where(GroupRelay.digest == src.digest).with_for_update()
    )
    if relay is None:
        return 0
    if relay.author_id is not None:
        state = await session.scalar(
            select(GroupMembership.state).where(
                GroupMembership.group_id == relay.group_id,
                GroupMembership.member_id == relay.author_id,
            )
        )
        if state is MembershipState.BANNED:
            return 0
    channels = await session.execute(
        select(GroupChannel.id).where(
            GroupChannel.group_id == relay.group_id, GroupChannel.id != relay.channel_id
        )
    )
    keys = [copy_key(relay.digest, cid) for cid in channels.scalars().all()]
    copies = (
        await session.execute(
            select(
                OutboxMessage.key,
                OutboxMessage.platform,
                OutboxMessage.workspace,
                OutboxMessage.chat_id,
                OutboxMessage.platform_message_id,
            ).where(OutboxMessage.key.in_(keys))
        )
    ).all()
    if not copies:
        return 0
    if kind == EDIT_KIND:
        relay.text = src.text.strip()
        text = _relayed_text(relay.author_name, src.platform, src.text)
    else:
        text = ""
    base = Reply(text=text, audience=Audience.PUBLIC).to_dict()
    field = "edit_of" if kind == EDIT_KIND else "delete_of"
    rows: list[dict[str, Any]] = [
        {
            "key": f"{kind}:{key.removeprefix(RELAY_KIND + ':')}:{tag}",
            "kind": kind,
            "batch": None,
            "platform": platform,
            "workspace": workspace,
            "chat_id": chat_id,
            "reply": {
                **base,
                "relay": {
                    "group_id": relay.group_id,
                    "relay_id": relay.id,
                    field: {"key": key, "message_id": message_id},
                },
            },
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "history": [],
            "created_at": now,
        }
        for key, platform, workspace, chat_id, message_id in copies
    ]
    result = await session.execute(
        insert_for(session)(table_of(OutboxMessage))
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id),
        rows,
    )
    queued = len(result.all())
    if kind == DELETE_KIND:
        await session.execute(update(GroupRelay).where(GroupRelay.id == relay.id).values(text=""))
    return queued


async def edit_message(
    session: AsyncSession, src: Source, *, now: dt.datetime, edit_id: str | None = None
) -> int:
    """Queue the new text of a relayed message for each copy; the number queued.
    ``edit_id`` (the platform's edit timestamp) tells two edits apart; without it the new
    text does."""
    if not src.text.strip():
        return 0
    return await _follow(session, src, kind=EDIT_KIND, tag=_tag(edit_id or src.text), now=now)


async def delete_message(session: AsyncSession, src: Source, *, now: dt.datetime) -> int:
    return await _follow(session, src, kind=DELETE_KIND, tag="0", now=now)


# --- entry points for the dispatcher and the adapters -------------------------------------
class RelayQueue:
    """Writes the messages that arrive while a transaction is in flight together, in the
    next transaction: under load, one commit carries many messages (a caller still returns
    only once its own message is committed, so nothing acknowledged is lost). A batch that
    fails is retried message by message, so one bad message sinks no other."""

    def __init__(self, app: App, max_batch: int = 500) -> None:
        self._app = app
        self._max_batch = max_batch
        self._waiting: list[tuple[Source, asyncio.Future[RelayResult]]] = []
        self._drain: asyncio.Task[None] | None = None

    async def relay(self, src: Source) -> RelayResult:
        future: asyncio.Future[RelayResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((src, future))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        try:
            await self._drain_all()
        except BaseException as exc:  # cancelled at shutdown: nobody waits forever
            for _src, future in self._waiting:
                if not future.done():
                    future.set_exception(exc)
            self._waiting.clear()
            raise

    async def _drain_all(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                results = await self._write([src for src, _ in batch])
            except Exception:
                log.warning("relay: a batch of %d failed; retrying one by one", len(batch))
                for src, future in batch:
                    try:
                        [result] = await self._write([src])
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(result)
                continue
            for (_src, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _write(self, sources: list[Source]) -> list[RelayResult]:
        async with self._app.db.sessions.begin() as session:
            return await relay_batch(session, sources, now=self._app.clock.now())


_queues: weakref.WeakKeyDictionary[object, RelayQueue] = weakref.WeakKeyDictionary()


def _queue_for(app: App) -> RelayQueue:
    """One queue per database engine (and so per App and event loop)."""
    queue = _queues.get(app.db.engine)
    if queue is None:
        queue = _queues[app.db.engine] = RelayQueue(app)
    return queue


def _source(incoming: Incoming, message_id: str, reply_to: str | None) -> Source:
    return Source(
        platform=incoming.platform.value,
        workspace=incoming.workspace,
        chat_id=incoming.chat_id,
        message_id=message_id,
        user_id=incoming.user_id,
        display_name=incoming.display_name or (incoming.handle or ""),
        text=incoming.text,
        reply_to=reply_to,
    )


def _message_id(incoming: Incoming, given: str | None) -> str | None:
    # ``Incoming`` may grow a message_id field; until then adapters pass it explicitly.
    found = given or getattr(incoming, "message_id", None)
    return str(found) if found else None


async def relay_incoming(
    app: App,
    incoming: Incoming,
    *,
    message_id: str | None = None,
    reply_to: str | None = None,
) -> list[Reply]:
    """Relay a plain message posted in a mapped group chat. Returns the replies for the
    source chat: none (the message is already there; nothing echoes back)."""
    if not incoming.is_message or incoming.chat_kind is not ChatKind.GROUP:
        return []
    found = _message_id(incoming, message_id)
    if found is None:
        log.warning("relay: a group message from %s came without a message id", incoming.platform)
        return []
    reply_to = reply_to or getattr(incoming, "reply_to", None)
    await _queue_for(app).relay(_source(incoming, found, reply_to))
    return []


async def relay_edit(
    app: App,
    incoming: Incoming,
    *,
    message_id: str | None = None,
    edit_id: str | None = None,
) -> int:
    """Follow an edit: ``incoming.text`` is the new text of the message ``message_id``."""
    found = _message_id(incoming, message_id)
    if found is None or incoming.chat_kind is not ChatKind.GROUP:
        return 0
    async with app.db.sessions.begin() as session:
        return await edit_message(
            session, _source(incoming, found, None), now=app.clock.now(), edit_id=edit_id
        )


async def relay_delete(app: App, incoming: Incoming, *, message_id: str | None = None) -> int:
    """Follow a deletion of the message ``message_id`` in ``incoming``'s chat."""
    found = _message_id(incoming, message_id)
    if found is None or incoming.chat_kind is not ChatKind.GROUP:
        return 0
    async with app.db.sessions.begin() as session:
        return await delete_message(session, _source(incoming, found, None), now=app.clock.now())


# --- for the senders ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """What a sender needs besides the reply: the platform message id to answer (reply,
    thread), to edit or to delete in the target chat. None where it is not known (yet)."""

    kind: str
    reply_to: str | None = None
    edit_of: str | None = None
    delete_of: str | None = None


async def delivery_context(session: AsyncSession, key: str) -> DeliveryContext | None:
    """For an outbox key of a relay, an edit or a deletion: ids resolved now, from the
    copies' recorded ``platform_message_id``. None for any other message."""
    kind = key.split(":", 1)[0]
    if kind not in (RELAY_KIND, EDIT_KIND, DELETE_KIND):
        return None
    reply = await session.scalar(select(OutboxMessage.reply).where(OutboxMessage.key == key))
    meta = (reply or {}).get("relay") or {}

    async def resolve(ref: dict[str, Any] | None) -> str | None:
        if not ref:
            return None
        if ref.get("message_id"):
            return str(ref["message_id"])
        if ref.get("key"):
            return await session.scalar(
                select(OutboxMessage.platform_message_id).where(OutboxMessage.key == ref["key"])
            )
        return None

    return DeliveryContext(
        kind=kind,
        reply_to=await resolve(meta.get("reply_to")),
        edit_of=await resolve(meta.get("edit_of")),
        delete_of=await resolve(meta.get("delete_of")),
    )


async def delivery_context_of(app: App, kind: str, key: str) -> DeliveryContext | None:
    """``delivery_context`` in a session of its own, for an outbox message of ``kind``;
    None (without touching the database) for a message that is no relay."""
    if kind not in RELAY_KINDS:
        return None
    async with app.db.sessions() as session:
        return await delivery_context(session, key)
