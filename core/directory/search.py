"""Directory search: only consented, listed members; ranked; cursor pagination.

One query shape on both engines; only the candidate filter differs: SQLite matches word
prefixes in an FTS5 index, PostgreSQL in a GIN-indexed ``to_tsvector('simple', …)``. Both
index the folded search document (core.directory.documents), so matching is accent- and
case-insensitive. Results rank by how many query words start a word of the member's name,
then by name. A query that finds nobody is retried with close spellings from the
vocabulary of indexed words (one or two edits), so "nguyn" still finds "Nguyễn".
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Education, Member, Organisation, SearchTerm
from ..domain import Visibility, fold
from .documents import terms_of

__all__ = [
    "Cursor",
    "DirectoryQuery",
    "SearchPage",
    "SearchResult",
    "edit_distance",
    "search_members",
]

PAGE_SIZE = 5
MAX_TERMS = 8
MAX_VARIANTS = 4


@dataclass(frozen=True, slots=True)
class DirectoryQuery:
    text: str = ""
    country: str | None = None
    city: str | None = None
    school: str | None = None
    field: str | None = None
    sector: str | None = None
    year: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def terms(self) -> list[str]:
        return terms_of(fold(self.text))[:MAX_TERMS]


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the (score desc, name_key, id) order.

    ``backwards`` asks for the page before it; ``corrected`` says the query runs with
    spelling corrections (kept so that every page uses the same candidates).
    """

    score: int
    name_key: str
    member_id: int
    backwards: bool = False
    corrected: bool = False

    def encode(self, query: DirectoryQuery, page: int) -> str:
        data: dict[str, Any] = {
            "q": query.to_json(),
            "s": self.score,
            "k": self.name_key,
            "i": self.member_id,
            "p": page,
        }
        if self.backwards:
            data["b"] = 1
        if self.corrected:
            data["c"] = 1
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> tuple[DirectoryQuery, Cursor, int] | None:
        """None for anything that is not a cursor this code wrote."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            query = DirectoryQuery(**dict(data["q"]))
            cursor = Cursor(
                int(data["s"]),
                str(data["k"]),
                int(data["i"]),
                bool(data.get("b")),
                bool(data.get("c")),
            )
            return query, cursor, max(1, int(data["p"]))
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            return None


@dataclass(frozen=True, slots=True)
class SearchResult:
    member_id: int
    full_name: str
    city: str | None
    country_code: str | None
    sector: str | None
    school: str | None
    field: str | None
    graduation_year: int | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: list[SearchResult] = field(default_factory=list)
    previous: Cursor | None = None
    next: Cursor | None = None
    corrected: bool = False  # found through close spellings


def _escape_like(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_filter(dialect: str, alternatives: list[list[str]]) -> ColumnElement[bool]:
    """Members whose document has, for every query word, a word starting with a variant."""
    if dialect == "postgresql":
        tsquery = " & ".join(
            "(" + " | ".join(f"'{v}':*" for v in variants) + ")" for variants in alternatives
        )
        document = func.to_tsvector(literal_column("'simple'"), Member.search_document)
        return document.op("@@")(func.to_tsquery(literal_column("'simple'"), literal(tsquery)))
    match = " AND ".join(
        "(" + " OR ".join(f'"{v}"*' for v in variants) + ")" for variants in alternatives
    )
    matching = (
        text("SELECT rowid FROM members_fts WHERE members_fts MATCH :match")
        .bindparams(match=match)
        .columns(column("rowid", Integer))
    )
    return Member.id.in_(matching)


def _score(alternatives: list[list[str]]) -> ColumnElement[int]:
    """How many query words start a word of the name."""
    if not alternatives:
        return literal(0, Integer)
    parts: list[ColumnElement[int]] = []
    for variants in alternatives:
        conditions = []
        for v in variants:
            pattern = _escape_like(v)
            conditions.append(Member.name_key.like(f"{pattern}%", escape="\\"))
            conditions.append(Member.name_key.like(f"% {pattern}%", escape="\\"))
        parts.append(case((or_(*conditions), 1), else_=0))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _filtered(
    dialect: str, query: DirectoryQuery, alternatives: list[list[str]]
) -> Select[int, str, int]:
    score = _score(alternatives).label("score")
    stmt = select(Member.id, Member.name_key, score).where(
        Member.directory_consent.is_(True), Member.visibility == Visibility.LISTED
    )
    if alternatives:
        stmt = stmt.where(_text_filter(dialect, alternatives))
    if query.country:
        stmt = stmt.where(Member.country_code == query.country)
    if query.city:
        stmt = stmt.where(Member.city_key == fold(query.city))
    if query.sector:
        stmt = stmt.where(func.lower(Member.sector) == query.sector.lower())
    if query.school or query.field or query.year:
        conditions = [Education.member_id == Member.id]
        if query.school:
            school = _escape_like(fold(query.school))
            conditions.append(
                Education.institution_id.in_(
                    select(Organisation.id).where(
                        Organisation.name_key.like(f"%{school}%", escape="\\")
                    )
                )
            )
        if query.field:
            conditions.append(Education.field.ilike(f"%{_escape_like(query.field)}%", escape="\\"))
        if query.year:
            conditions.append(Education.graduation_year == query.year)
        stmt = stmt.where(exists().where(and_(*conditions)))
    return stmt


async def search_members(
    session: AsyncSession,
    query: DirectoryQuery,
    cursor: Cursor | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    terms = query.terms
    alternatives = [[t] for t in terms]
    corrected = cursor is not None and cursor.corrected
    if corrected:
        alternatives = await _corrections(session, terms)
    page = await _page(session, query, alternatives, cursor, page_size, corrected)
    if not page.results and cursor is None and terms:
        suggestions = await _corrections(session, terms)
        if suggestions != alternatives:
            page = await _page(session, query, suggestions, None, page_size, True)
    return page


async def _page(
    session: AsyncSession,
    query: DirectoryQuery,
    alternatives: list[list[str]],
    cursor: Cursor | None,
    page_size: int,
    corrected: bool,
) -> SearchPage:
    dialect = session.get_bind().dialect.name
    inner = _filtered(dialect, query, alternatives).subquery()
    score, key, ident = inner.c.score, inner.c.name_key, inner.c.id
    stmt = select(ident, key, score)
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        after = or_(
            score < cursor.score,
            and_(
                score == cursor.score,
                or_(key > cursor.name_key, and_(key == cursor.name_key, ident > cursor.member_id)),
            ),
        )
        before = or_(
            score > cursor.score,
            and_(
                score == cursor.score,
                or_(key < cursor.name_key, and_(key == cursor.name_key, ident < cursor.member_id)),
            ),
        )
        stmt = stmt.where(before if backwards else after)
    order = (score.asc(), key.desc(), ident.desc()) if backwards else (score.desc(), key, ident)
    rows = list((await session.execute(stmt.order_by(*order).limit(page_size + 1))).all())
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    if not rows:
        return SearchPage(corrected=corrected)
    results = await _results(session, [r[0] for r in rows])
    first, last = rows[0], rows[-1]
    more_before = cursor is not None and (not backwards or has_more)
    more_after = has_more if not backwards else True
    return SearchPage(
        results=results,
        previous=Cursor(first[2], first[1], first[0], True, corrected) if more_before else None,
        next=Cursor(last[2], last[1], last[0], False, corrected) if more_after else None,
        corrected=corrected,
    )


async def _results(session: AsyncSession, member_ids: list[int]) -> list[SearchResult]:
    members = {
        m.id: m
        for m in (await session.scalars(select(Member).where(Member.id.in_(member_ids)))).all()
    }
    rows = await session.execute(
        select(Education.member_id, Organisation.name, Education.field, Education.graduation_year)
        .join(Organisation, Organisation.id == Education.institution_id)
        .where(Education.member_id.in_(member_ids))
        .order_by(Education.member_id, Education.graduation_year.desc(), Education.id)
    )
    studies: dict[int, tuple[str | None, str | None, int | None]] = {}
    for member_id, school_name, field_of_study, graduation in rows:
        studies.setdefault(member_id, (school_name, field_of_study, graduation))
    out = []
    for member_id in member_ids:
        m = members[member_id]
        school, field_name, year = studies.get(member_id, (None, None, None))
        out.append(
            SearchResult(
                member_id=m.id,
                full_name=m.full_name,
                city=m.city,
                country_code=m.country_code,
                sector=m.sector,
                school=school,
                field=field_name,
                graduation_year=year,
            )
        )
    return out


async def _corrections(session: AsyncSession, terms: list[str]) -> list[list[str]]:
    """For each word that starts no indexed word, the closest indexed words (max 2 edits)."""
    out: list[list[str]] = []
    for term in terms:
        if len(term) < 3 or await _is_known_prefix(session, term):
            out.append([term])
            continue
        head = term[:2]
        upper = head[:-1] + chr(ord(head[-1]) + 1)
        candidates = (
            await session.scalars(
                select(SearchTerm.term)
                .where(SearchTerm.term >= head, SearchTerm.term < upper)
                .limit(20000)
            )
        ).all()
        allowed = 1 if len(term) <= 5 else 2
        scored = sorted(
            (d, c)
            for c in candidates
            if abs(len(c) - len(term)) <= allowed
            and (d := edit_distance(term, c, allowed)) <= allowed
        )
        out.append([c for _, c in scored[:MAX_VARIANTS]] or [term])
    return out


async def _is_known_prefix(session: AsyncSession, term: str) -> bool:
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    found = await session.scalar(
        select(SearchTerm.term).where(SearchTerm.term >= term, SearchTerm.term < upper).limit(1)
    )
    return found is not None


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (transpositions count as one), capped at limit+1."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
