"""Broadcasts: a country admin's announcement to the country's members, previewed as a
draft, sent only once confirmed, through the outbox (one message per member, each framed in
the member's language), with its progress read back from the outbox batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import Broadcast, Education, Member, Organisation
from ..delivery.fanout import enqueue_many, recipients
from ..delivery.status import BatchProgress, batch_progress
from ..domain import Platform, fold
from ..errors import CountedUserError, UserError
from ..i18n import N_, use_locale
from ..offers.audit import audit
from .chapters import load_chapter, require_admin_of

__all__ = [
    "TEXT_MAX",
    "Audience",
    "audience_ids",
    "batch_of",
    "broadcast_progress",
    "confirm_broadcast",
    "prepare_broadcast",
]

TEXT_MAX = 2000


@dataclass(frozen=True, slots=True)
class Audience:
    city: str | None = None
    sector: str | None = None
    school: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (("city", self.city), ("sector", self.sector), ("school", self.school))
            if v
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> Audience:
        return cls(data.get("city"), data.get("sector"), data.get("school"))


def batch_of(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def audience_ids(country_code: str, audience: Audience) -> Select[Any]:
    """The members a broadcast reaches, as a select of ids (never loaded one by one)."""
    statement = select(Member.id).where(
        Member.country_code == country_code, Member.erased_at.is_(None)
    )
    if audience.city:
        statement = statement.where(Member.city_key == fold(audience.city))
    if audience.sector:
        statement = statement.where(Member.sector == audience.sector)
    if audience.school:
        key = fold(audience.school)
        statement = statement.where(
            exists(
                select(Education.id)
                .join(Organisation, Organisation.id == Education.institution_id)
                .where(
                    Education.member_id == Member.id,
                    or_(Organisation.slug == audience.school.lower(), Organisation.name_key == key),
                )
            )
        )
    return statement


async def prepare_broadcast(
    session: AsyncSession,
    actor: Actor,
    country_code: str,
    text: str,
    audience: Audience,
    *,
    now: dt.datetime,
) -> tuple[Broadcast, int]:
    """A draft and how many members it would reach; nothing is queued yet."""
    author = require_admin_of(actor, country_code)
    chapter = await load_chapter(session, country_code)
    body = text.strip()
    if not body:
        raise UserError(
            N_("Write the announcement after the country, for example: /broadcast BR Hello!")
        )
    if len(body) > TEXT_MAX:
        raise CountedUserError(
            "The announcement is too long ({count} character); the limit is {limit}.",
            "The announcement is too long ({count} characters); the limit is {limit}.",
            len(body),
            limit=TEXT_MAX,
        )
    count = await session.scalar(
        select(func.count()).select_from(audience_ids(chapter.country_code, audience).subquery())
    )
    broadcast = Broadcast(
        country_code=chapter.country_code,
        author_id=author,
        text=body,
        filters=audience.as_dict(),
        state="draft",
        recipients=count or 0,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast, count or 0


async def confirm_broadcast(
    session: AsyncSession,
    actor: Actor,
    broadcast_id: int,
    *,
    now: dt.datetime,
    frame: Callable[[Broadcast], Reply],
    progress_message: tuple[Platform, str] | None = None,
) -> tuple[Broadcast, int]:
    """Queue the draft's messages (once: confirming again queues nothing more).

    ``progress_message``: the author's message (platform, message id in their private chat)
    that the senders then edit with the live progress (see ``core.events.progress``).
    """
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    )
    if broadcast is None:
        raise UserError(N_("There is no broadcast number {id}."), id=broadcast_id)
    require_admin_of(actor, broadcast.country_code)
    if broadcast.state != "draft":
        return broadcast, 0
    people = await recipients(
        session, audience_ids(broadcast.country_code, Audience.of(broadcast.filters))
    )
    by_locale: dict[str, Reply] = {}
    for person in people:
        if person.locale not in by_locale:
            with use_locale(person.locale):
                by_locale[person.locale] = frame(broadcast)
    queued = await enqueue_many(
        session,
        (
            (f"{batch_of(broadcast.id)}:{p.member_id}", p.target, by_locale[p.locale])
            for p in people
        ),
        kind="broadcast",
        now=now,
        batch=batch_of(broadcast.id),
    )
    broadcast.state = "sent"
    broadcast.recipients = queued
    broadcast.confirmed_at = now
    if progress_message is not None:
        broadcast.progress_platform, broadcast.progress_message_id = progress_message
    await audit(
        session,
        actor_id=actor.member_id,
        action="broadcast.send",
        subject="broadcast",
        subject_id=broadcast.id,
        now=now,
        country=broadcast.country_code,
        recipients=queued,
    )
    return broadcast, queued


async def broadcast_progress(
    session: AsyncSession, actor: Actor, broadcast_id: int
) -> tuple[Broadcast, BatchProgress]:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise UserError(N_("There is no broadcast number {id}."), id=broadcast_id)
    require_admin_of(actor, broadcast.country_code)
    return broadcast, await batch_progress(session, batch_of(broadcast.id))
