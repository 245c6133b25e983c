"""Browsing offers: only open, unexpired ones; ranked; accent-insensitive; cursor pages.

Each offer keeps a folded ``search_document`` framed by spaces, so a word prefix is one
``LIKE '% word%'`` on both engines (offers number in the thousands, not millions). Results
rank by how many query words start a word of the title, then newest first. Expired offers
leave by the ``expires_at > now`` condition: nothing has to run for them to go.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Offer, Organisation
from ..directory.documents import terms_of
from ..domain import fold
from .cards import OfferSummary
from .domain import OfferKind, OfferState

__all__ = ["OfferCursor", "OfferPage", "OfferQuery", "search_offers"]

PAGE_SIZE = 5
MAX_TERMS = 8


@dataclass(frozen=True, slots=True)
class OfferQuery:
    text: str = ""
    kind: str | None = None
    country: str | None = None
    sector: str | None = None
    language: str | None = None
    organisation_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def terms(self) -> list[str]:
        return terms_of(fold(self.text))[:MAX_TERMS]


@dataclass(frozen=True, slots=True)
class OfferCursor:
    """A position in the (score desc, published_at desc, id desc) order."""

    score: int
    published_at: dt.datetime
    offer_id: int
    backwards: bool = False

    def encode(self, query: OfferQuery, page: int) -> str:
        data: dict[str, Any] = {
            "q": query.to_json(),
            "s": self.score,
            "t": self.published_at.isoformat(),
            "i": self.offer_id,
            "p": page,
        }
        if self.backwards:
            data["b"] = 1
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> tuple[OfferQuery, OfferCursor, int] | None:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            query = OfferQuery(**dict(data["q"]))
            published = dt.datetime.fromisoformat(str(data["t"]))
            if published.tzinfo is None:
                return None
            cursor = OfferCursor(int(data["s"]), published, int(data["i"]), bool(data.get("b")))
            return query, cursor, max(1, int(data["p"]))
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            return None


@dataclass(frozen=True, slots=True)
class OfferPage:
    results: list[OfferSummary] = field(default_factory=list)
    previous: OfferCursor | None = None
    next: OfferCursor | None = None


def _escape_like(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class _Shape:
    terms: int
    kind: bool
    country: bool
    sector: bool
    language: bool
    organisation: bool
    cursor: str  # "", "after", "before"
    limit: int


@lru_cache(maxsize=256)
def _statement(shape: _Shape) -> Any:
    score: Any = literal(0, Integer)
    for n in range(shape.terms):
        score = score + case((Offer.title_key.like(bindparam(f"w{n}"), escape="\\"), 1), else_=0)
    inner = select(Offer, Organisation.name.label("organisation"), score.label("score")).join(
        Organisation, Organisation.id == Offer.organisation_id
    )
    inner = inner.where(Offer.state == OfferState.OPEN, Offer.expires_at > bindparam("now"))
    for n in range(shape.terms):
        inner = inner.where(Offer.search_document.like(bindparam(f"w{n}"), escape="\\"))
    if shape.kind:
        inner = inner.where(Offer.kind == bindparam("kind"))
    if shape.country:
        inner = inner.where(Offer.country_code == bindparam("country"))
    if shape.sector:
        inner = inner.where(Offer.sector == bindparam("sector"))
    if shape.language:
        inner = inner.where(Offer.languages_key.like(bindparam("language"), escape="\\"))
    if shape.organisation:
        inner = inner.where(Offer.organisation_id == bindparam("organisation_id"))
    sub = inner.subquery()
    s: Any = sub.c.score
    t: Any = sub.c.published_at
    i: Any = sub.c.id
    page = select(sub)
    c_s: Any = bindparam("c_s")
    c_t: Any = bindparam("c_t", type_=Offer.published_at.type)
    c_i: Any = bindparam("c_i")
    if shape.cursor == "after":
        page = page.where(or_(s < c_s, and_(s == c_s, or_(t < c_t, and_(t == c_t, i < c_i)))))
        return page.order_by(s.desc(), t.desc(), i.desc()).limit(shape.limit)
    if shape.cursor == "before":
        page = page.where(or_(s > c_s, and_(s == c_s, or_(t > c_t, and_(t == c_t, i > c_i)))))
        return page.order_by(s.asc(), t.asc(), i.asc()).limit(shape.limit)
    return page.order_by(s.desc(), t.desc(), i.desc()).limit(shape.limit)


async def search_offers(
    session: AsyncSession,
    query: OfferQuery,
    *,
    now: dt.datetime,
    cursor: OfferCursor | None = None,
    page_size: int = PAGE_SIZE,
) -> OfferPage:
    terms = query.terms
    backwards = cursor is not None and cursor.backwards
    shape = _Shape(
        terms=len(terms),
        kind=bool(query.kind),
        country=bool(query.country),
        sector=bool(query.sector),
        language=bool(query.language),
        organisation=bool(query.organisation_id),
        cursor="" if cursor is None else ("before" if backwards else "after"),
        limit=page_size + 1,
    )
    params: dict[str, Any] = {"now": now}
    for i, term in enumerate(terms):
        params[f"w{i}"] = f"% {_escape_like(term)}%"
    if query.kind:
        params["kind"] = query.kind
    if query.country:
        params["country"] = query.country
    if query.sector:
        params["sector"] = query.sector
    if query.language:
        params["language"] = f"% {_escape_like(query.language)} %"
    if query.organisation_id:
        params["organisation_id"] = query.organisation_id
    if cursor is not None:
        params.update(c_s=cursor.score, c_t=cursor.published_at, c_i=cursor.offer_id)
    rows = list((await session.execute(_statement(shape), params)).mappings().all())
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    if not rows:
        return OfferPage()
    results = [
        OfferSummary(
            id=row["id"],
            kind=OfferKind(row["kind"]),
            title=row["title"],
            organisation=row["organisation"],
            country_code=row["country_code"],
            city=row["city"],
            remote=bool(row["remote"]),
            sector=row["sector"],
            languages=tuple(row["languages"] or ()),
            contract=row["contract"],
            description=row["description"],
            apply_url=row["apply_url"],
            apply_email=row["apply_email"],
            expires_at=row["expires_at"],
            state=OfferState(row["state"]),
        )
        for row in rows
    ]
    first, last = rows[0], rows[-1]
    more_before = cursor is not None and (not backwards or has_more)
    more_after = has_more if not backwards else True
    return OfferPage(
        results=results,
        previous=OfferCursor(first["score"], first["published_at"], first["id"], True)
        if more_before
        else None,
        next=OfferCursor(last["score"], last["published_at"], last["id"]) if more_after else None,
    )
