"""Channels mapped to a group: a group's moderator maps the channel they are typing in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor, ChatKind, Incoming
from ..db.models import Group, GroupChannel
from ..errors import UserError
from ..i18n import N_
from ..offers.audit import audit
from .groups import find_group, load_group, require_moderator
from .vocabulary import localized

__all__ = ["ChannelRef", "channel_of", "map_channel", "unmap_channel"]


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a channel is: the platform, its workspace (Slack team, Discord guild) and id."""

    platform: str
    workspace: str
    chat_id: str

    @classmethod
    def of(cls, incoming: Incoming) -> ChannelRef:
        if incoming.chat_kind is not ChatKind.GROUP or not incoming.chat_id:
            raise UserError(
                N_(
                    "Send this command inside the channel you want to map, "
                    "not in a private chat with the bot."
                )
            )
        return cls(incoming.platform.value, incoming.workspace, incoming.chat_id)


async def channel_of(session: AsyncSession, where: ChannelRef) -> GroupChannel | None:
    return await session.scalar(
        select(GroupChannel).where(
            GroupChannel.platform == where.platform,
            GroupChannel.workspace == where.workspace,
            GroupChannel.chat_id == where.chat_id,
        )
    )


async def map_channel(
    session: AsyncSession,
    actor: Actor,
    incoming: Incoming,
    text: str,
    *,
    invite_url: str | None,
    now: dt.datetime,
) -> tuple[Group, bool]:
    """Map the channel ``incoming`` comes from to a group (True), or update its invitation
    link when it is mapped to that group already (False). Audited."""
    where = ChannelRef.of(incoming)
    group = await find_group(session, text)
    moderator_id = await require_moderator(session, actor, group)
    mapped = await channel_of(session, where)
    if mapped is not None and mapped.group_id != group.id:
        other = await load_group(session, mapped.group_id)
        raise UserError(
            N_("This channel is already mapped to {group}; send /groups unmap here first."),
            group=localized(other.names),
        )
    created = mapped is None
    if mapped is None:
        mapped = GroupChannel(
            group_id=group.id,
            platform=where.platform,
            workspace=where.workspace,
            chat_id=where.chat_id,
            mapped_by_id=moderator_id,
            created_at=now,
        )
        session.add(mapped)
    if invite_url:
        mapped.invite_url = invite_url
    await session.flush()
    await audit(
        session,
        actor_id=moderator_id,
        action="group.map" if created else "group.link",
        subject="group",
        subject_id=group.id,
        now=now,
        platform=where.platform,
        chat_id=where.chat_id,
    )
    return group, created


async def unmap_channel(
    session: AsyncSession, actor: Actor, incoming: Incoming, *, now: dt.datetime
) -> Group:
    where = ChannelRef.of(incoming)
    mapped = await channel_of(session, where)
    if mapped is None:
        raise UserError(N_("This channel is not mapped to any group."))
    group = await load_group(session, mapped.group_id)
    moderator_id = await require_moderator(session, actor, group)
    await session.delete(mapped)
    await session.flush()
    await audit(
        session,
        actor_id=moderator_id,
        action="group.unmap",
        subject="group",
        subject_id=group.id,
        now=now,
        platform=where.platform,
        chat_id=where.chat_id,
    )
    return group
