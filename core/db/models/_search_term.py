from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class SearchTerm(Base):
    """Every word that occurs in a directory search document, for spelling correction.

    Insert-only while members are added; erasure removes the words nobody else has.
    """

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
