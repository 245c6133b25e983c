"""Moderation: who is in a group, moderators, removing and banning members, reports about
messages. Every act is written to the audit log (subject "group")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.callbacks import STALE_BUTTON
from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import Group, GroupMembership, GroupRelay, GroupReport, Member
from ..delivery.outbox import notify_member
from ..domain import Role, fold
from ..errors import UserError
from ..i18n import N_, collated
from ..offers.audit import audit
from .access import ChannelAction, queue_channel_access
from .domain import GroupRole, MembershipState
from .groups import load_group, moderator_ids, require_member, require_moderator
from .vocabulary import localized

__all__ = [
    "GroupPerson",
    "OpenReport",
    "close_report",
    "find_person",
    "group_people",
    "open_reports",
    "remove_member",
    "report_message",
    "set_moderator",
]


@dataclass(frozen=True, slots=True)
class GroupPerson:
    member_id: int
    name: str
    role: GroupRole
    state: MembershipState


@dataclass(frozen=True, slots=True)
class OpenReport:
    report_id: int
    reporter: str
    reason: str
    author: str | None  # of the reported message, when the report names one
    excerpt: str | None
    created_at: dt.datetime


async def group_people(session: AsyncSession, group: Group, limit: int = 50) -> list[GroupPerson]:
    """Members (owner and moderators first), then banned people."""
    rows = await session.execute(
        select(
            GroupMembership.member_id,
            Member.full_name,
            GroupMembership.role,
            GroupMembership.state,
        )
        .join(Member, Member.id == GroupMembership.member_id)
        .where(
            GroupMembership.group_id == group.id,
            GroupMembership.state != MembershipState.PENDING,
        )
        .order_by(GroupMembership.state, GroupMembership.role.desc(), Member.name_key)
        .limit(limit)
    )
    people = [GroupPerson(*row) for row in rows.all()]
    order = {GroupRole.OWNER: 0, GroupRole.MODERATOR: 1, GroupRole.MEMBER: 2}
    people = collated(people, lambda p: p.name)
    return sorted(people, key=lambda p: (p.state is MembershipState.BANNED, order[p.role]))


async def find_person(session: AsyncSession, group: Group, name: str) -> GroupPerson:
    """One person of the group by name (accents and case aside, a unique prefix is enough)."""
    key = fold(name)
    people = await group_people(session, group, limit=10_000)
    exact = [p for p in people if fold(p.name) == key]
    found = exact or [p for p in people if key and fold(p.name).startswith(key)]
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(
            N_("Several people of {group} match {name}: {names}."),
            group=localized(group.names),
            name=name,
            names=", ".join(p.name for p in found[:5]),
        )
    raise UserError(
        N_("Nobody called {name} is in {group}."), name=name, group=localized(group.names)
    )


async def _target(session: AsyncSession, group: Group, member_id: int) -> GroupMembership:
    row = await session.scalar(
        select(GroupMembership)
        .where(GroupMembership.group_id == group.id, GroupMembership.member_id == member_id)
        .with_for_update()
    )
    if row is None:
        raise UserError(STALE_BUTTON)
    return row


async def remove_member(
    session: AsyncSession,
    actor: Actor,
    group_id: int,
    member_id: int,
    *,
    ban: bool,
    now: dt.datetime,
    reason: str = "",
) -> Group:
    """Remove a member (they may join again) or ban them (they may not, and their messages
    are no longer relayed). The owner cannot be removed; audited."""
    group = await load_group(session, group_id)
    moderator_id = await require_moderator(session, actor, group)
    row = await _target(session, group, member_id)
    if row.role is GroupRole.OWNER:
        raise UserError(N_("The owner of a group cannot be removed or banned."))
    since, was_active = row.created_at, row.state is MembershipState.ACTIVE
    if ban:
        if row.state is MembershipState.BANNED:
            raise UserError(N_("This person is already banned."))
        row.state = MembershipState.BANNED
        row.role = GroupRole.MEMBER
        row.updated_at = now
    else:
        if row.state is MembershipState.BANNED:
            raise UserError(N_("This person is already banned."))
        await session.delete(row)
    if ban or was_active:  # a pending request is in no channel; a ban keeps them out anyway
        action = ChannelAction.BAN if ban else ChannelAction.REMOVE
        await queue_channel_access(session, group.id, member_id, action, since=since, now=now)
    await session.flush()
    await audit(
        session,
        actor_id=moderator_id,
        action="group.ban" if ban else "group.remove",
        subject="group",
        subject_id=group.id,
        now=now,
        member_id=member_id,
        reason=reason,
    )
    return group


async def set_moderator(
    session: AsyncSession,
    actor: Actor,
    group_id: int,
    member_id: int,
    *,
    now: dt.datetime,
) -> Group:
    """The owner (or an administrator) makes an active member a moderator; audited."""
    group = await load_group(session, group_id)
    acting = require_member(actor)
    admin = actor.has_role(Role.GLOBAL_ADMIN) or (
        group.country_code is not None and actor.admin_of(group.country_code)
    )
    if group.owner_id != acting and not admin:
        raise UserError(N_("Only the owner of {group} can do this."), group=localized(group.names))
    row = await _target(session, group, member_id)
    if row.state is not MembershipState.ACTIVE:
        raise UserError(STALE_BUTTON)
    if row.role is GroupRole.MEMBER:
        row.role = GroupRole.MODERATOR
        row.updated_at = now
        await session.flush()
        await audit(
            session,
            actor_id=acting,
            action="group.moderator",
            subject="group",
            subject_id=group.id,
            now=now,
            member_id=member_id,
        )
    return group


async def report_message(
    session: AsyncSession,
    actor: Actor,
    group: Group,
    reason: str,
    *,
    now: dt.datetime,
    relay_id: int | None = None,
    announce: Callable[[Group, GroupReport], Reply] | None = None,
) -> GroupReport:
    """A member tells the moderators about a message (``relay_id``: the relayed message,
    when the platform said which one) or a behaviour; audited, moderators told."""
    member_id = require_member(actor)
    report = GroupReport(
        group_id=group.id,
        reporter_id=member_id,
        relay_id=relay_id,
        reason=reason.strip(),
        state="open",
        created_at=now,
    )
    session.add(report)
    await session.flush()
    await audit(
        session,
        actor_id=member_id,
        action="group.report",
        subject="group",
        subject_id=group.id,
        now=now,
        report_id=report.id,
    )
    if announce is not None:
        for moderator_id in await moderator_ids(session, group.id):
            await notify_member(
                session,
                moderator_id,
                key=f"group_report:{report.id}:{moderator_id}",
                kind="group_report",
                build=lambda: announce(group, report),
                now=now,
            )
    return report


async def open_reports(session: AsyncSession, actor: Actor, group: Group) -> list[OpenReport]:
    await require_moderator(session, actor, group)
    rows = await session.execute(
        select(
            GroupReport.id,
            Member.full_name,
            GroupReport.reason,
            GroupRelay.author_name,
            GroupRelay.text,
            GroupReport.created_at,
        )
        .outerjoin(Member, Member.id == GroupReport.reporter_id)
        .outerjoin(GroupRelay, GroupRelay.id == GroupReport.relay_id)
        .where(GroupReport.group_id == group.id, GroupReport.state == "open")
        .order_by(GroupReport.id)
        .limit(25)
    )
    return [
        OpenReport(rid, who or "", reason, author, excerpt, at)
        for rid, who, reason, author, excerpt, at in rows.all()
    ]


async def close_report(
    session: AsyncSession, actor: Actor, report_id: int, *, now: dt.datetime
) -> Group:
    report = await session.get(GroupReport, report_id, with_for_update=True)
    if report is None or report.state != "open":
        raise UserError(STALE_BUTTON)
    group = await load_group(session, report.group_id)
    moderator_id = await require_moderator(session, actor, group)
    report.state = "closed"
    await session.flush()
    await audit(
        session,
        actor_id=moderator_id,
        action="group.report_close",
        subject="group",
        subject_id=group.id,
        now=now,
        report_id=report.id,
    )
    return group
