"""Writing to the outbox: call these inside the transaction of the change that causes the
message, so both commit or neither does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Reply
from ..db.base import insert_for
from ..db.models import Country, Member, OutboxMessage, PlatformAccount
from ..domain import Platform
from ..i18n import default_locale, normalize_locale, use_locale

__all__ = ["USER_PREFIX", "Target", "enqueue", "member_target", "notify_member"]


USER_PREFIX = "user:"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes, on one platform: ``user:<id>`` is that person's private chat
    (each sender knows how to open it); anything else is a channel or group id."""

    platform: Platform
    chat_id: str
    workspace: str = ""

    @classmethod
    def user(cls, platform: Platform, user_id: str, workspace: str = "") -> Target:
        return cls(platform, USER_PREFIX + user_id, workspace)

    @property
    def user_id(self) -> str | None:
        """The person's id when this is a private chat, else None."""
        return self.chat_id.removeprefix(USER_PREFIX) if self.is_user else None

    @property
    def is_user(self) -> bool:
        return self.chat_id.startswith(USER_PREFIX)


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    target: Target,
    reply: Reply,
    now: dt.datetime,
    batch: str | None = None,
    not_before: dt.datetime | None = None,
    edit_of: str | None = None,
    extras: Mapping[str, Any] | None = None,
) -> bool:
    """Add one message; False when a message with this key exists already (nothing added).

    ``edit_of``: the platform's id of a message in the target chat that this reply replaces.
    ``extras`` are stored beside the reply for the sender (``Delivery.extras``).
    """
    statement = (
        insert_for(session)(OutboxMessage)
        .values(
            key=key,
            kind=kind,
            batch=batch,
            platform=target.platform,
            workspace=target.workspace,
            chat_id=target.chat_id,
            reply={**reply.to_dict(), **(extras or {})},
            state="pending",
            attempts=0,
            next_attempt_at=not_before or now,
            history=[],
            created_at=now,
            edit_of=edit_of,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def member_target(session: AsyncSession, member_id: int) -> tuple[Target, str] | None:
    """The account a member is reached on, and the language to write to them in.

    The most recently linked chat platform wins; the console only when it is all they have.
    """
    accounts = (
        await session.execute(
            select(
                PlatformAccount.platform,
                PlatformAccount.workspace,
                PlatformAccount.user_id,
                PlatformAccount.locale,
            )
            .where(PlatformAccount.member_id == member_id)
            .order_by(PlatformAccount.created_at.desc(), PlatformAccount.id.desc())
        )
    ).all()
    if not accounts:
        return None
    chosen = next((a for a in accounts if a.platform is not Platform.CONSOLE), accounts[0])
    row = (
        await session.execute(
            select(Member.preferred_language, Country.default_language)
            .outerjoin(Country, Country.code == Member.country_code)
            .where(Member.id == member_id)
        )
    ).first()
    preferred, chapter = (row[0], row[1]) if row else (None, None)
    locale = (
        normalize_locale(preferred)
        or normalize_locale(chosen.locale)
        or normalize_locale(chapter)
        or default_locale()
    )
    return Target.user(chosen.platform, chosen.user_id, chosen.workspace), locale


async def notify_member(
    session: AsyncSession,
    member_id: int,
    *,
    key: str,
    kind: str,
    build: Callable[[], Reply],
    now: dt.datetime,
    batch: str | None = None,
    not_before: dt.datetime | None = None,
) -> bool:
    """Queue a message to a member, written in their language (``build`` runs in it).

    False when the member has no reachable account or the key was queued before.
    """
    found = await member_target(session, member_id)
    if found is None:
        return False
    target, locale = found
    with use_locale(locale):
        reply = build()
    return await enqueue(
        session,
        key=key,
        kind=kind,
        target=target,
        reply=reply,
        now=now,
        batch=batch,
        not_before=not_before,
    )
