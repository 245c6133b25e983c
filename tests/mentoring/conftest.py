"""The Portuguese chapter and cast of tests/events, and helpers to read the outbox."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Reply
from core.db.models import OutboxMessage
from tests.events.conftest import Cast, cast, many_members, person, text_of

__all__ = ["Cast", "cast", "many_members", "outbox", "person", "replies_to", "text_of"]


async def outbox(app: App, kind: str | None = None) -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.scalars(query)).all())


async def replies_to(app: App, user: str, kind: str | None = None) -> list[Reply]:
    return [
        Reply.from_dict(m.reply) for m in await outbox(app, kind) if m.chat_id == f"user:{user}"
    ]
