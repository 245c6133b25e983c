"""Button tokens: a button carries a signed token, or one that names a server-side row.

Adapters call ``issue`` when rendering a reply's buttons and ``resolve`` when one is pressed.
A forged, tampered or expired token resolves to None and the press is refused.

Most payloads are short (a member's id, a choice): their token carries the action and the
payload themselves, with the time it was issued, signed with a key the database holds for
every process (HMAC-SHA256, truncated). Such a token costs no database write and leaves no
trace behind it. A payload too long for the smallest platform limit (Telegram's 64 bytes,
less a pager's prefix) is kept server-side behind an unguessable token, as before.

A registered action travels as a two-byte code (a hash of its name) instead of its name,
which leaves room for a search's page cursor; an action whose code another shares, or one
not in the registry, travels by name.

A signed token is not bound to the person it was shown to: a public reply's buttons are
pressed by others in the chat, and each action checks who presses it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import struct
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..clock import Clock
from ..db import Database
from ..db.models import CallbackToken, SigningKey
from ..errors import UserError
from ..i18n import N_
from .replies import Button

__all__ = [
    "SIGNED_PREFIX",
    "STALE_BUTTON",
    "TOKEN_PREFIX",
    "CallbackStore",
    "payload_id",
]

log = logging.getLogger(__name__)

TOKEN_PREFIX = "t:"  # noqa: S105  2 + 22 characters: fits Telegram's 64 bytes and Discord's 100
SIGNED_PREFIX = "s:"
# Telegram's 64 bytes, less the two of the pager's prefix (bots/telegram/render.py).
MAX_SIGNED = 62
LIFETIME = dt.timedelta(days=30)
KEY_NAME = "buttons"
TAG_BYTES = 8  # 64 bits: a forger gets one guess per press, under the flood limit
_ISSUED = struct.Struct(">I")  # seconds since the epoch, until 2106
# What a press on a forged, expired or no longer meaningful button is told, on every platform.
STALE_BUTTON = N_("This button is no longer valid. Send the command again.")


class ActionNames(Protocol):
    def action_names(self) -> tuple[str, ...]: ...


def action_code(name: str) -> bytes:
    return hashlib.blake2b(name.encode(), digest_size=2).digest()


class _Codes:
    """Two-byte codes of the registered actions, kept in step with the registry (tests and
    features may register actions after start-up); a code two names share is not used."""

    def __init__(self, actions: ActionNames | None) -> None:
        self._actions = actions
        self._seen = 0
        self._names: dict[bytes, str] = {}

    def _refresh(self) -> None:
        names = self._actions.action_names() if self._actions is not None else ()
        if len(names) == self._seen:
            return
        by_code: dict[bytes, list[str]] = {}
        for name in names:
            by_code.setdefault(action_code(name), []).append(name)
        self._names = {code: found[0] for code, found in by_code.items() if len(found) == 1}
        self._seen = len(names)

    def code(self, name: str) -> bytes | None:
        self._refresh()
        code = action_code(name)
        return code if self._names.get(code) == name else None

    def name(self, code: bytes) -> str | None:
        self._refresh()
        return self._names.get(code)


def payload_id(payload: str) -> int:
    """A button's payload that names a row by id; anything else is a stale button."""
    if not payload.isdigit() or len(payload) > 9:
        raise UserError(STALE_BUTTON)
    return int(payload)


class CallbackStore:
    def __init__(self, db: Database, clock: Clock, actions: ActionNames | None = None) -> None:
        self._db = db
        self._clock = clock
        self._codes = _Codes(actions)
        self._key: bytes | None = None
        self._key_lock = asyncio.Lock()

    async def issue(self, buttons: Sequence[Button]) -> dict[tuple[str, str], str]:
        """One token per distinct (action, payload); URL buttons need none."""
        wanted = {(b.action, b.payload) for b in buttons if b.action and not b.url}
        if not wanted:
            return {}
        now = self._clock.now()
        key = await self._signing_key()
        tokens: dict[tuple[str, str], str] = {}
        stored: dict[tuple[str, str], str] = {}
        for action, payload in wanted:
            signed = _sign(key, self._codes.code(action) or action, payload, now)
            if signed is not None:
                tokens[(action, payload)] = signed
            else:
                stored[(action, payload)] = TOKEN_PREFIX + secrets.token_urlsafe(16)
        if stored:
            async with self._db.engine.begin() as connection:
                await connection.execute(
                    insert(CallbackToken),
                    [
                        {"token": token, "action": action, "payload": payload, "created_at": now}
                        for (action, payload), token in stored.items()
                    ],
                )
        return tokens | stored

    async def resolve(self, data: str) -> tuple[str, str] | None:
        """The button's action and payload; None (logged, without the data) when forged or
        expired."""
        if data.startswith(SIGNED_PREFIX) and len(data) <= MAX_SIGNED:
            return await self._resolve_signed(data)
        if not data.startswith(TOKEN_PREFIX) or len(data) > 32:
            log.warning("button refused: not a token (%d characters)", len(data))
            return None
        async with self._db.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(
                        CallbackToken.action, CallbackToken.payload, CallbackToken.created_at
                    ).where(CallbackToken.token == data)
                )
            ).first()
        if row is None:
            log.warning("button refused: unknown token")
            return None
        if self._clock.now() - row.created_at > LIFETIME:
            log.warning("button refused: expired token")
            return None
        return row.action, row.payload

    async def _resolve_signed(self, data: str) -> tuple[str, str] | None:
        key = self._key or await self._stored_key()
        opened = _open(key, data, self._codes.name) if key is not None else None
        if opened is None:
            log.warning("button refused: unknown token")
            return None
        action, payload, issued = opened
        if self._clock.now() - issued > LIFETIME:
            log.warning("button refused: expired token")
            return None
        return action, payload

    async def purge(self) -> int:
        """Drop expired server-side tokens (a scheduled job calls this)."""
        async with self._db.sessions.begin() as session:
            result = await session.execute(
                delete(CallbackToken).where(CallbackToken.created_at < self._clock.now() - LIFETIME)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # --- the key ----------------------------------------------------------------------------
    async def _stored_key(self) -> bytes | None:
        """The key every process signs with, read once; None while none was ever made (a
        press then cannot carry a valid signed token, and nothing is written)."""
        if self._key is None:
            async with self._db.sessions() as session:
                self._key = await session.scalar(
                    select(SigningKey.secret).where(SigningKey.name == KEY_NAME)
                )
        return self._key

    async def _signing_key(self) -> bytes:
        """The key, made by the first process that issues a token."""
        if self._key is not None:
            return self._key
        async with self._key_lock:
            key = await self._stored_key()
            if key is not None:
                return key
            try:
                async with self._db.sessions.begin() as session:
                    await session.execute(
                        insert(SigningKey).values(
                            name=KEY_NAME,
                            secret=secrets.token_bytes(32),
                            created_at=self._clock.now(),
                        )
                    )
            except IntegrityError:
                pass  # another process made it first
            key = await self._stored_key()
            assert key is not None
            return key


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.digest(key, body, "sha256")[:TAG_BYTES]


BY_CODE = 0xFF  # instead of a name's length: a two-byte action code follows


def _sign(key: bytes, action: str | bytes, payload: str, now: dt.datetime) -> str | None:
    """``s:`` + base64(tag + issued + action + payload); None when too long. The action is
    its code (``BY_CODE`` + two bytes) or its name (its length, then the name)."""
    if isinstance(action, bytes):
        head = bytes([BY_CODE]) + action
    else:
        name = action.encode()
        if len(name) >= BY_CODE:
            return None
        head = bytes([len(name)]) + name
    body = _ISSUED.pack(int(now.timestamp())) + head + payload.encode()
    if len(SIGNED_PREFIX) + (4 * (TAG_BYTES + len(body)) + 2) // 3 > MAX_SIGNED:
        return None
    raw = _mac(key, body) + body
    return SIGNED_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _open(
    key: bytes, data: str, named: Callable[[bytes], str | None]
) -> tuple[str, str, dt.datetime] | None:
    """The action, payload and issue time of a token this key signed; None otherwise."""
    text = data.removeprefix(SIGNED_PREFIX)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != text:
        return None  # one text per token: no padding, no characters the decoder skips
    tag, body = raw[:TAG_BYTES], raw[TAG_BYTES:]
    if len(body) < _ISSUED.size + 1 or not hmac.compare_digest(tag, _mac(key, body)):
        return None
    (issued,) = _ISSUED.unpack_from(body)
    rest = body[_ISSUED.size :]
    try:
        if rest[0] == BY_CODE:
            action = named(rest[1:3])
            payload = rest[3:].decode()
        else:
            action = rest[1 : 1 + rest[0]].decode()
            payload = rest[1 + rest[0] :].decode()
    except UnicodeDecodeError:
        return None
    if action is None:
        return None  # an action no longer registered
    return action, payload, dt.datetime.fromtimestamp(issued, dt.UTC)
