"""Rate limits as platforms publish them: a global rate and limits per chat.

Time is injected (``now`` in seconds, ``sleep``), so tests run a whole broadcast without
waiting; production passes ``time.monotonic`` and ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["ChatLimits", "FakeTime", "Limits", "PlatformLimits", "TokenBucket"]

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """Published limits: messages per second overall, and per chat (a window per chat kind)."""

    per_second: float
    per_chat: tuple[tuple[int, float], ...] = ()  # (messages, seconds) windows for every chat
    per_group: tuple[tuple[int, float], ...] = ()  # extra windows for group chats/channels


class TokenBucket:
    """``rate`` messages a second with at most ``burst`` ahead of schedule (GCRA).

    Each caller is given the next free slot and sleeps until it; callers wait side by side,
    so pacing stays exact even when the event loop's timers are coarse.
    """

    def __init__(self, rate: float, burst: float, now: Now, sleep: Sleep) -> None:
        self.rate = rate
        self.burst = burst
        self._now = now
        self._sleep = sleep
        self._interval = 1.0 / rate
        self._tolerance = max(0.0, burst - 1) * self._interval
        self._next = now()

    def pause(self, seconds: float) -> None:
        """A 429 for the whole platform: nothing goes out for ``seconds``."""
        self._next = max(self._next, self._now() + seconds)

    async def acquire(self) -> None:
        now = self._now()
        slot = max(now - self._tolerance, self._next)
        self._next = slot + self._interval
        wait = slot - now
        if wait > 0:
            await self._sleep(wait)


class ChatLimits:
    """Sliding windows per chat: when may the next message to this chat go out?"""

    def __init__(self, limits: PlatformLimits, now: Now, max_chats: int = 100_000) -> None:
        self._limits = limits
        self._now = now
        self._sent: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}
        self._max_chats = max_chats

    def _windows(self, group: bool) -> tuple[tuple[int, float], ...]:
        return self._limits.per_chat + (self._limits.per_group if group else ())

    def ready_at(self, chat: str, group: bool = False) -> float:
        now = self._now()
        ready = self._blocked.get(chat, now)
        stamps = self._sent.get(chat)
        if stamps:
            for count, seconds in self._windows(group):
                recent = [t for t in stamps if t > now - seconds]
                if len(recent) >= count:
                    ready = max(ready, recent[-count] + seconds)
        return max(ready, now)

    def record(self, chat: str) -> None:
        if chat not in self._sent and len(self._sent) >= self._max_chats:
            self._sent.pop(next(iter(self._sent)))
        stamps = self._sent.setdefault(chat, deque(maxlen=64))
        stamps.append(self._now())

    def block(self, chat: str, seconds: float) -> None:
        """A 429 for one chat: hold that chat for ``seconds``."""
        self._blocked[chat] = max(self._blocked.get(chat, 0.0), self._now() + seconds)


Limits = PlatformLimits


class FakeTime:
    """A clock for tests: ``sleep`` advances time instead of waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def now(self) -> float:
        return self.value

    async def sleep(self, seconds: float) -> None:
        self.value += max(0.0, seconds)
        await asyncio.sleep(0)


def real_time() -> tuple[Now, Sleep]:
    return time.monotonic, asyncio.sleep
