"""The sender loop: claim due messages, send them within the platform's limits, record.

Crash safety: a message is marked ``sending`` (with a lease) in a committed transaction
before it goes out, and its result is committed after. A worker killed in between leaves
rows in ``sending``; once their lease expires any worker takes them back as *in doubt*: they
are sent again with the same key, which platforms that deduplicate (``Sender.deduplicates``)
drop if the first attempt arrived; elsewhere they are counted (``in_doubt`` in the history)
so the operator knows how many may have arrived twice.

Several workers on PostgreSQL share the table without overlap thanks to
``FOR UPDATE SKIP LOCKED``; SQLite runs one worker.

Progress: once the results of messages that belong to a batch (``OutboxMessage.batch``, a
broadcast for instance) are committed, ``on_progress`` is called with those batches, so that
whoever watches a batch can report on it from whichever process sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import random
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from ..chat.replies import Reply
from ..clock import Clock
from ..db import Database
from ..db.base import table_of
from ..db.models import OutboxMessage
from ..observe import NullObserver, Observer
from .limits import ChatLimits, Now, Sleep, TokenBucket
from .outbox import Target
from .senders import Delivery, Outcome, Sender, SendResult

__all__ = ["ProgressCallback", "Worker", "WorkerStats"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
FLUSH_EVERY = 0.05  # seconds between two writes of results
_REPLY_FIELDS = frozenset(f.name for f in dataclasses.fields(Reply))

ProgressCallback = Callable[[frozenset[str]], Awaitable[None]]


@dataclass
class WorkerStats:
    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    unreachable: int = 0
    failed: int = 0
    in_doubt: int = 0
    deferred: int = 0


@dataclass
class _Claimed:
    delivery: Delivery
    history: list[dict[str, Any]] = field(default_factory=list)
    batch: str | None = None


class Worker:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        *,
        worker_id: str,
        clock: Clock,
        now: Now,
        sleep: Sleep,
        batch_size: int = 200,
        concurrency: int = 32,
        lease: dt.timedelta = dt.timedelta(seconds=120),
        rate_share: float = 1.0,
        max_defer_wait: float = 2.0,
        rng: random.Random | None = None,
        observer: Observer | None = None,
        timer: Callable[[], float] = time.perf_counter,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.db = db
        self.sender = sender
        self.worker_id = worker_id
        self.clock = clock
        self._now = now
        self._sleep = sleep
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease = lease
        self.max_defer_wait = max_defer_wait
        rate = sender.limits.per_second * rate_share
        self.bucket = TokenBucket(rate, burst=max(1.0, rate / 200), now=now, sleep=sleep)
        self.chats = ChatLimits(sender.limits, now)
        self.rng = rng or random.Random()
        self.stats = WorkerStats()
        self.observer: Observer = observer or NullObserver()
        self._timer = timer
        self._results: list[dict[str, Any]] = []
        self.on_progress = on_progress
        self._progressed: set[str] = set()  # batches with results not yet reported
        # One write at a time from this worker (SQLite allows one writer; it also keeps a
        # claim from racing this worker's own result flush).
        self._writing = asyncio.Lock()

    # --- claiming -------------------------------------------------------------------------
    async def claim(self) -> list[_Claimed]:
        now = self.clock.now()
        om = OutboxMessage
        columns = (
            om.id,
            om.key,
            om.kind,
            om.workspace,
            om.chat_id,
            om.reply,
            om.attempts,
            om.history,
            om.state,
            om.batch,
            om.edit_of,
        )
        async with self._writing, self.db.sessions.begin() as session:
            expired = (
                await session.execute(
                    select(*columns)
                    .where(
                        om.platform == self.sender.platform,
                        om.state == "sending",
                        om.lease_until < now,
                    )
                    .order_by(om.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            due = (
                await session.execute(
                    select(*columns)
                    .where(
                        om.platform == self.sender.platform,
                        om.state == "pending",
                        om.next_attempt_at <= now,
                    )
                    .order_by(om.next_attempt_at, om.id)
                    .limit(max(0, self.batch_size - len(expired)))
                    .with_for_update(skip_locked=True)
                )
            ).all()
            rows = [*expired, *due]
            if not rows:
                return []
            await session.execute(
                update(om)
                .where(om.id.in_([r.id for r in rows]))
                .values(state="sending", claimed_by=self.worker_id, lease_until=now + self.lease)
            )
        claimed = []
        for r in rows:
            in_doubt = r.state == "sending"
            if in_doubt:
                self.stats.in_doubt += 1
                log.warning("outbox message %s is in doubt (its worker stopped mid-send)", r.id)
            claimed.append(
                _Claimed(
                    Delivery(
                        id=r.id,
                        key=r.key,
                        target=Target(self.sender.platform, r.chat_id, r.workspace),
                        reply=Reply.from_dict(r.reply),
                        attempt=r.attempts + 1,
                        in_doubt=in_doubt,
                        edit_of=r.edit_of,
                        kind=r.kind,
                        extras={k: v for k, v in r.reply.items() if k not in _REPLY_FIELDS},
                    ),
                    list(r.history or []),
                    r.batch,
                )
            )
        return claimed

    # --- one cycle --------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim one batch, deliver it and record every result; returns how many messages
        were handled."""
        async with self._flushing():
            return await self.deliver(await self.claim())

    async def deliver(self, claimed: list[_Claimed]) -> int:
        """Send one claimed batch. Results are written by the flusher of the enclosing
        ``run``/``run_once``, so the next batch does not wait for this one's last write."""
        if not claimed:
            return 0
        by_chat: dict[str, list[_Claimed]] = defaultdict(list)
        for item in claimed:
            by_chat[item.delivery.target.chat_id].append(item)
        semaphore = asyncio.Semaphore(self.concurrency)
        await asyncio.gather(*(self._chat(items, semaphore) for items in by_chat.values()))
        return len(claimed)

    @contextlib.asynccontextmanager
    async def _flushing(self) -> AsyncIterator[None]:
        """Write results every ``FLUSH_EVERY`` seconds while the block runs, and every last
        one when it ends (also on error or cancellation)."""
        done = asyncio.Event()
        # Never cancelled mid-write: a flush interrupted halfway would lose its results.
        flusher = asyncio.create_task(self._flush_periodically(done))
        try:
            yield
        finally:
            done.set()
            await flusher
            await self._flush()

    async def _chat(self, items: list[_Claimed], semaphore: asyncio.Semaphore) -> None:
        """One chat's messages, in order, each when the chat's limits allow it."""
        for index, item in enumerate(items):
            target = item.delivery.target
            group = self.sender.is_group(target)
            wait = self.chats.ready_at(target.chat_id, group) - self._now()
            if wait > self.max_defer_wait:
                for later, rest in enumerate(items[index:]):
                    self._defer(rest, wait + later * 0.001)
                return
            if wait > 0:
                await self._sleep(wait)
            async with semaphore:
                await self.bucket.acquire()
                self.chats.record(target.chat_id)
                started = self._timer()
                try:
                    result = await self.sender.send(item.delivery)
                except Exception as exc:  # a sender bug must not lose the message
                    log.exception("sender crashed on outbox message %s", item.delivery.id)
                    result = SendResult(Outcome.TRANSIENT, detail=f"sender error: {exc!r}"[:200])
                self.observer.delivery_done(
                    self.sender.platform.value, result.outcome.value, self._timer() - started
                )
            self._record(item, result)
            if result.outcome is Outcome.RATE_LIMITED:
                # The rest of this chat waits for the next cycle.
                for rest in items[index + 1 :]:
                    self._defer(rest, result.retry_after or 1.0)
                return

    # --- results ----------------------------------------------------------------------------
    def _defer(self, item: _Claimed, seconds: float) -> None:
        self.stats.deferred += 1
        self._results.append(
            {
                "m_id": item.delivery.id,
                "state": "pending",
                "attempts": item.delivery.attempt - 1,
                "next_attempt_at": self.clock.now() + dt.timedelta(seconds=seconds),
                "history": item.history,
                "last_error": None,
                "platform_message_id": None,
                "sent_at": None,
            }
        )

    def _record(self, item: _Claimed, result: SendResult) -> None:
        now = self.clock.now()
        delivery = item.delivery
        entry: dict[str, Any] = {"at": now.isoformat(), "outcome": result.outcome.value}
        if result.detail:
            entry["detail"] = result.detail[:200]
        if delivery.in_doubt:
            entry["in_doubt"] = True
        history = [*item.history, entry][-20:]
        if item.batch is not None:
            self._progressed.add(item.batch)
        values: dict[str, Any] = {
            "m_id": delivery.id,
            "attempts": delivery.attempt,
            "history": history,
            "last_error": None,
            "platform_message_id": None,
            "sent_at": None,
            "next_attempt_at": now,
        }
        match result.outcome:
            case Outcome.SENT:
                self.stats.sent += 1
                values.update(
                    state="sent", sent_at=now, platform_message_id=result.platform_message_id
                )
            case Outcome.RATE_LIMITED:
                self.stats.rate_limited += 1
                wait = result.retry_after if result.retry_after is not None else 1.0
                if result.whole_platform:
                    self.bucket.pause(wait)
                else:
                    self.chats.block(delivery.target.chat_id, wait)
                # A 429 is the platform's pace, not the message's fault: no attempt is used up.
                values.update(
                    state="pending",
                    attempts=delivery.attempt - 1,
                    next_attempt_at=now + dt.timedelta(seconds=wait),
                    last_error=f"429 retry after {wait:g}s",
                )
            case Outcome.TRANSIENT if delivery.attempt < MAX_ATTEMPTS:
                self.stats.retried += 1
                backoff = min(MAX_BACKOFF, 2.0**delivery.attempt) * self.rng.uniform(0.5, 1.5)
                values.update(
                    state="pending",
                    next_attempt_at=now + dt.timedelta(seconds=backoff),
                    last_error=result.detail[:500] or "transient error",
                )
            case Outcome.UNREACHABLE:
                self.stats.unreachable += 1
                values.update(state="unreachable", last_error=result.detail[:500])
                log.info(
                    "outbox message %s: recipient unreachable (%s)",
                    delivery.id,
                    result.detail[:100],
                )
            case _:
                self.stats.failed += 1
                values.update(state="failed", last_error=result.detail[:500] or "failed")
                log.warning("outbox message %s failed: %s", delivery.id, result.detail[:200])
        self._results.append(values)

    async def _flush_periodically(self, done: asyncio.Event, every: float = FLUSH_EVERY) -> None:
        """Results reach the database within ``every`` seconds of the send."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=every)
            if self._results:
                await self._flush()

    async def _flush(self) -> None:
        if not self._results:
            return
        results, self._results = self._results, []
        # The batches of exactly these results: reported once they are committed.
        progressed, self._progressed = frozenset(self._progressed), set()
        om = table_of(OutboxMessage)
        statement = (
            update(om)
            .where(and_(om.c.id == bindparam("m_id"), om.c.claimed_by == self.worker_id))
            .values(
                state=bindparam("state"),
                attempts=bindparam("attempts"),
                next_attempt_at=bindparam("next_attempt_at"),
                history=bindparam("history"),
                last_error=bindparam("last_error"),
                platform_message_id=bindparam("platform_message_id"),
                sent_at=bindparam("sent_at"),
                lease_until=None,
            )
        )
        async with self._writing:
            async with self.db.engine.begin() as conn:
                await conn.execute(statement, results)
            await self._report_progress(progressed)

    async def _report_progress(self, batches: frozenset[str]) -> None:
        """Tell ``on_progress`` which batches moved (their results are committed now)."""
        if self.on_progress is None or not batches:
            return
        try:
            await self.on_progress(batches)
        except Exception:  # a report that fails must not stop the deliveries
            log.exception("progress report failed for %s", sorted(batches))

    # --- the loop ---------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, idle: float = 0.5) -> None:
        """Deliver until ``stop`` is set. The next batch is claimed while the current one
        goes out, and results are written beside the sending, so the platform's rate is used
        without a gap between batches."""
        upcoming: asyncio.Task[list[_Claimed]] | None = None
        async with self._flushing():
            while not stop.is_set():
                try:
                    claimed = await (upcoming or self.claim())
                    upcoming = asyncio.create_task(self.claim()) if claimed else None
                    handled = await self.deliver(claimed)
                except Exception:
                    log.exception("sender cycle failed; retrying")
                    upcoming, handled = None, 0
                if not handled:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=idle)
            if upcoming is not None:
                # Claimed but not sent: give the messages back at once rather than at lease end.
                await self.release(await upcoming)

    async def release(self, claimed: list[_Claimed]) -> None:
        for item in claimed:
            self._defer(item, 0.0)
            self.stats.deferred -= 1
        await self._flush()
