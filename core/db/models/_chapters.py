"""Country chapters: their channels, events and RSVPs, broadcasts, articles, digest opt-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...domain import Platform
from ..base import Base, UTCDateTime
from ._types import JSONType, str_enum, utcnow


class Chapter(Base):
    """A country's chapter, opened by headquarters and run by its country admins."""

    __tablename__ = "chapters"

    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), primary_key=True)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)  # ["fr", "en", "pt"]
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA name
    digest_day: Mapped[str] = mapped_column(String(3), default="mon")  # cron day_of_week
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)  # local hour
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChapterChannel(Base):
    """A channel on one platform where the chapter's announcements and digests are posted."""

    __tablename__ = "chapter_channels"
    __table_args__ = (UniqueConstraint("country_code", "platform", "workspace", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(
        ForeignKey("chapters.country_code", ondelete="CASCADE"), index=True
    )
    platform: Mapped[Platform] = mapped_column(str_enum(Platform, "platform"))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    chat_id: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """A chapter's event. Times are stored in UTC; ``time_zone`` is the one it is shown in.

    ``remind_day_at`` is the same local time the day before (so 23 or 25 hours before across
    a daylight-saving change), ``remind_hour_at`` one hour before; ``*_sent`` flags are set
    once the reminders are queued.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_country_start", "country_code", "starts_at"),
        Index("ix_events_day_reminder", "day_reminder_sent", "remind_day_at"),
        Index("ix_events_hour_reminder", "hour_reminder_sent", "remind_hour_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    organiser: Mapped[str] = mapped_column(String(200))
    titles: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)  # by language
    descriptions: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    time_zone: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int | None] = mapped_column(Integer)
    remind_day_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    remind_hour_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    day_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    hour_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rsvp(Base):
    """A member's answer to an event: going, maybe, not_going, or waiting (the event is full)."""

    __tablename__ = "rsvps"
    __table_args__ = (Index("ix_rsvps_event_status", "event_id", "status", "updated_at"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """An announcement to a country's members: a draft until its author confirms it."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # city/sector/school
    state: Mapped[str] = mapped_column(String(12), default="draft")  # draft, sent
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The message the author confirmed on, which the senders edit with the live progress
    # (see core.events.broadcasts.BroadcastProgress); unset where it cannot be edited.
    progress_platform: Mapped[Platform | None] = mapped_column(
        str_enum(Platform, "progress_platform")
    )
    progress_message_id: Mapped[str | None] = mapped_column(String(100))
    # Messages handled (sent, unreachable, failed) as last shown: it only ever grows.
    progress_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_key: Mapped[str | None] = mapped_column(String(200))  # the last edit queued
    progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Article(Base):
    """A short article (news, economic information) published for a country."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_country", "country_code", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestSubscription(Base):
    """A member who asked to receive their country's weekly digest privately."""

    __tablename__ = "digest_subscriptions"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
