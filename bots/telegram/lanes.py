"""One lane per chat: a chat's updates are handled in the order they came, different chats
at the same time.

python-telegram-bot handles updates one at a time by default, so one member's search waits
for every other member's; its ``concurrent_updates`` drops the order, which a chat needs
(a form's answers, a message then its edit). The bridge's handlers only hand the work to
``ChatLanes.submit`` (which returns at once, in update order); each chat's work then runs
after that chat's previous work, at most ``limit`` pieces of work at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

__all__ = ["ChatLanes"]

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[None]]


class ChatLanes:
    def __init__(self, limit: int = 32, on_error: Callable[[BaseException], None] | None = None):
        if limit < 1:
            raise ValueError("at least one update at a time")
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._last: dict[str, asyncio.Task[None]] = {}  # chat -> its latest work
        self._on_error = on_error

    def submit(self, chat: str, work: Work) -> None:
        """Run ``work`` once the chat's earlier work is done (it never raises here)."""
        previous = self._last.get(chat)
        task = asyncio.get_running_loop().create_task(self._run(previous, work))
        self._last[chat] = task
        task.add_done_callback(lambda done: self._forget(chat, done))

    def _forget(self, chat: str, done: asyncio.Task[None]) -> None:
        if self._last.get(chat) is done:
            del self._last[chat]

    async def _run(self, previous: asyncio.Task[None] | None, work: Work) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its failure is not ours
        async with self._slots:
            try:
                await work()
            except Exception as exc:
                if self._on_error is None:
                    log.exception("telegram: an update failed")
                else:
                    self._on_error(exc)

    @property
    def busy(self) -> int:
        """Chats with work waiting or running."""
        return len(self._last)

    async def drain(self) -> None:
        """Wait until every submitted piece of work is done."""
        while self._last:
            await asyncio.wait(list(self._last.values()))
