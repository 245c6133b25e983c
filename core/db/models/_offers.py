from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ...offers.domain import AlertFrequency, OfferKind, OfferState, RequestState
from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, str_enum, utcnow


class OrganisationCountry(Base):
    """A country an organisation is present in (besides its home ``country_code``): its
    administrators may verify the organisation's representatives."""

    __tablename__ = "organisation_countries"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), primary_key=True)


class RepresentationRequest(Base):
    """A member asks to represent an organisation; an administrator verifies or refuses."""

    __tablename__ = "representation_requests"
    __table_args__ = (Index("ix_representation_requests_state", "state", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="", info=PERSONAL)
    state: Mapped[RequestState] = mapped_column(
        str_enum(RequestState, "request_state"), default=RequestState.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class AuditEntry(Base):
    """Who decided what, when, on what: verifications, postings, moderation."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))  # "offer.unpublish", "request.verify"...
    subject: Mapped[str] = mapped_column(String(20))  # "offer", "request"
    subject_id: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Offer(Base):
    """A job, internship, VIE, volunteering mission or training programme.

    Open offers are in search until ``expires_at``; closing, reposting and unpublishing
    change ``state``. ``search_document`` holds the folded words, framed by spaces, so that
    ``LIKE '% word%'`` finds word prefixes on both engines.
    """

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_open", "state", "expires_at"),
        Index("ix_offers_filters", "kind", "country_code", "sector"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind, "offer_kind"))
    title: Mapped[str] = mapped_column(String(120))
    title_key: Mapped[str] = mapped_column(String(120))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    city: Mapped[str | None] = mapped_column(String(120))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    sector: Mapped[str | None] = mapped_column(String(80))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    languages_key: Mapped[str] = mapped_column(String(120), default=" ")  # " fr en "
    contract: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    apply_url: Mapped[str | None] = mapped_column(String(300))
    apply_email: Mapped[str | None] = mapped_column(String(320))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[OfferState] = mapped_column(
        str_enum(OfferState, "offer_state"), default=OfferState.OPEN
    )
    search_document: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfferView(Base):
    """A member opened an offer; one row per member, so counts are of distinct members."""

    __tablename__ = "offer_views"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    viewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfferReport(Base):
    """A member tells the moderators an offer is wrong (scam, discriminatory, outdated...)."""

    __tablename__ = "offer_reports"
    __table_args__ = (UniqueConstraint("offer_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="", info=PERSONAL)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """A saved search: new offers that match it are announced to its member.

    ``match_key`` ("kind|country|sector|language", ``*`` for any) and ``match_word`` (the
    alert's longest word, "" without text) index it: a new offer looks up only the few keys
    it can match and its own words, never every alert. The index also holds what a match
    reads (member, frequency, id), so alerts without words are found in the index alone.

    Publishing an offer reads the ids of the immediate alerts without words among its keys
    (most of its matches) from a partial index that holds just those, by key: about half
    the entries of ``ix_alerts_match``, and narrower, a third of its size.
    """

    IMMEDIATE_WITHOUT_WORDS: ClassVar[str] = (
        f"match_word = '' AND frequency = '{AlertFrequency.IMMEDIATE.value}'"
    )
    # The condition of that partial index: a query uses it only if its WHERE spells the
    # condition out with these constants (bound parameters do not prove it).

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_match", "match_word", "match_key", "member_id", "frequency", "id"),
        Index(
            "ix_alerts_immediate_without_words",
            "match_key",
            "id",
            postgresql_where=text(IMMEDIATE_WITHOUT_WORDS),
            sqlite_where=text(IMMEDIATE_WITHOUT_WORDS),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    country_code: Mapped[str | None] = mapped_column(String(2))
    sector: Mapped[str | None] = mapped_column(String(80))
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(200), default="", info=PERSONAL)
    terms: Mapped[str] = mapped_column(String(400), default="", info=PERSONAL)  # folded words
    frequency: Mapped[AlertFrequency] = mapped_column(
        str_enum(AlertFrequency, "alert_frequency"), default=AlertFrequency.IMMEDIATE
    )
    match_key: Mapped[str] = mapped_column(String(120))
    match_word: Mapped[str] = mapped_column(String(64), default="", info=PERSONAL)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertMatches(Base):
    """The immediate alerts a published offer matched whose messages are not all queued yet.

    One row per offer, its alert ids in one JSON array: publishing writes the row with one
    INSERT … SELECT that aggregates the matched ids (so the thousands of alerts without
    words a popular offer matches never come into Python, and cost the database one row,
    not one B-tree insert each). Small audiences are queued at once; a scheduled job takes
    the ids after ``queued`` a chunk at a time, queues their messages and moves ``queued``
    on in the same transaction (a crash neither loses a match nor repeats one), and deletes
    the row when every id is taken. No foreign keys: the job drops the ids of alerts, and
    the rows of offers, that are gone.
    """

    __tablename__ = "alert_matches"

    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    alert_ids: Mapped[str] = mapped_column(Text)  # a JSON array of alert ids, in no order
    matched: Mapped[int] = mapped_column(Integer)  # how many ids alert_ids holds
    queued: Mapped[int] = mapped_column(Integer, default=0)  # the first ones, already taken
