from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base

# Byte order on PostgreSQL too, so that prefix ranges select exactly the words they should.
_WORD = String(64).with_variant(String(64, collation="C"), "postgresql")


class SearchTerm(Base):
    """Every word that occurs in a directory search document, for spelling correction.

    Insert-only while members are added; erasure removes the words nobody else has.
    """

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(_WORD, primary_key=True)
    # The word less its third letter (core.directory.documents.without_third_letter): two
    # words one edit apart at the third letter have the same (a substitution), or one is the
    # other word (an insertion or a deletion), so an index finds them without reading every
    # word of the same first two letters.
    without_third_letter: Mapped[str] = mapped_column(_WORD, index=True)
