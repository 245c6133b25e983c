"""What the outbox holds: counts per platform and state, and one batch's progress."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import OutboxMessage

__all__ = ["BatchProgress", "batch_progress", "outbox_counts"]

STATES = ("pending", "sending", "sent", "failed", "unreachable")


async def outbox_counts(session: AsyncSession) -> dict[str, dict[str, int]]:
    """{platform: {state: count}} for every state, zeros included."""
    rows = await session.execute(
        select(OutboxMessage.platform, OutboxMessage.state, func.count()).group_by(
            OutboxMessage.platform, OutboxMessage.state
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for platform, state, count in rows:
        counts.setdefault(platform.value, dict.fromkeys(STATES, 0))[state] = count
    return counts


@dataclass(frozen=True, slots=True)
class BatchProgress:
    total: int
    sent: int
    unreachable: int
    failed: int

    @property
    def done(self) -> bool:
        return self.sent + self.unreachable + self.failed >= self.total


async def batch_progress(session: AsyncSession, batch: str) -> BatchProgress:
    """How far a broadcast (or any batch) has gone: its author watches this."""
    rows = dict(
        (
            await session.execute(
                select(OutboxMessage.state, func.count())
                .where(OutboxMessage.batch == batch)
                .group_by(OutboxMessage.state)
            )
        ).all()
    )
    return BatchProgress(
        total=sum(rows.values()),
        sent=rows.get("sent", 0),
        unreachable=rows.get("unreachable", 0),
        failed=rows.get("failed", 0),
    )
