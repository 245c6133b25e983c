"""Directory search: only consented, listed members; cursor pagination.

This first version matches folded (accent- and case-insensitive) word prefixes with LIKE on
an index-friendly key. Full-text backends per engine come with the directory feature.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Education, Member, Organisation
from ..domain import Visibility, fold

__all__ = ["Cursor", "DirectoryQuery", "SearchPage", "SearchResult", "search_members"]

PAGE_SIZE = 5


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


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the (name_key, id) order; ``backwards`` asks for the page before it."""

    name_key: str
    member_id: int
    backwards: bool = False

    def encode(self, query: DirectoryQuery, page: int) -> str:
        data = {"q": query.to_json(), "k": self.name_key, "i": self.member_id, "p": page}
        if self.backwards:
            data["b"] = 1
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> tuple[DirectoryQuery, Cursor, int] | None:
        """None for anything that is not a cursor this code wrote."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            query = DirectoryQuery(**dict(data["q"]))
            cursor = Cursor(str(data["k"]), int(data["i"]), bool(data.get("b")))
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: DirectoryQuery) -> Select[Member]:
    stmt = select(Member).where(
        Member.directory_consent.is_(True), Member.visibility == Visibility.LISTED
    )
    for word in fold(query.text).split()[:8]:
        pattern = _escape_like(word)
        stmt = stmt.where(
            or_(
                Member.name_key.like(f"{pattern}%", escape="\\"),
                Member.name_key.like(f"% {pattern}%", escape="\\"),
            )
        )
    if query.country:
        stmt = stmt.where(Member.country_code == query.country)
    if query.city:
        stmt = stmt.where(Member.city.ilike(_escape_like(query.city), escape="\\"))
    if query.sector:
        stmt = stmt.where(Member.sector.ilike(f"%{_escape_like(query.sector)}%", escape="\\"))
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
    stmt = _filtered(query)
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        position = (Member.name_key, Member.id)
        if backwards:
            stmt = stmt.where(
                or_(
                    position[0] < cursor.name_key,
                    and_(position[0] == cursor.name_key, position[1] < cursor.member_id),
                )
            )
        else:
            stmt = stmt.where(
                or_(
                    position[0] > cursor.name_key,
                    and_(position[0] == cursor.name_key, position[1] > cursor.member_id),
                )
            )
    order = (
        (Member.name_key.desc(), Member.id.desc()) if backwards else (Member.name_key, Member.id)
    )
    members = list((await session.scalars(stmt.order_by(*order).limit(page_size + 1))).all())
    has_more = len(members) > page_size
    members = members[:page_size]
    if backwards:
        members.reverse()
    if not members:
        return SearchPage()
    schools = await _first_education(session, [m.id for m in members])
    results = [
        SearchResult(
            member_id=m.id,
            full_name=m.full_name,
            city=m.city,
            country_code=m.country_code,
            sector=m.sector,
            school=schools.get(m.id, (None, None, None))[0],
            field=schools.get(m.id, (None, None, None))[1],
            graduation_year=schools.get(m.id, (None, None, None))[2],
        )
        for m in members
    ]
    first, last = members[0], members[-1]
    more_before = cursor is not None and (not backwards or has_more)
    more_after = has_more if not backwards else True
    return SearchPage(
        results=results,
        previous=Cursor(first.name_key, first.id, backwards=True) if more_before else None,
        next=Cursor(last.name_key, last.id) if more_after else None,
    )


async def _first_education(
    session: AsyncSession, member_ids: list[int]
) -> dict[int, tuple[str | None, str | None, int | None]]:
    rows = await session.execute(
        select(Education.member_id, Organisation.name, Education.field, Education.graduation_year)
        .join(Organisation, Organisation.id == Education.institution_id)
        .where(Education.member_id.in_(member_ids))
        .order_by(Education.member_id, Education.graduation_year.desc(), Education.id)
    )
    found: dict[int, tuple[str | None, str | None, int | None]] = {}
    for member_id, school, field_name, year in rows:
        found.setdefault(member_id, (school, field_name, year))
    return found
