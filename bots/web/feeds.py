"""Public feeds of a chapter: ``/chapters/{country}/events.ics`` and ``.../offers.atom``.

Anyone may read them (calendar apps, feed readers, the embassy's website): they hold only
what was published, never a member's data. ``?lang=`` picks the language of translated text
(else the country's default language). Each answer carries a strong ETag computed from its
bytes; a client sending it back in ``If-None-Match`` gets ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.bootstrap import App
from core.db.models import Country
from core.events import country_feed
from core.i18n import default_locale, normalize_locale, use_locale
from core.offers.feed import country_offers_feed

__all__ = ["CACHE_CONTROL", "etag_of", "feed_routes", "matches"]

CACHE_CONTROL = "public, max-age=300"
Build = Callable[[AsyncSession, str, web.Request], Awaitable[bytes]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against our ETag (``*`` matches)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _feed(app: App, build: Build, content_type: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        code = request.match_info["country"].upper()
        if not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise web.HTTPNotFound()
        async with app.db.sessions() as session:
            default_language = await session.scalar(
                select(Country.default_language).where(Country.code == code)
            )
            if default_language is None:
                raise web.HTTPNotFound()
            locale = (
                normalize_locale(request.query.get("lang"))
                or normalize_locale(default_language)
                or default_locale()
            )
            with use_locale(locale):
                body = await build(session, code, request)
        etag = etag_of(body)
        headers = {
            "ETag": etag,
            "Cache-Control": CACHE_CONTROL,
            "Content-Language": locale.replace("_", "-"),
        }
        if matches(request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type=content_type, charset="utf-8", headers=headers)

    return serve


def feed_routes(app: App) -> list[web.RouteDef]:
    async def events(session: AsyncSession, code: str, _request: web.Request) -> bytes:
        return await country_feed(session, code, now=app.clock.now())

    async def offers(session: AsyncSession, code: str, request: web.Request) -> bytes:
        return await country_offers_feed(
            session, code, now=app.clock.now(), self_url=str(request.url)
        )

    return [
        web.get("/chapters/{country}/events.ics", _feed(app, events, "text/calendar")),
        web.get("/chapters/{country}/offers.atom", _feed(app, offers, "application/atom+xml")),
    ]
