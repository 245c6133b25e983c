from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class SearchTerm(Base):
    """Every word that occurs in a directory search document, for spelling correction.

    Insert-only while members are added; erasure removes the words nobody else has.
    """

    __tablename__ = "search_terms"

    # Byte order on PostgreSQL too, so that prefix ranges select exactly the words they should.
    term: Mapped[str] = mapped_column(
        String(64).with_variant(String(64, collation="C"), "postgresql"), primary_key=True
    )
