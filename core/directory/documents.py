"""What a directory search matches: one folded document per member, and its words."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.base import table_of
from ..db.models import SearchTerm
from ..domain import fold

__all__ = ["MAX_TERM", "remember_terms", "search_document", "terms_of"]

MAX_TERM = 64
# The FTS5 unicode61 tokenizer's idea of a word: letters and digits; "_" and "'" separate.
_WORD = re.compile(r"[^\W_]+")


def search_document(
    full_name: str,
    city: str | None = None,
    sector: str | None = None,
    studies: Iterable[str | None] = (),
) -> str:
    """Folded name, city, sector, schools and fields of study, in one string."""
    parts = [full_name, city, sector, *studies]
    return fold(" ".join(p for p in parts if p))


def terms_of(text: str) -> list[str]:
    """The words of a folded text, as the search index splits them."""
    return [w for w in _WORD.findall(text) if len(w) <= MAX_TERM]


async def remember_terms(session: AsyncSession, documents: Iterable[str]) -> None:
    """Add the documents' new words to the spelling vocabulary (concurrency-safe)."""
    words = sorted({t for doc in documents for t in terms_of(doc)})
    if not words:
        return
    connection = await session.connection()
    upsert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = upsert(table_of(SearchTerm)).on_conflict_do_nothing()
    for start in range(0, len(words), 5000):
        # Core, not the ORM: an ORM bulk insert with ON CONFLICT runs row by row.
        await connection.execute(statement, [{"term": w} for w in words[start : start + 5000]])
