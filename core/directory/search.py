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
from functools import lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from ..db.models import Education, Member, Organisation, SearchTerm
from ..domain import Visibility, fold
from .documents import terms_of, without_third_letter

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
    """A position in the (score desc, name_key, id) order: the member at the edge of a page
    and their score for the query (their ``name_key`` is read again with the next page).

    ``backwards`` asks for the page before it; ``corrected`` says the query runs with
    spelling corrections (kept so that every page uses the same candidates).
    """

    score: int
    member_id: int
    backwards: bool = False
    corrected: bool = False

    def encode(self, query: DirectoryQuery, page: int) -> str:
        """``score.member.page.flags.query``: short enough that a page button's token can
        carry it for most queries; the query is its text, or JSON with filters (flag j)."""
        flags = ("b" if self.backwards else "") + ("c" if self.corrected else "")
        wanted = query.to_json()
        if set(wanted) <= {"text"}:
            rest = query.text
        else:
            flags += "j"
            rest = json.dumps(wanted, ensure_ascii=False, separators=(",", ":"))
        return f"{self.score}.{self.member_id}.{page}.{flags}.{rest}"

    @staticmethod
    def decode(token: str) -> tuple[DirectoryQuery, Cursor, int] | None:
        """None for anything that is not a cursor this code wrote (now or, base64 JSON,
        before page cursors were made short)."""
        try:
            if "." not in token:
                return Cursor._decode_json(token)
            score, member, page, flags, rest = token.split(".", 4)
            if not set(flags) <= set("bcj"):
                return None
            query = (
                DirectoryQuery(**dict(json.loads(rest))) if "j" in flags else DirectoryQuery(rest)
            )
            cursor = Cursor(int(score), int(member), "b" in flags, "c" in flags)
            return query, cursor, max(1, int(page))
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            return None

    @staticmethod
    def _decode_json(token: str) -> tuple[DirectoryQuery, Cursor, int] | None:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            query = DirectoryQuery(**dict(data["q"]))
            cursor = Cursor(
                int(data["s"]), int(data["i"]), bool(data.get("b")), bool(data.get("c"))
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


@dataclass(frozen=True, slots=True)
class _Shape:
    """What varies the SQL of a search (the values go in as parameters): statements are built
    once per shape and cached, which keeps a query's Python cost far below its SQL cost."""

    dialect: str
    variants: tuple[int, ...]  # per query word, how many spellings are accepted
    country: bool
    city: bool
    sector: bool
    school: bool
    field: bool
    year: bool
    cursor: str  # "", "after" or "before"
    limit: int


def _text_filter(dialect: str) -> ColumnElement[bool]:
    """Members whose document has, for every query word, a word starting with a variant."""
    if dialect == "postgresql":
        # members.search_tsv: a stored column PostgreSQL generates (core/db/search_ddl.py).
        document: ColumnElement[Any] = literal_column("members.search_tsv")
        return document.op("@@")(
            func.to_tsquery(literal_column("'simple'"), bindparam("tsquery", type_=String))
        )
    matching = (
        text("SELECT rowid FROM members_fts WHERE members_fts MATCH :match")
        .bindparams(bindparam("match", type_=String))
        .columns(column("rowid", Integer))
    )
    return Member.id.in_(matching)


def _score(variants: tuple[int, ...]) -> ColumnElement[int]:
    """How many query words start a word of the name."""
    if not variants:
        return literal(0, Integer)
    parts: list[ColumnElement[int]] = []
    for i, count in enumerate(variants):
        conditions = []
        for j in range(count):
            conditions.append(Member.name_key.like(bindparam(f"w{i}_{j}_a"), escape="\\"))
            conditions.append(Member.name_key.like(bindparam(f"w{i}_{j}_b"), escape="\\"))
        parts.append(case((or_(*conditions), 1), else_=0))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


@lru_cache(maxsize=512)
def _statement(shape: _Shape) -> Select[Any]:
    score = _score(shape.variants).label("score")
    ranked = bool(shape.variants)  # without words every score is 0: name order alone
    # With words to match on SQLite, the FTS index must drive the query: wrapping the other
    # columns in coalesce() keeps the planner from starting with a scan of their index.
    driven_by_fts = shape.dialect == "sqlite" and ranked
    listed: ColumnElement[bool] = Member.directory_consent == true()  # "=": indexable
    visibility: Any = Member.visibility
    country: Any = Member.country_code
    if driven_by_fts:
        listed = func.coalesce(Member.directory_consent, False) == true()
        visibility = func.coalesce(Member.visibility, "")
        country = func.coalesce(Member.country_code, "")
    elif shape.dialect == "sqlite":
        # SQLite uses the partial index ix_members_listed_country (a country's listing in name
        # order) only when the query repeats its WHERE as written: the bare column, not "= 1".
        listed = literal_column("members.directory_consent")
    stmt = select(
        Member.id,
        Member.name_key,
        score,
        Member.full_name,
        Member.city,
        Member.country_code,
        Member.sector,
    ).where(listed, visibility == Visibility.LISTED.value)
    if shape.variants:
        stmt = stmt.where(_text_filter(shape.dialect))
    if shape.country:
        stmt = stmt.where(country == bindparam("country"))
    if shape.city:
        stmt = stmt.where(Member.city_key == bindparam("city"))
    if shape.sector:
        stmt = stmt.where(func.lower(Member.sector) == bindparam("sector"))
    if shape.school or shape.field or shape.year:
        conditions = [Education.member_id == Member.id]
        if shape.school:
            conditions.append(
                Education.institution_id.in_(
                    select(Organisation.id).where(
                        Organisation.name_key.like(bindparam("school"), escape="\\")
                    )
                )
            )
        if shape.field:
            conditions.append(Education.field.ilike(bindparam("field"), escape="\\"))
        if shape.year:
            conditions.append(Education.graduation_year == bindparam("year"))
        stmt = stmt.where(exists().where(and_(*conditions)))
    inner = stmt.subquery()
    score_c, key, ident = inner.c.score, inner.c.name_key, inner.c.id
    page = select(inner)
    c_score: Any = bindparam("c_score")
    c_id: Any = bindparam("c_id")
    # The cursor names the member at the page's edge, not their name: the name is read here.
    edge = aliased(Member, name="edge")
    c_key: Any = select(edge.name_key).where(edge.id == c_id).scalar_subquery()
    after = or_(key > c_key, and_(key == c_key, ident > c_id))
    before = or_(key < c_key, and_(key == c_key, ident < c_id))
    if ranked:
        after = or_(score_c < c_score, and_(score_c == c_score, after))
        before = or_(score_c > c_score, and_(score_c == c_score, before))
    if shape.cursor == "after":
        page = page.where(after)
    elif shape.cursor == "before":
        page = page.where(before)
    # (column, descending): the page before a cursor is read backwards, then reversed.
    backwards = shape.cursor == "before"
    order = [("score", not backwards)] if ranked else []
    order += [("name_key", backwards), ("id", backwards)]
    return _with_latest_study(page.order_by(*_sorted_by(inner, order)).limit(shape.limit), order)


def _sorted_by(rows: Any, order: list[tuple[str, bool]]) -> list[ColumnElement[Any]]:
    return [rows.c[name].desc() if descending else rows.c[name] for name, descending in order]


def _with_latest_study(page: Select[Any], order: list[tuple[str, bool]]) -> Select[Any]:
    """The page's rows, each with the member's most recent study (school, field, year), in
    the page's order: one round trip to the database per page instead of two."""
    rows = page.subquery()
    studies = aliased(Education)
    latest = (
        select(studies.id)
        .where(studies.member_id == rows.c.id)
        .order_by(studies.graduation_year.desc(), studies.id)
        .limit(1)
        .correlate(rows)
        .scalar_subquery()
    )
    return (
        select(
            rows,
            Organisation.name.label("school"),
            Education.field.label("study_field"),
            Education.graduation_year.label("graduation_year"),
        )
        .select_from(
            rows.outerjoin(Education, Education.id == latest).outerjoin(
                Organisation, Organisation.id == Education.institution_id
            )
        )
        .order_by(*_sorted_by(rows, order))
    )


def _parameters(
    query: DirectoryQuery, alternatives: list[list[str]], cursor: Cursor | None
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, variants in enumerate(alternatives):
        for j, v in enumerate(variants):
            pattern = _escape_like(v)
            params[f"w{i}_{j}_a"] = f"{pattern}%"
            params[f"w{i}_{j}_b"] = f"% {pattern}%"
    if alternatives:
        params["match"] = " AND ".join(
            "(" + " OR ".join(f'"{v}"*' for v in variants) + ")" for variants in alternatives
        )
        params["tsquery"] = " & ".join(
            "(" + " | ".join(f"'{v}':*" for v in variants) + ")" for variants in alternatives
        )
    if query.country:
        params["country"] = query.country
    if query.city:
        params["city"] = fold(query.city)
    if query.sector:
        params["sector"] = query.sector.lower()
    if query.school:
        params["school"] = f"%{_escape_like(fold(query.school))}%"
    if query.field:
        params["field"] = f"%{_escape_like(query.field)}%"
    if query.year:
        params["year"] = query.year
    if cursor is not None:
        params.update(c_score=cursor.score, c_id=cursor.member_id)
    return params


async def search_members(
    on: AsyncSession | AsyncConnection,
    query: DirectoryQuery,
    cursor: Cursor | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """A page of members matching ``query``, read in a caller's session or, being reads
    only, on ``Database.reading()``."""
    connection = await on.connection() if isinstance(on, AsyncSession) else on
    terms = query.terms
    alternatives = [[t] for t in terms]
    corrected = cursor is not None and cursor.corrected
    if corrected:
        alternatives = await _corrections(connection, terms)
    page = await _page(connection, query, alternatives, cursor, page_size, corrected)
    if not page.results and cursor is None and terms:
        suggestions = await _corrections(connection, terms)
        if suggestions != alternatives:
            page = await _page(connection, query, suggestions, None, page_size, True)
    return page


async def _page(
    connection: AsyncConnection,
    query: DirectoryQuery,
    alternatives: list[list[str]],
    cursor: Cursor | None,
    page_size: int,
    corrected: bool,
) -> SearchPage:
    backwards = cursor is not None and cursor.backwards
    shape = _Shape(
        dialect=connection.dialect.name,
        variants=tuple(len(v) for v in alternatives),
        country=bool(query.country),
        city=bool(query.city),
        sector=bool(query.sector),
        school=bool(query.school),
        field=bool(query.field),
        year=bool(query.year),
        cursor="" if cursor is None else ("before" if backwards else "after"),
        limit=page_size + 1,
    )
    result = await connection.execute(_statement(shape), _parameters(query, alternatives, cursor))
    rows = list(result.all())
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    if not rows:
        return SearchPage(corrected=corrected)
    results = [
        SearchResult(
            member_id=r.id,
            full_name=r.full_name,
            city=r.city,
            country_code=r.country_code,
            sector=r.sector,
            school=r.school,
            field=r.study_field,
            graduation_year=r.graduation_year,
        )
        for r in rows
    ]
    first, last = rows[0], rows[-1]
    more_before = cursor is not None and (not backwards or has_more)
    more_after = has_more if not backwards else True
    return SearchPage(
        results=results,
        previous=Cursor(first.score, first.id, True, corrected) if more_before else None,
        next=Cursor(last.score, last.id, False, corrected) if more_after else None,
        corrected=corrected,
    )


async def _corrections(connection: AsyncConnection, terms: list[str]) -> list[list[str]]:
    """For each word that starts no indexed word, the closest indexed words.

    One edit is allowed in words of up to five letters, two in longer ones. Candidates come
    from the vocabulary by SQL (same first three letters, or a single edit at the third),
    so Python only measures a handful of them. One statement fetches the candidates of every
    word at once: a search with typos costs one more round trip to the database, not two per
    word.
    """
    checked = [i for i, term in enumerate(terms) if len(term) >= 3]
    found: dict[int, list[str]] = {i: [] for i in checked}
    if checked:
        branches = [_candidates(i, terms[i], _allowed(terms[i])) for i in checked]
        rows = await connection.execute(union_all(*branches) if len(branches) > 1 else branches[0])
        for index, candidate in rows:
            found[index].append(candidate)
    out: list[list[str]] = []
    for i, term in enumerate(terms):
        if not found.get(i):  # a short word, a known prefix, or nothing close
            out.append([term])
            continue
        allowed = _allowed(term)
        # rapidfuzz measures the optimal-string-alignment distance in C.
        best = process.extract(
            term, sorted(found[i]), scorer=OSA.distance, score_cutoff=allowed, limit=MAX_VARIANTS
        )
        out.append([c for c, _distance, _index in best] or [term])
    return out


def _allowed(term: str) -> int:
    return 1 if len(term) <= 5 else 2


def _starting_with(prefix: str) -> ColumnElement[bool]:
    """Vocabulary words that start with prefix: a range of the (byte-ordered) primary key."""
    return and_(SearchTerm.term >= prefix, SearchTerm.term < _next_prefix(prefix))


def _candidates(index: int, term: str, allowed: int) -> Select[Any]:
    """(index, word) for the close spellings of term, none when some word starts with it.

    Close: of a length within the allowed edits, and either with the same first three letters
    or one edit away at the third letter: substituted, deleted, inserted, or swapped with the
    fourth. The last four are index look-ups (the words less their third letter, and the words
    themselves), so a misspelt word costs the same whatever the size of the vocabulary.
    """
    length = func.length(SearchTerm.term).between(len(term) - allowed, len(term) + allowed)
    shortened = without_third_letter(term)
    exact = {shortened}
    if len(term) > 3:
        exact.add(term[:2] + term[3] + term[2] + term[4:])
    near = or_(
        SearchTerm.without_third_letter.in_(sorted({shortened, term})),
        SearchTerm.term.in_(sorted(exact)),
    )
    known = select(SearchTerm.term).where(_starting_with(term)).limit(1)
    close = (
        select(SearchTerm.term)
        .where(~exists(known), length, or_(_starting_with(term[:3]), near))
        .limit(5000)
        .subquery()
    )
    return select(literal(index, Integer).label("index"), close.c.term)


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


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
