from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ...domain import Platform
from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, str_enum, utcnow


class OutboxMessage(Base):
    """One message the platform sends on its own initiative, written in the same transaction
    as the change that causes it, and delivered by the senders exactly once.

    States: pending -> sending -> sent | failed | unreachable (and back to pending for a
    retry). ``key`` makes enqueueing idempotent and is passed to platforms that deduplicate.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_due", "platform", "state", "next_attempt_at", "id"),
        Index("ix_outbox_batch", "batch", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # introduction, broadcast, alert, relay...
    batch: Mapped[str | None] = mapped_column(String(64))  # e.g. "broadcast:42" for progress
    platform: Mapped[Platform] = mapped_column(str_enum(Platform, "platform"))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    # "user:<platform user id>" for a person's private chat, else a channel id.
    chat_id: Mapped[str] = mapped_column(String(320), info=PERSONAL)
    # What is said, possibly naming people (an introduction, a relayed message).
    reply: Mapped[dict[str, Any]] = mapped_column(JSONType, info=PERSONAL)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    last_error: Mapped[str | None] = mapped_column(String(500))
    platform_message_id: Mapped[str | None] = mapped_column(String(100))
    # An edit: the platform's id of the message in ``chat_id`` that this reply replaces.
    edit_of: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class JobRun(Base):
    """A scheduled job's run for one period; the unique key makes it fire once per cluster."""

    __tablename__ = "job_runs"

    run_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # job id + period
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    runner: Mapped[str] = mapped_column(String(64))
