"""A group's weekly digest: its most active threads of the week, for the members who did
not take part in them.

A thread is a message relayed in the group's channels and the replies to it. The most active
are those with the most replies in the week (then the most recent). Platforms do not tell
who read a channel, so "did not read" is approximated by "did not post in the group that
week": those members get the summary privately, through the outbox, once per group, week
and member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import Group, GroupMembership, GroupRelay
from ..delivery.outbox import notify_member
from ..i18n import gettext, isolate_for, ngettext
from ..offers.audit import audit
from .domain import MembershipState
from .groups import require_moderator
from .vocabulary import localized

__all__ = ["TOP_THREADS", "Thread", "queue_group_digests", "set_weekly_digest", "top_threads"]

TOP_THREADS = 5
EXCERPT = 160
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Thread:
    author: str
    text: str
    replies: int


async def set_weekly_digest(
    session: AsyncSession, actor: Actor, group: Group, on: bool, *, now: dt.datetime
) -> None:
    """Moderators turn the group's weekly digest on or off; audited."""
    moderator_id = await require_moderator(session, actor, group)
    group.weekly_digest = on
    await audit(
        session,
        actor_id=moderator_id,
        action="group.digest_on" if on else "group.digest_off",
        subject="group",
        subject_id=group.id,
        now=now,
    )


async def top_threads(
    session: AsyncSession, group_id: int, since: dt.datetime, until: dt.datetime
) -> list[Thread]:
    """The week's threads of the group with the most replies (at least one)."""
    reply = aliased(GroupRelay)
    replies = func.count(reply.id)
    rows = await session.execute(
        select(GroupRelay.author_name, GroupRelay.text, replies)
        .join(reply, reply.reply_to_id == GroupRelay.id)
        .where(
            GroupRelay.group_id == group_id,
            GroupRelay.reply_to_id.is_(None),
            reply.created_at >= since,
            reply.created_at < until,
            GroupRelay.text != "",  # an erased author's messages are emptied
        )
        .group_by(GroupRelay.id, GroupRelay.author_name, GroupRelay.text)
        .order_by(replies.desc(), func.max(reply.created_at).desc(), GroupRelay.id.desc())
        .limit(TOP_THREADS)
    )
    return [Thread(author, text, count) for author, text, count in rows]


def digest_reply(names: dict[str, str], threads: list[Thread]) -> Reply:
    """The digest in the current locale."""
    lines = []
    for thread in threads:
        text = thread.text if len(thread.text) <= EXCERPT else thread.text[: EXCERPT - 1] + "…"
        replies = ngettext("{count} reply", "{count} replies", thread.replies)
        lines.append(f"• {isolate_for(thread.author)}: {isolate_for(text)} ({replies})")
    title = gettext(
        "The week's most active conversations in {group}:", group=isolate_for(localized(names))
    )
    return Reply(text="\n".join([title, *lines]))


async def queue_group_digests(session: AsyncSession, *, fire_time: dt.datetime) -> int:
    """For every group with the weekly digest on and active threads this week, queue the
    summary to each member who did not post in it; returns how many were queued."""
    since = fire_time - WEEK
    year, week, _ = fire_time.isocalendar()
    queued = 0
    groups = (await session.execute(select(Group.id, Group.names).where(Group.weekly_digest))).all()
    for group_id, names in groups:
        threads = await top_threads(session, group_id, since, fire_time)
        if not threads:
            continue
        posted = select(GroupRelay.author_id).where(
            GroupRelay.group_id == group_id,
            GroupRelay.created_at >= since,
            GroupRelay.author_id.is_not(None),
        )
        readers = await session.scalars(
            select(GroupMembership.member_id)
            .where(
                GroupMembership.group_id == group_id,
                GroupMembership.state == MembershipState.ACTIVE,
                GroupMembership.member_id.not_in(posted),
            )
            .order_by(GroupMembership.member_id)
        )
        for member_id in readers:
            queued += await notify_member(
                session,
                member_id,
                key=f"group-digest:{group_id}:{year}-W{week:02d}:{member_id}",
                kind="group_digest",
                build=partial(digest_reply, dict(names), threads),
                now=fire_time,
            )
    return queued
