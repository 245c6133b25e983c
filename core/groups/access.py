"""Who is in a group's channels: when a member leaves a group or is removed or banned from
it, their linked accounts are taken out of the group's mapped channels; when they join (or
are approved), what a former removal left behind is lifted.

Each change is one outbox message per mapped channel on which the member has an account
(same platform and workspace), of kind ``group_member``, written in the transaction of the
membership change. The key names the action, the group, the member, the channel and the
moment the membership began, so a redelivered command queues nothing twice while a member
who rejoins and leaves again is removed again. The stored message holds a ``membership``
object that a sender reads with ``ChannelMembership.of(delivery)`` and carries out the way
its platform allows:

* ``ban``: out, and kept out (Telegram banChatMember; Slack conversations.kick; Discord a
  member overwrite denying View Channel);
* ``remove``: out, free to come back (Telegram ban then unban ``only_if_banned``; Slack
  conversations.kick; Discord the same overwrite, lifted by a later ``admit``);
* ``admit``: in again (Telegram unban ``only_if_banned``; Slack conversations.invite;
  Discord the member overwrite deleted). Invitation links are given as before.

A member with no account on a channel's platform gets nothing queued for that channel. A
change still waiting for the same member and channel is withdrawn by the next one (a
removal retried late must not take out a member who has just rejoined). A platform refusal
(the bot lacks the rights, the person is the chat's owner) fails that one message, logged
and counted by the worker like any other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Reply
from ..db.models import GroupChannel, OutboxMessage, PlatformAccount
from ..delivery.outbox import Target, enqueue
from ..delivery.senders import Delivery
from ..domain import Platform

__all__ = ["MEMBERSHIP_KIND", "ChannelAction", "ChannelMembership", "queue_channel_access"]

MEMBERSHIP_KIND = "group_member"


class ChannelAction(StrEnum):
    BAN = "ban"  # out, and kept out
    REMOVE = "remove"  # out, free to come back
    ADMIT = "admit"  # in again: lift what a removal left behind


@dataclass(frozen=True, slots=True)
class ChannelMembership:
    """What a sender does in the delivery's channel, to the platform user ``user_id``."""

    action: ChannelAction
    user_id: str
    group_id: int

    @classmethod
    def of(cls, delivery: Delivery) -> ChannelMembership | None:
        """The instruction of a ``group_member`` message; None for any other message."""
        data = delivery.extras.get("membership")
        if delivery.kind != MEMBERSHIP_KIND or not isinstance(data, dict):
            return None
        return cls(ChannelAction(data["action"]), str(data["user_id"]), int(data["group_id"]))


async def queue_channel_access(
    session: AsyncSession,
    group_id: int,
    member_id: int,
    action: ChannelAction,
    *,
    since: dt.datetime,
    now: dt.datetime,
) -> int:
    """Queue ``action`` for each mapped channel of the group on which the member has an
    account; ``since`` is when the membership concerned began (it tells a member's
    successive memberships apart). Returns how many were queued."""
    rows = (
        await session.execute(
            select(
                GroupChannel.id,
                GroupChannel.platform,
                GroupChannel.workspace,
                GroupChannel.chat_id,
                PlatformAccount.user_id,
            )
            .join(
                PlatformAccount,
                and_(
                    PlatformAccount.platform == GroupChannel.platform,
                    PlatformAccount.workspace == GroupChannel.workspace,
                ),
            )
            .where(
                GroupChannel.group_id == group_id,
                PlatformAccount.member_id == member_id,
                GroupChannel.platform != Platform.CONSOLE,
            )
            .order_by(GroupChannel.id, PlatformAccount.id)
        )
    ).all()
    tag = int(since.timestamp() * 1_000_000)  # microseconds: two memberships never share one
    queued = 0
    for channel_id, platform, workspace, chat_id, user_id in rows:
        # The latest change wins: one still waiting (a removal retried after a 5xx, say)
        # must not undo this one by going out after it.
        superseded = [
            f"{MEMBERSHIP_KIND}:{other.value}:{group_id}:{member_id}:{channel_id}:"
            for other in ChannelAction
            if other is not action
        ]
        await session.execute(
            delete(OutboxMessage).where(
                or_(*(OutboxMessage.key.startswith(prefix) for prefix in superseded)),
                OutboxMessage.state == "pending",
            )
        )
        instruction = {"action": action.value, "user_id": user_id, "group_id": group_id}
        queued += await enqueue(
            session,
            key=f"{MEMBERSHIP_KIND}:{action.value}:{group_id}:{member_id}:{channel_id}:{tag}",
            kind=MEMBERSHIP_KIND,
            target=Target(platform, chat_id, workspace),
            reply=Reply(),
            now=now,
            extras={"membership": instruction},
        )
    return queued
