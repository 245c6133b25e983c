"""Short articles (news, economic information) published for a country by its admins or by
organisation representatives; listed per country and included in digests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..db.models import Article
from ..domain import Role
from ..errors import UserError
from ..i18n import N_, gettext
from ..offers.audit import audit
from .chapters import load_chapter

__all__ = [
    "ARTICLE_MAX",
    "ARTICLE_TITLE_MAX",
    "list_articles",
    "publish_article",
    "require_author",
]

ARTICLE_TITLE_MAX = 150
ARTICLE_MAX = 3000


def require_author(actor: Actor, country_code: str) -> int | None:
    """The organisation an article of this country is published for (None: by the chapter's
    administrators); refuses everyone else, before they write anything."""
    if actor.admin_of(country_code):
        return None
    represented = sorted(
        g.organisation_id
        for g in actor.grants
        if g.role is Role.REPRESENTATIVE and g.organisation_id is not None
    )
    if not represented:
        raise UserError(
            N_(
                "Only the country's administrators and organisation representatives "
                "can publish articles there."
            )
        )
    return represented[0]


async def publish_article(
    session: AsyncSession,
    actor: Actor,
    country_code: str,
    title: str,
    body: str,
    *,
    now: dt.datetime,
) -> Article:
    chapter = await load_chapter(session, country_code)
    organisation_id = require_author(actor, chapter.country_code)
    title, body = title.strip(), body.strip()
    if not title:
        raise UserError(N_("{field} is required."), field=gettext("Title"))
    article = Article(
        country_code=chapter.country_code,
        author_id=actor.member_id,
        organisation_id=organisation_id,
        title=title[:ARTICLE_TITLE_MAX],
        body=body[:ARTICLE_MAX],
        published_at=now,
    )
    session.add(article)
    await session.flush()
    await audit(
        session,
        actor_id=actor.member_id,
        action="article.publish",
        subject="article",
        subject_id=article.id,
        now=now,
        organisation_id=organisation_id,
        country=chapter.country_code,
    )
    return article


async def list_articles(
    session: AsyncSession, country_code: str, *, since: dt.datetime | None = None, limit: int = 20
) -> list[Article]:
    statement = select(Article).where(Article.country_code == country_code.upper())
    if since is not None:
        statement = statement.where(Article.published_at >= since)
    rows = await session.scalars(
        statement.order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)
    )
    return list(rows.all())
