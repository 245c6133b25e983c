"""Chapters: headquarters opens one per country and names its admins; they run only theirs."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from babel import Locale
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..db.models import Chapter, ChapterChannel, Country, Member, RoleGrant
from ..delivery.outbox import Target
from ..directory.vocabulary import resolve_language
from ..domain import Platform, Role
from ..errors import UserError
from ..i18n import N_, country_name
from ..offers.audit import audit

__all__ = [
    "DAYS",
    "ChapterInfo",
    "add_channel",
    "channel_targets",
    "list_chapters",
    "load_chapter",
    "name_admin",
    "open_chapter",
    "require_admin_of",
    "time_zone",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NOT_YOURS = N_("You can only manage the chapter of a country you are an administrator of.")


@dataclass(frozen=True, slots=True)
class ChapterInfo:
    country_code: str
    languages: tuple[str, ...]
    time_zone: str
    digest_day: str
    digest_hour: int

    @classmethod
    def of(cls, chapter: Chapter) -> ChapterInfo:
        return cls(
            chapter.country_code,
            tuple(chapter.languages),
            chapter.time_zone,
            chapter.digest_day,
            chapter.digest_hour,
        )


def time_zone(name: str) -> str:
    """The IANA name if it is one, else a translated refusal."""
    cleaned = name.strip()
    try:
        if not cleaned or cleaned.startswith(("/", ".")):
            raise ValueError(cleaned)
        zoneinfo.ZoneInfo(cleaned)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise UserError(
            N_("Unknown time zone {value}. Write it like Europe/Paris or America/Sao_Paulo."),
            value=name,
        ) from None
    return cleaned


def require_admin_of(actor: Actor, country_code: str) -> int:
    """The actor's member id if they may manage this country's chapter."""
    if actor.member_id is None or not actor.admin_of(country_code):
        raise UserError(NOT_YOURS)
    return actor.member_id


def _languages(values: Sequence[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        if not value.strip():
            continue
        code = resolve_language(value.strip())
        if code is None:
            raise UserError(N_("Unknown language {value}."), value=value.strip())
        if code not in found:
            found.append(code)
    return found or ["fr", "en"]


async def open_chapter(
    session: AsyncSession,
    actor: Actor,
    country_code: str,
    *,
    languages: Sequence[str],
    zone: str,
    digest_day: str = "mon",
    digest_hour: int = 9,
    now: dt.datetime,
) -> Chapter:
    """Open (or reconfigure) a country's chapter; global admins only."""
    if actor.member_id is None or not actor.has_role(Role.GLOBAL_ADMIN):
        raise UserError(N_("Only the network's administrators can do this."))
    code = country_code.upper()
    if code not in Locale("en").territories or not code.isalpha() or len(code) != 2:
        raise UserError(
            N_("Unknown country {value}. Use a country name or a two-letter code such as BR."),
            value=country_code,
        )
    zone = time_zone(zone)
    if digest_day not in DAYS:
        raise UserError(N_("The digest day is one of: {choices}."), choices=", ".join(DAYS))
    if not 0 <= digest_hour <= 23:
        raise UserError(N_("The digest hour is a whole number from 0 to 23."))
    langs = _languages(languages)
    country = await session.get(Country, code)
    if country is None:
        country = Country(code=code, languages=langs, time_zone=zone, default_language=langs[-1])
        session.add(country)
    else:
        country.languages = langs
        country.time_zone = zone
    chapter = await session.get(Chapter, code)
    if chapter is None:
        chapter = Chapter(country_code=code, opened_by_id=actor.member_id, opened_at=now)
        session.add(chapter)
    chapter.languages = langs
    chapter.time_zone = zone
    chapter.digest_day = digest_day
    chapter.digest_hour = digest_hour
    await session.flush()
    await audit(
        session,
        actor_id=actor.member_id,
        action="chapter.open",
        subject="chapter",
        subject_id=0,
        now=now,
        country=code,
        languages=langs,
        time_zone=zone,
    )
    return chapter


async def load_chapter(session: AsyncSession, country_code: str) -> Chapter:
    chapter = await session.get(Chapter, country_code.upper())
    if chapter is None:
        raise UserError(
            N_("There is no chapter for {country} yet."),
            country=country_name(country_code.upper()),
        )
    return chapter


async def list_chapters(session: AsyncSession) -> list[ChapterInfo]:
    rows = await session.scalars(select(Chapter).order_by(Chapter.country_code))
    return [ChapterInfo.of(c) for c in rows]


async def name_admin(
    session: AsyncSession, actor: Actor, country_code: str, email: str, *, now: dt.datetime
) -> Member:
    """Make the member with this e-mail an administrator of the country (global admins)."""
    if actor.member_id is None or not actor.has_role(Role.GLOBAL_ADMIN):
        raise UserError(N_("Only the network's administrators can do this."))
    chapter = await load_chapter(session, country_code)
    member = await session.scalar(select(Member).where(Member.email == email.strip().lower()))
    if member is None or member.erased_at is not None:
        raise UserError(N_("No member has the e-mail address {email}."), email=email)
    exists = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.member_id == member.id,
            RoleGrant.role == Role.COUNTRY_ADMIN,
            RoleGrant.country_code == chapter.country_code,
        )
    )
    if exists is None:
        session.add(
            RoleGrant(
                member_id=member.id,
                role=Role.COUNTRY_ADMIN,
                country_code=chapter.country_code,
                granted_at=now,
            )
        )
        await audit(
            session,
            actor_id=actor.member_id,
            action="chapter.admin",
            subject="member",
            subject_id=member.id,
            now=now,
            country=chapter.country_code,
        )
    return member


async def add_channel(
    session: AsyncSession,
    actor: Actor,
    country_code: str,
    target: Target,
    *,
    now: dt.datetime,
) -> ChapterChannel:
    """Post the chapter's announcements and digests in this channel too."""
    require_admin_of(actor, country_code.upper())
    chapter = await load_chapter(session, country_code)
    existing = await session.scalar(
        select(ChapterChannel).where(
            ChapterChannel.country_code == chapter.country_code,
            ChapterChannel.platform == target.platform,
            ChapterChannel.workspace == target.workspace,
            ChapterChannel.chat_id == target.chat_id,
        )
    )
    if existing is not None:
        return existing
    channel = ChapterChannel(
        country_code=chapter.country_code,
        platform=target.platform,
        workspace=target.workspace,
        chat_id=target.chat_id,
        created_at=now,
    )
    session.add(channel)
    await session.flush()
    return channel


async def channel_targets(session: AsyncSession, country_code: str) -> list[Target]:
    rows = await session.execute(
        select(ChapterChannel.platform, ChapterChannel.chat_id, ChapterChannel.workspace)
        .where(ChapterChannel.country_code == country_code)
        .order_by(ChapterChannel.id)
    )
    return [Target(Platform(p), chat, ws) for p, chat, ws in rows]
