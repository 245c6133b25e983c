"""Set-based writes to the outbox: where many members are reached and in which language, in
one query, and their messages in one executemany.

``core.delivery.outbox.notify_member`` answers the same for one member with two queries;
a broadcast or a digest to a whole country would make that two queries per member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, String, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Reply
from ..db.base import insert_for, table_of
from ..db.models import Country, DigestSubscription, Member, OutboxMessage, PlatformAccount
from ..domain import Platform
from ..i18n import default_locale, normalize_locale
from .outbox import USER_PREFIX, Target

__all__ = ["Recipient", "enqueue_many", "recipients", "subscribers_of"]

CHUNK = 2_000
_PLATFORMS = {platform.value: platform for platform in Platform}


@dataclass(frozen=True, slots=True)
class Recipient:
    member_id: int
    target: Target
    locale: str
    city_key: str = ""


def _reach(statement: Select[Any]) -> Select[Any]:
    """The columns ``_recipients`` reads, on ``statement``'s joins, in their order."""
    reach = statement.with_only_columns(
        PlatformAccount.member_id,
        type_coerce(PlatformAccount.platform, String),
        PlatformAccount.workspace,
        PlatformAccount.user_id,
        PlatformAccount.locale,
        Member.preferred_language,
        Country.default_language,
        Member.city_key,
    ).order_by(
        PlatformAccount.member_id,
        PlatformAccount.created_at.desc(),
        PlatformAccount.id.desc(),
    )
    return cast("Select[Any]", reach)


async def recipients(session: AsyncSession, member_ids: Select[Any]) -> list[Recipient]:
    """Each member of ``member_ids`` (a select of member ids) who has an account: the chat
    they are reached on and their language (same rules as ``member_target``)."""
    return await _recipients(
        session,
        _reach(
            select(PlatformAccount.member_id)
            .join(Member, Member.id == PlatformAccount.member_id)
            .outerjoin(Country, Country.code == Member.country_code)
            .where(PlatformAccount.member_id.in_(member_ids.scalar_subquery()))
        ),
    )


async def subscribers_of(
    session: AsyncSession, country_code: str, only_member: int | None = None
) -> list[Recipient]:
    """Like ``recipients`` for the members of a country subscribed to its digest, in one
    join from the country's members (rather than finding them first, then their accounts)."""
    statement = (
        select(Member.id)
        .join(DigestSubscription, DigestSubscription.member_id == Member.id)
        .join(PlatformAccount, PlatformAccount.member_id == Member.id)
        .outerjoin(Country, Country.code == Member.country_code)
        .where(Member.country_code == country_code, Member.erased_at.is_(None))
    )
    if only_member is not None:
        statement = statement.where(Member.id == only_member)
    return await _recipients(session, _reach(statement))


async def _recipients(session: AsyncSession, statement: Select[Any]) -> list[Recipient]:
    """A country's digest reads a row per member of the country: the rows are read as plain
    tuples (no ORM rows, no enum per row), each member's account chosen as ``member_target``
    does, and each language worked out once per combination of preferences."""
    rows = await (await session.connection()).execute(statement)
    console = Platform.CONSOLE.value
    chosen: dict[int, Any] = {}
    for row in rows:
        current = chosen.get(row[0])
        if current is None or (current[1] == console and row[1] != console):
            chosen[row[0]] = row
    cache: dict[tuple[str | None, str | None, str | None], str] = {}
    found = []
    for (
        member_id,
        platform,
        workspace,
        user_id,
        account_locale,
        preferred,
        chapter,
        city,
    ) in chosen.values():
        key = (preferred, account_locale, chapter)
        locale = cache.get(key)
        if locale is None:
            locale = cache[key] = (
                normalize_locale(preferred)
                or normalize_locale(account_locale)
                or normalize_locale(chapter)
                or default_locale()
            )
        target = Target(_PLATFORMS[platform], USER_PREFIX + user_id, workspace)
        found.append(Recipient(member_id, target, locale, city or ""))
    return found


async def enqueue_many(
    session: AsyncSession,
    messages: Iterable[tuple[str, Target, Reply]],
    *,
    kind: str,
    now: dt.datetime,
    batch: str | None = None,
    not_before: dt.datetime | None = None,
) -> int:
    """Queue (key, target, reply) messages; keys queued before are skipped. Returns how many
    were offered (the duplicates are dropped by the database)."""
    statement = insert_for(session)(table_of(OutboxMessage)).on_conflict_do_nothing(
        index_elements=["key"]
    )
    # One encoding per distinct Reply object (kept alive here, so its id is not reused).
    encoded: dict[int, tuple[Reply, dict[str, Any]]] = {}
    rows: list[dict[str, Any]] = []
    count = 0
    for key, target, reply in messages:
        known = encoded.get(id(reply))
        if known is None:
            known = encoded[id(reply)] = (reply, reply.to_dict())
        data = known[1]
        rows.append(
            {
                "key": key,
                "kind": kind,
                "batch": batch,
                "platform": target.platform,
                "workspace": target.workspace,
                "chat_id": target.chat_id,
                "reply": data,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": not_before or now,
                "history": [],
                "created_at": now,
            }
        )
        if len(rows) >= CHUNK:
            count += await _flush(session, statement, rows)
            rows = []
    if rows:
        count += await _flush(session, statement, rows)
    return count


async def _flush(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> int:
    await session.execute(statement, list(rows))
    return len(rows)
