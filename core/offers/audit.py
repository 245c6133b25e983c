"""Every decision about organisations and offers leaves a line: who, what, when, on what."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import AuditEntry

__all__ = ["audit", "audit_trail"]


async def audit(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    subject: str,
    subject_id: int,
    now: dt.datetime,
    organisation_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            subject=subject,
            subject_id=subject_id,
            organisation_id=organisation_id,
            detail=detail,
            created_at=now,
        )
    )
    await session.flush()


async def audit_trail(session: AsyncSession, subject: str, subject_id: int) -> list[AuditEntry]:
    """The decisions about one offer or request, oldest first."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject == subject, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.id)
    )
    return list(rows.all())
