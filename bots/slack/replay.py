"""Refuse a verified request that arrives a second time.

Bolt's verifier accepts a correctly signed request whose timestamp is within five minutes of
now, so a captured request could be sent again in that window. The guard remembers each
verified signature until its timestamp is more than five minutes old; a second identical
request is answered 401. ``SharedReplayGuard`` (what ``alumni run`` uses) keeps the signatures
in the database, so the second arrival is refused whichever process behind the load balancer
it reaches; ``ReplayGuard`` keeps them in this process's memory.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from core.chat.seen import SeenRequests

__all__ = ["WINDOW_SECONDS", "Guard", "ReplayGuard", "SharedReplayGuard", "replay_middleware"]

log = logging.getLogger(__name__)

WINDOW_SECONDS = 5 * 60  # Bolt's own tolerance for the request timestamp


class Guard(Protocol):
    async def admit(self, signature: str, timestamp: str) -> bool:
        """True the first time a signature is seen within its validity window."""
        ...


def _valid_until(timestamp: str, now: float) -> float:
    """When a request signed at ``timestamp`` stops passing Bolt's timestamp check."""
    try:
        sent = float(timestamp)
    except ValueError:
        sent = now
    return max(sent, now) + WINDOW_SECONDS


class ReplayGuard:
    """Signatures seen in the last five minutes (bounded; the oldest go first when full)."""

    def __init__(self, *, max_entries: int = 100_000, now: Callable[[], float] = time.time) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature -> forget after
        self._max = max_entries
        self._now = now

    def first_time(self, signature: str, timestamp: str) -> bool:
        """Record the signature; False when it was already seen and has not expired."""
        now = self._now()
        while self._seen:
            oldest, expires = next(iter(self._seen.items()))
            if expires > now:
                break
            del self._seen[oldest]
        if signature in self._seen:
            return False
        self._seen[signature] = _valid_until(timestamp, now)
        self._seen.move_to_end(signature)
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    async def admit(self, signature: str, timestamp: str) -> bool:
        return self.first_time(signature, timestamp)

    def __len__(self) -> int:
        return len(self._seen)


class SharedReplayGuard:
    """Signatures seen in the last five minutes by any process (a table in the database)."""

    def __init__(self, seen: SeenRequests, *, now: Callable[[], float] = time.time) -> None:
        self.seen = seen
        self._now = now

    async def admit(self, signature: str, timestamp: str) -> bool:
        until = dt.datetime.fromtimestamp(_valid_until(timestamp, self._now()), dt.UTC)
        return await self.seen.first_time(f"slack:{signature}", valid_until=until)


def replay_middleware(
    guard: Guard,
) -> Callable[..., Awaitable[BoltResponse | None]]:
    """A Bolt ``before_authorize`` middleware: it runs right after signature verification."""

    async def refuse_replays(
        req: AsyncBoltRequest, next_: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        if req.mode == "socket_mode":
            return await next_()
        signature = req.headers.get("x-slack-signature", [""])[0]
        timestamp = req.headers.get("x-slack-request-timestamp", ["0"])[0]
        if not await guard.admit(signature, timestamp):
            log.warning("slack: refused a replayed request")
            return BoltResponse(status=401, body={"error": "replayed request"})
        return await next_()

    return refuse_replays
