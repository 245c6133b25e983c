from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...domain import Visibility
from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, str_enum, utcnow


class Member(Base):
    """A person of the network: one profile whatever platforms they use."""

    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_directory", "directory_consent", "visibility", "country_code"),
        Index("ix_members_name_key", "name_key"),
        Index("ix_members_city", "country_code", "city_key"),
        # A country's newcomers of the week (the digest) without reading all its members.
        Index("ix_members_country_created", "country_code", "created_at"),
        # Listing a country's directory in name order (searches with filters and no words).
        Index(
            "ix_members_listed_country",
            "country_code",
            "name_key",
            "id",
            postgresql_where=text("directory_consent AND visibility = 'listed'"),
            sqlite_where=text("directory_consent AND visibility = 'listed'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), info=PERSONAL)
    # Accent- and case-folded name (core.domain.fold) for search and sorting.
    name_key: Mapped[str] = mapped_column(String(200), info=PERSONAL)
    email: Mapped[str | None] = mapped_column(String(320), unique=True, info=PERSONAL)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    city: Mapped[str | None] = mapped_column(String(120), info=PERSONAL)
    city_key: Mapped[str | None] = mapped_column(String(120), info=PERSONAL)  # folded city
    sector: Mapped[str | None] = mapped_column(String(80))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list, info=PERSONAL)
    preferred_language: Mapped[str | None] = mapped_column(String(16), info=PERSONAL)
    directory_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "visibility"), default=Visibility.LISTED
    )
    # Folded words a directory search matches: name, city, schools, fields, sector.
    search_document: Mapped[str] = mapped_column(Text, default="", info=PERSONAL)
    # The institution whose import created the profile (it may reach its own alumni).
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    education: Mapped[list[Education]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="raise"
    )


class Education(Base):
    """A stay at a French institution: which one, degree, field, year."""

    __tablename__ = "education"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    degree: Mapped[str | None] = mapped_column(String(120))
    field: Mapped[str | None] = mapped_column(String(120))
    graduation_year: Mapped[int | None] = mapped_column(Integer)

    member: Mapped[Member] = relationship(back_populates="education", lazy="raise")
