"""What a directory search matches: one folded document per member, and its words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.base import table_of
from ..db.models import SearchTerm
from ..domain import fold

__all__ = ["MAX_TERM", "remember_terms", "search_document", "terms_of", "without_third_letter"]

MAX_TERM = 64


def _combining_marks() -> str:
    """Every combining mark (Unicode categories Mn, Mc, Me) as a regex class body.

    Python's ``\\w`` leaves them out, so a word written with vowel signs or a virama
    (Devanagari "अर्जुन", Thai, Bengali...) fell apart in two; the search indexes keep it whole
    (FTS5's unicode61 counts marks as part of a word, and so does PostgreSQL's parser)."""
    marks, start, previous = [], -2, -2
    for code in [*range(0x20000), *range(0xE0100, 0xE01F0)]:
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if code != previous + 1:
            if start >= 0:
                marks.append((start, previous))
            start = code
        previous = code
    marks.append((start, previous))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in marks)


# The FTS5 unicode61 tokenizer's idea of a word: letters, digits and the marks on them;
# "_" and "'" separate.
_WORD = re.compile(rf"(?:[^\W_]|[{_combining_marks()}])+")


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


def without_third_letter(word: str) -> str:
    """The word less its third letter, where words one edit apart at the third letter meet:
    "nguyen" and "ngayen" (a substitution) both give "ngyen", which is itself a word one
    deletion away from "nguyen"."""
    return word[:2] + word[3:]


async def remember_terms(session: AsyncSession, documents: Iterable[str]) -> None:
    """Add the documents' new words to the spelling vocabulary (concurrency-safe: words are
    written in one order, so two writers never wait for each other in a cycle)."""
    words = sorted({t for doc in documents for t in terms_of(doc)})
    if not words:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # One statement for the lot: an array of words, not one parameter set per word.
        await connection.execute(
            _UNNEST_TERMS, {"terms": words, "shortened": [without_third_letter(w) for w in words]}
        )
        return
    statement = sqlite_insert(table_of(SearchTerm)).on_conflict_do_nothing()
    for start in range(0, len(words), 5000):
        # Core, not the ORM: an ORM bulk insert with ON CONFLICT runs row by row.
        await connection.execute(
            statement,
            [
                {"term": w, "without_third_letter": without_third_letter(w)}
                for w in words[start : start + 5000]
            ],
        )


_UNNEST_TERMS = text(
    "INSERT INTO search_terms (term, without_third_letter) "
    "SELECT * FROM unnest(CAST(:terms AS text[]), CAST(:shortened AS text[])) "
    "ON CONFLICT DO NOTHING"
).bindparams(bindparam("terms", type_=ARRAY(Text)), bindparam("shortened", type_=ARRAY(Text)))
