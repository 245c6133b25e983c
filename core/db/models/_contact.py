"""Reaching organisations: requests to a shared inbox, blocks, the embassy desk, and the
messages an institution sends to the alumni it imported."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, utcnow


class ContactRequest(Base):
    """A member writes to an organisation; any one of its representatives answers.

    ``state``: ``waiting`` (nobody to deliver to yet), ``pending`` (delivered), then
    ``accepted``, ``answered``, ``declined`` or ``expired``. ``handled_by_id`` is the
    representative who took it.
    """

    __tablename__ = "contact_requests"
    __table_args__ = (
        Index("ix_contact_requests_member", "member_id", "created_at"),
        Index("ix_contact_requests_open", "state", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="", info=PERSONAL)
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    answer: Mapped[str] = mapped_column(Text, default="", info=PERSONAL)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OrganisationBlock(Base):
    """An organisation receives no more requests from ``member_id``."""

    __tablename__ = "organisation_blocks"
    __table_args__ = (UniqueConstraint("organisation_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    blocked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmbassyDesk(Base):
    """The embassy's contact card of a chapter, kept by the country admins.

    ``hours``: ``[{"days": [0, 4], "ranges": [["09:00", "12:30"], ...]}]``, weekdays 0-6
    (Monday first), times local to the chapter's time zone.
    """

    __tablename__ = "embassy_desks"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("chapters.country_code", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    consular_url: Mapped[str | None] = mapped_column(String(300))
    campus_france_url: Mapped[str | None] = mapped_column(String(300))
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstitutionMessage(Base):
    """An institution's message to the alumni it imported who claimed their profile: a
    draft until its author confirms it."""

    __tablename__ = "institution_messages"
    __table_args__ = (Index("ix_institution_messages_sent", "organisation_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="draft")  # draft, sent
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class InstitutionOptOut(Base):
    """A member who wants no more messages from this institution."""

    __tablename__ = "institution_opt_outs"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
