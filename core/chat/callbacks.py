"""Server-side button tokens: a button carries only an unguessable token.

Adapters call ``issue`` when rendering a reply's buttons and ``resolve`` when one is pressed.
A forged or expired token resolves to None and the press is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence

from sqlalchemy import delete, insert

from ..clock import Clock
from ..db import Database
from ..db.models import CallbackToken
from ..errors import UserError
from ..i18n import N_
from .replies import Button

__all__ = ["STALE_BUTTON", "TOKEN_PREFIX", "CallbackStore", "payload_id"]

log = logging.getLogger(__name__)

TOKEN_PREFIX = "t:"  # noqa: S105  2 + 22 characters: fits Telegram's 64 bytes and Discord's 100
LIFETIME = dt.timedelta(days=30)
# What a press on a forged, expired or no longer meaningful button is told, on every platform.
STALE_BUTTON = N_("This button is no longer valid. Send the command again.")


def payload_id(payload: str) -> int:
    """A button's payload that names a row by id; anything else is a stale button."""
    if not payload.isdigit() or len(payload) > 9:
        raise UserError(STALE_BUTTON)
    return int(payload)


class CallbackStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def issue(self, buttons: Sequence[Button]) -> dict[tuple[str, str], str]:
        """One token per distinct (action, payload); URL buttons need none."""
        wanted = {(b.action, b.payload) for b in buttons if b.action and not b.url}
        if not wanted:
            return {}
        tokens = {key: TOKEN_PREFIX + secrets.token_urlsafe(16) for key in wanted}
        now = self._clock.now()
        async with self._db.sessions.begin() as session:
            await session.execute(
                insert(CallbackToken),
                [
                    {"token": token, "action": action, "payload": payload, "created_at": now}
                    for (action, payload), token in tokens.items()
                ],
            )
        return tokens

    async def resolve(self, data: str) -> tuple[str, str] | None:
        """The button's action and payload; None (logged, without the data) when forged or
        expired."""
        if not data.startswith(TOKEN_PREFIX) or len(data) > 32:
            log.warning("button refused: not a token (%d characters)", len(data))
            return None
        async with self._db.sessions() as session:
            row = await session.get(CallbackToken, data)
        if row is None:
            log.warning("button refused: unknown token")
            return None
        if self._clock.now() - row.created_at > LIFETIME:
            log.warning("button refused: expired token")
            return None
        return row.action, row.payload

    async def purge(self) -> int:
        """Drop expired tokens (a scheduled job calls this)."""
        async with self._db.sessions.begin() as session:
            result = await session.execute(
                delete(CallbackToken).where(CallbackToken.created_at < self._clock.now() - LIFETIME)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
