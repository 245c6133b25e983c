"""Thematic groups: the groups, who is in them, the channels they are mapped to, the
messages relayed between those channels, and reports about messages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ...domain import Platform
from ...groups.domain import GroupKind, GroupRole, GroupVisibility, MembershipState
from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, str_enum, utcnow


class Group(Base):
    """A thematic group. ``names`` and ``descriptions`` are by language ({"fr": ..., "en":
    ...}); ``name_keys`` holds the folded names framed by ``|`` to find a group by any of its
    names, ``search_document`` the folded words of names and descriptions framed by spaces."""

    __tablename__ = "groups"
    __table_args__ = (Index("ix_groups_filters", "country_code", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    name_keys: Mapped[str] = mapped_column(String(800), default="|")
    search_document: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind, "group_kind"))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    visibility: Mapped[GroupVisibility] = mapped_column(
        str_enum(GroupVisibility, "group_visibility"), default=GroupVisibility.OPEN
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # A weekly summary of the most active threads for members who did not post that week.
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupMembership(Base):
    """A member's place in a group: asked to join, in it (with a role), or banned."""

    __tablename__ = "group_memberships"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[GroupRole] = mapped_column(
        str_enum(GroupRole, "group_role"), default=GroupRole.MEMBER
    )
    state: Mapped[MembershipState] = mapped_column(
        str_enum(MembershipState, "membership_state"), default=MembershipState.ACTIVE
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupChannel(Base):
    """A platform channel mapped to a group: messages posted there are relayed to the group's
    other channels. A channel belongs to one group at most."""

    __tablename__ = "group_channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    platform: Mapped[Platform] = mapped_column(str_enum(Platform, "platform"))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    chat_id: Mapped[str] = mapped_column(String(320))
    invite_url: Mapped[str | None] = mapped_column(String(300))
    mapped_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupRelay(Base):
    """One message posted in a mapped channel and relayed to the group's other channels.

    ``digest`` identifies the source message (platform, workspace, chat, message id): a
    redelivered update finds it and is not relayed twice. Each copy is the outbox message
    keyed ``relay:<digest>:<channel id>``; its ``platform_message_id`` (recorded by the
    sender) is what edits, deletions and replies on that platform refer to.
    """

    __tablename__ = "group_relays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("group_channels.id", ondelete="CASCADE"))
    source_message_id: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), info=PERSONAL)
    text: Mapped[str] = mapped_column(Text, default="", info=PERSONAL)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_relays.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupReport(Base):
    """A member tells a group's moderators about a message (or a behaviour)."""

    __tablename__ = "group_reports"
    __table_args__ = (Index("ix_group_reports_open", "group_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    relay_id: Mapped[int | None] = mapped_column(ForeignKey("group_relays.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500), default="", info=PERSONAL)
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, closed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
