from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base
from ._types import JSONType


class Country(Base):
    """A country members live in; a chapter may be opened for it later."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166-1 alpha-2
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)  # e.g. ["fr", "en", "pt"]
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA name
    default_language: Mapped[str] = mapped_column(String(16), default="en")
