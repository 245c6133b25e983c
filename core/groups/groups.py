"""Groups and who is in them: create, find, search, join (or ask to), leave, and the
moderators' decision on a request to join a closed group."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.callbacks import STALE_BUTTON
from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import Group, GroupChannel, GroupMembership, Member
from ..delivery.outbox import notify_member
from ..domain import Platform, Role, fold
from ..errors import UserError
from ..i18n import N_
from ..offers.audit import audit
from .access import ChannelAction, queue_channel_access
from .domain import GroupKind, GroupRole, GroupVisibility, MembershipState
from .vocabulary import localized

__all__ = [
    "GroupInput",
    "GroupSummary",
    "JoinOutcome",
    "create_group",
    "decide_join",
    "find_group",
    "invite_links",
    "is_moderator",
    "join_group",
    "leave_group",
    "load_group",
    "moderator_ids",
    "pending_requests",
    "require_member",
    "require_moderator",
    "search_groups",
]

SEARCH_LIMIT = 15
_SLUG_RE = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class GroupInput:
    """Validated fields of a new group; ``names`` and ``descriptions`` by language."""

    names: dict[str, str]
    descriptions: dict[str, str]
    kind: GroupKind
    country_code: str | None = None
    visibility: GroupVisibility = GroupVisibility.OPEN


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group: Group
    members: int
    channels: int


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    group: Group
    state: MembershipState  # ACTIVE: joined; PENDING: the moderators are asked
    invites: list[tuple[Platform, str]]


def require_member(actor: Actor) -> int:
    if actor.member_id is None:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    return actor.member_id


def _slug_base(name: str) -> str:
    return _SLUG_RE.sub("-", fold(name)).strip("-_")[:50] or "group"


async def _free_slug(session: AsyncSession, name: str) -> str:
    base = _slug_base(name)
    taken = set(
        (
            await session.scalars(
                select(Group.slug).where((Group.slug == base) | Group.slug.startswith(base + "-"))
            )
        ).all()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _name_keys(names: dict[str, str]) -> str:
    return "|" + "|".join(dict.fromkeys(fold(n) for n in names.values() if n.strip())) + "|"


def _document(data: GroupInput) -> str:
    words = fold(" ".join([*data.names.values(), *data.descriptions.values()])).split()
    return " " + " ".join(dict.fromkeys(words)) + " "


async def create_group(
    session: AsyncSession, actor: Actor, data: GroupInput, *, now: dt.datetime
) -> Group:
    """A new group, owned by its creator (its first member)."""
    member_id = require_member(actor)
    first_name = next(iter(data.names.values()))
    group = Group(
        slug=await _free_slug(session, first_name),
        names=data.names,
        descriptions=data.descriptions,
        name_keys=_name_keys(data.names),
        search_document=_document(data),
        kind=data.kind,
        country_code=data.country_code,
        visibility=data.visibility,
        owner_id=member_id,
        created_at=now,
    )
    session.add(group)
    await session.flush()
    session.add(
        GroupMembership(
            group_id=group.id,
            member_id=member_id,
            role=GroupRole.OWNER,
            state=MembershipState.ACTIVE,
            created_at=now,
            updated_at=now,
        )
    )
    await audit(
        session,
        actor_id=member_id,
        action="group.create",
        subject="group",
        subject_id=group.id,
        now=now,
        slug=group.slug,
    )
    return group


async def find_group(session: AsyncSession, text: str) -> Group:
    """A group by its short name (slug) or by any of its names, accents and case aside."""
    wanted = text.strip()
    group = await session.scalar(select(Group).where(Group.slug == wanted.lower()))
    if group is not None:
        return group
    key = fold(wanted)
    found = (
        (
            await session.scalars(
                select(Group)
                .where(Group.name_keys.contains(f"|{key}|", autoescape=True))
                .order_by(Group.id)
                .limit(5)
            )
        ).all()
        if key
        else []
    )
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(
            N_("Several groups are called {name}; use the short name: {slugs}."),
            name=wanted,
            slugs=", ".join(g.slug for g in found),
        )
    raise UserError(
        N_("No group is called {name}. Send /groups to see the groups."), name=wanted[:80]
    )


async def load_group(session: AsyncSession, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise UserError(STALE_BUTTON)
    return group


async def search_groups(
    session: AsyncSession, text: str = "", country: str | None = None
) -> list[GroupSummary]:
    """Groups whose names or descriptions hold every word (prefixes, accent-insensitive),
    most members first."""
    members = (
        select(GroupMembership.group_id, func.count().label("n"))
        .where(GroupMembership.state == MembershipState.ACTIVE)
        .group_by(GroupMembership.group_id)
        .subquery()
    )
    channels = (
        select(GroupChannel.group_id, func.count().label("n"))
        .group_by(GroupChannel.group_id)
        .subquery()
    )
    stmt = (
        select(Group, func.coalesce(members.c.n, 0), func.coalesce(channels.c.n, 0))
        .outerjoin(members, members.c.group_id == Group.id)
        .outerjoin(channels, channels.c.group_id == Group.id)
        .order_by(func.coalesce(members.c.n, 0).desc(), Group.id)
        .limit(SEARCH_LIMIT)
    )
    for word in fold(text).split():
        stmt = stmt.where(Group.search_document.contains(" " + word, autoescape=True))
    if country:
        stmt = stmt.where(Group.country_code == country)
    rows = (await session.execute(stmt)).all()
    return [GroupSummary(group=g, members=int(m), channels=int(c)) for g, m, c in rows]


async def _membership(
    session: AsyncSession, group_id: int, member_id: int, *, lock: bool = False
) -> GroupMembership | None:
    stmt = select(GroupMembership).where(
        GroupMembership.group_id == group_id, GroupMembership.member_id == member_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def is_moderator(session: AsyncSession, actor: Actor, group: Group) -> bool:
    """Owner, moderators, the network's administrators and those of the group's country."""
    if actor.has_role(Role.GLOBAL_ADMIN):
        return True
    if group.country_code and actor.admin_of(group.country_code):
        return True
    if actor.member_id is None:
        return False
    own = await _membership(session, group.id, actor.member_id)
    return (
        own is not None
        and own.state is MembershipState.ACTIVE
        and own.role in (GroupRole.OWNER, GroupRole.MODERATOR)
    )


async def require_moderator(session: AsyncSession, actor: Actor, group: Group) -> int:
    member_id = require_member(actor)
    if not await is_moderator(session, actor, group):
        raise UserError(
            N_("Only the moderators of {group} can do this."), group=localized(group.names)
        )
    return member_id


async def moderator_ids(session: AsyncSession, group_id: int) -> list[int]:
    rows = await session.scalars(
        select(GroupMembership.member_id)
        .where(
            GroupMembership.group_id == group_id,
            GroupMembership.state == MembershipState.ACTIVE,
            GroupMembership.role.in_((GroupRole.OWNER, GroupRole.MODERATOR)),
        )
        .order_by(GroupMembership.member_id)
    )
    return list(rows.all())


async def invite_links(session: AsyncSession, group_id: int) -> list[tuple[Platform, str]]:
    """The known invitation links of the group's channels, one per platform and link."""
    rows = await session.execute(
        select(GroupChannel.platform, GroupChannel.invite_url)
        .where(GroupChannel.group_id == group_id, GroupChannel.invite_url.is_not(None))
        .order_by(GroupChannel.platform, GroupChannel.id)
    )
    return list(dict.fromkeys((p, url) for p, url in rows.all() if url))


def _request_key(group_id: int, member_id: int, asked_at: dt.datetime) -> str:
    return f"group_request:{group_id}:{member_id}:{int(asked_at.timestamp())}"


async def join_group(
    session: AsyncSession,
    actor: Actor,
    text: str,
    *,
    now: dt.datetime,
    announce: Callable[[Group, int, str], Reply],
) -> JoinOutcome:
    """Join an open group, or ask to join a closed one: its moderators are told
    (``announce(group, member_id, member_name)`` builds the message in each one's language)."""
    member_id = require_member(actor)
    group = await find_group(session, text)
    name = localized(group.names)
    current = await _membership(session, group.id, member_id, lock=True)
    if current is not None:
        match current.state:
            case MembershipState.ACTIVE:
                raise UserError(N_("You are already a member of {group}."), group=name)
            case MembershipState.PENDING:
                raise UserError(
                    N_("Your request to join {group} is already waiting for its moderators."),
                    group=name,
                )
            case MembershipState.BANNED:
                raise UserError(N_("You cannot join {group}."), group=name)
    state = (
        MembershipState.ACTIVE
        if group.visibility is GroupVisibility.OPEN
        else MembershipState.PENDING
    )
    session.add(
        GroupMembership(
            group_id=group.id,
            member_id=member_id,
            role=GroupRole.MEMBER,
            state=state,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    if state is MembershipState.PENDING:
        who = await session.scalar(select(Member.full_name).where(Member.id == member_id)) or ""
        key = _request_key(group.id, member_id, now)
        for moderator_id in await moderator_ids(session, group.id):
            await notify_member(
                session,
                moderator_id,
                key=f"{key}:{moderator_id}",
                kind="group_request",
                build=lambda: announce(group, member_id, who),
                now=now,
            )
        return JoinOutcome(group=group, state=state, invites=[])
    await queue_channel_access(
        session, group.id, member_id, ChannelAction.ADMIT, since=now, now=now
    )
    return JoinOutcome(group=group, state=state, invites=await invite_links(session, group.id))


async def leave_group(session: AsyncSession, actor: Actor, text: str, *, now: dt.datetime) -> Group:
    """Leave a group (or withdraw a request). An owner who leaves hands the group to its
    longest-standing moderator, if any."""
    member_id = require_member(actor)
    group = await find_group(session, text)
    current = await _membership(session, group.id, member_id, lock=True)
    if current is None or current.state is MembershipState.BANNED:
        raise UserError(N_("You are not a member of {group}."), group=localized(group.names))
    if current.state is MembershipState.ACTIVE:  # a withdrawn request is in no channel
        await queue_channel_access(
            session, group.id, member_id, ChannelAction.REMOVE, since=current.created_at, now=now
        )
    await session.delete(current)
    if group.owner_id == member_id:
        heir = await session.scalar(
            select(GroupMembership)
            .where(
                GroupMembership.group_id == group.id,
                GroupMembership.member_id != member_id,
                GroupMembership.state == MembershipState.ACTIVE,
                GroupMembership.role == GroupRole.MODERATOR,
            )
            .order_by(GroupMembership.created_at, GroupMembership.member_id)
        )
        group.owner_id = heir.member_id if heir is not None else None
        if heir is not None:
            heir.role = GroupRole.OWNER
    await session.flush()
    return group


async def pending_requests(
    session: AsyncSession, actor: Actor, group: Group
) -> list[tuple[int, str, dt.datetime]]:
    """(member id, name, asked at) of the requests to join, oldest first."""
    await require_moderator(session, actor, group)
    rows = await session.execute(
        select(GroupMembership.member_id, Member.full_name, GroupMembership.created_at)
        .join(Member, Member.id == GroupMembership.member_id)
        .where(
            GroupMembership.group_id == group.id,
            GroupMembership.state == MembershipState.PENDING,
        )
        .order_by(GroupMembership.created_at, GroupMembership.member_id)
        .limit(25)
    )
    return [(m, n, at) for m, n, at in rows.all()]


async def decide_join(
    session: AsyncSession,
    actor: Actor,
    group_id: int,
    member_id: int,
    *,
    approve: bool,
    now: dt.datetime,
    tell: Callable[[Group, bool, list[tuple[Platform, str]]], Reply],
) -> tuple[Group, str]:
    """Approve or decline a request to join; audited, and the member is told."""
    group = await load_group(session, group_id)
    moderator_id = await require_moderator(session, actor, group)
    request = await _membership(session, group.id, member_id, lock=True)
    if request is None or request.state is not MembershipState.PENDING:
        raise UserError(N_("This request was already decided."))
    asked_at = request.created_at
    if approve:
        request.state = MembershipState.ACTIVE
        request.updated_at = now
    else:
        await session.delete(request)
    await session.flush()
    await audit(
        session,
        actor_id=moderator_id,
        action="group.approve" if approve else "group.decline",
        subject="group",
        subject_id=group.id,
        now=now,
        member_id=member_id,
    )
    if approve:
        await queue_channel_access(
            session, group.id, member_id, ChannelAction.ADMIT, since=now, now=now
        )
    invites = await invite_links(session, group.id) if approve else []
    await notify_member(
        session,
        member_id,
        key=_request_key(group.id, member_id, asked_at) + ":decision",
        kind="group_request",
        build=lambda: tell(group, approve, invites),
        now=now,
    )
    name = await session.scalar(select(Member.full_name).where(Member.id == member_id)) or ""
    return group, name
