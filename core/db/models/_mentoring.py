"""Mentoring (mentor profiles and requests) and coffee introductions (opt-ins, rounds, pairs)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, utcnow


class MentorProfile(Base):
    """A member who offers mentoring: topics, languages, how many mentees at once."""

    __tablename__ = "mentor_profiles"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)  # core.mentoring.TOPICS
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list, info=PERSONAL)
    capacity: Mapped[int] = mapped_column(Integer, default=2)  # mentees at once
    cadence: Mapped[str] = mapped_column(String(12), default="monthly")
    about: Mapped[str] = mapped_column(Text, default="", info=PERSONAL)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MentorRequest(Base):
    """A mentee asks a mentor; contacts pass on acceptance, a follow-up two weeks later."""

    __tablename__ = "mentor_requests"
    __table_args__ = (
        Index("ix_mentor_requests_mentor", "mentor_id", "state", "created_at"),
        Index("ix_mentor_requests_follow_up", "follow_up_sent", "follow_up_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(Text, default="", info=PERSONAL)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # accepted, declined
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    follow_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    follow_up_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    met: Mapped[bool | None] = mapped_column(Boolean)  # the answer to "did you meet?"


class CoffeeMember(Base):
    """A member who opted in to a chapter's coffee introductions."""

    __tablename__ = "coffee_members"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("chapters.country_code", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoffeeAvoid(Base):
    """``member_id`` asked never to be paired with ``avoided_id``."""

    __tablename__ = "coffee_avoids"
    __table_args__ = (UniqueConstraint("member_id", "avoided_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    avoided_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoffeeSettings(Base):
    """A chapter's choice of how often coffee rounds happen."""

    __tablename__ = "coffee_settings"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("chapters.country_code", ondelete="CASCADE"), primary_key=True
    )
    every_weeks: Mapped[int] = mapped_column(Integer, default=2)  # 1, 2 or 4
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoffeeRound(Base):
    """One round of a chapter's coffee introductions; ``round_key`` is its local date."""

    __tablename__ = "coffee_rounds"
    __table_args__ = (UniqueConstraint("country_code", "round_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(
        ForeignKey("chapters.country_code", ondelete="CASCADE")
    )
    round_key: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, local
    fired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    groups: Mapped[int] = mapped_column(Integer, default=0)  # pairs and trios made


class CoffeeMatch(Base):
    """A member's place in a round: the members sharing ``group_no`` met (or were to)."""

    __tablename__ = "coffee_matches"
    __table_args__ = (Index("ix_coffee_matches_group", "round_id", "group_no"),)

    round_id: Mapped[int] = mapped_column(
        ForeignKey("coffee_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    group_no: Mapped[int] = mapped_column(Integer)
    met: Mapped[bool | None] = mapped_column(Boolean)
