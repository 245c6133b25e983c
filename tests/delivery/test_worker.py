"""The outbox and its sender loop: limits, retries, unreachable users, crashes, workers."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from core.bootstrap import App
from core.chat.replies import Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.delivery import Target, enqueue
from core.delivery.limits import PlatformLimits
from core.delivery.senders import Delivery, Outcome, SendResult
from core.delivery.worker import Worker
from core.domain import Platform


@dataclass
class ScriptedSender:
    """Answers what each key's script says, attempt after attempt; then success."""

    limits: PlatformLimits = field(
        default_factory=lambda: PlatformLimits(per_second=100, per_chat=((1, 1.0),))
    )
    script: dict[str, list[SendResult]] = field(default_factory=dict)
    sent: list[tuple[str, float]] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)
    clock: FakeClock | None = None
    platform: Platform = Platform.TELEGRAM
    deduplicates: bool = False

    def is_group(self, target: Target) -> bool:
        return target.chat_id.startswith("-")

    async def send(self, delivery: Delivery) -> SendResult:
        self.seen[delivery.key] += 1
        steps = self.script.get(delivery.key, [])
        if steps:
            return steps.pop(0)
        assert self.clock is not None
        self.sent.append((delivery.key, self.clock.now().timestamp()))
        return SendResult(Outcome.SENT, platform_message_id=f"m-{delivery.key}")


def _worker(app: App, sender: ScriptedSender, clock: FakeClock, name: str = "w1") -> Worker:
    sender.clock = clock

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    return Worker(
        app.db,
        sender,
        worker_id=name,
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
        lease=dt.timedelta(seconds=60),
    )


async def _queue(app: App, count: int, chat: str | None = None, prefix: str = "m") -> None:
    async with app.db.sessions.begin() as session:
        for i in range(count):
            await enqueue(
                session,
                key=f"{prefix}:{i}",
                kind="test",
                target=Target(Platform.TELEGRAM, chat or str(1000 + i)),
                reply=Reply(text=f"hello {i}"),
                now=app.clock.now(),
            )


async def _states(app: App) -> dict[str, int]:
    async with app.db.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return dict(rows.all())  # type: ignore[arg-type]


async def _drain(worker: Worker, clock: FakeClock, rounds: int = 50, step: float = 1.0) -> None:
    for _ in range(rounds):
        if not await worker.run_once():
            clock.advance(dt.timedelta(seconds=step))


async def test_each_message_is_sent_once_and_recorded_as_sent(app: App, clock: FakeClock) -> None:
    await _queue(app, 25)
    sender = ScriptedSender()
    await _drain(_worker(app, sender, clock), clock)
    assert sorted(k for k, _ in sender.sent) == sorted(f"m:{i}" for i in range(25))
    assert await _states(app) == {"sent": 25}


async def test_queueing_the_same_key_twice_adds_one_message(app: App) -> None:
    async with app.db.sessions.begin() as session:
        first = await enqueue(
            session,
            key="k",
            kind="t",
            target=Target(Platform.SLACK, "C1"),
            reply=Reply(text="a"),
            now=app.clock.now(),
        )
        second = await enqueue(
            session,
            key="k",
            kind="t",
            target=Target(Platform.SLACK, "C1"),
            reply=Reply(text="b"),
            now=app.clock.now(),
        )
    assert (first, second) == (True, False)
    assert await _states(app) == {"pending": 1}


async def test_429_waits_retry_after_and_does_not_use_up_attempts(
    app: App, clock: FakeClock
) -> None:
    await _queue(app, 1)
    sender = ScriptedSender(script={"m:0": [SendResult(Outcome.RATE_LIMITED, retry_after=30)]})
    worker = _worker(app, sender, clock)
    start = clock.now().timestamp()
    await worker.run_once()
    assert sender.sent == []
    await worker.run_once()  # not due yet: nothing happens
    assert sender.seen["m:0"] == 1
    await _drain(worker, clock)
    [(_key, at)] = sender.sent
    assert at - start >= 30
    async with app.db.sessions() as session:
        message = await session.scalar(select(OutboxMessage))
        assert message is not None
        assert message.attempts == 1  # the 429 did not count
        assert [h["outcome"] for h in message.history] == ["rate_limited", "sent"]


async def test_a_platform_wide_429_pauses_every_chat(app: App, clock: FakeClock) -> None:
    await _queue(app, 3)
    sender = ScriptedSender(
        script={"m:0": [SendResult(Outcome.RATE_LIMITED, retry_after=10, whole_platform=True)]}
    )
    start = clock.now().timestamp()
    await _drain(_worker(app, sender, clock), clock)
    sent_at = dict(sender.sent)
    assert sorted(sent_at) == ["m:0", "m:1", "m:2"]
    assert min(sent_at.values()) - start >= 10  # nobody got through during the pause


async def test_5xx_is_retried_with_backoff_until_it_goes_through(
    app: App, clock: FakeClock
) -> None:
    await _queue(app, 1)
    failures = [SendResult(Outcome.TRANSIENT, detail="HTTP 502") for _ in range(3)]
    sender = ScriptedSender(script={"m:0": failures})
    await _drain(_worker(app, sender, clock), clock, rounds=200, step=5.0)
    assert [k for k, _ in sender.sent] == ["m:0"]
    assert sender.seen["m:0"] == 4
    assert await _states(app) == {"sent": 1}


async def test_a_message_failing_every_time_ends_failed(app: App, clock: FakeClock) -> None:
    await _queue(app, 1)
    sender = ScriptedSender(
        script={"m:0": [SendResult(Outcome.TRANSIENT, detail="timeout") for _ in range(20)]}
    )
    await _drain(_worker(app, sender, clock), clock, rounds=400, step=60.0)
    assert sender.seen["m:0"] == 8
    assert await _states(app) == {"failed": 1}


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_not_retried(
    app: App, clock: FakeClock
) -> None:
    await _queue(app, 2)
    sender = ScriptedSender(
        script={"m:0": [SendResult(Outcome.UNREACHABLE, detail="403 bot was blocked")]}
    )
    await _drain(_worker(app, sender, clock), clock)
    assert sender.seen["m:0"] == 1
    assert await _states(app) == {"sent": 1, "unreachable": 1}


async def test_messages_to_one_chat_keep_order_and_its_pace(app: App, clock: FakeClock) -> None:
    await _queue(app, 4, chat="42")
    sender = ScriptedSender()
    await _drain(_worker(app, sender, clock), clock)
    assert [k for k, _ in sender.sent] == ["m:0", "m:1", "m:2", "m:3"]
    times = [t for _, t in sender.sent]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_a_dead_workers_messages_come_back_in_doubt_after_the_lease(
    app: App, clock: FakeClock
) -> None:
    await _queue(app, 3)
    crashed = _worker(app, ScriptedSender(), clock, name="crashed")
    assert len(await crashed.claim()) == 3  # claimed, then the process died
    survivor_sender = ScriptedSender()
    survivor = _worker(app, survivor_sender, clock, name="survivor")
    assert await survivor.run_once() == 0  # the lease still holds
    clock.advance(dt.timedelta(seconds=61))
    await _drain(survivor, clock)
    assert sorted(k for k, _ in survivor_sender.sent) == ["m:0", "m:1", "m:2"]
    assert survivor.stats.in_doubt == 3
    async with app.db.sessions() as session:
        histories = (await session.scalars(select(OutboxMessage.history))).all()
    assert all(h[-1].get("in_doubt") for h in histories)


async def test_three_workers_on_postgresql_share_without_overlap(
    app: App, clock: FakeClock, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("several workers need PostgreSQL's SKIP LOCKED; SQLite runs one")
    await _queue(app, 600)
    sender = ScriptedSender(limits=PlatformLimits(per_second=100_000))
    workers = [_worker(app, sender, clock, name=f"w{i}") for i in range(3)]
    for w in workers:
        w.batch_size = 50

    async def run(w: Worker) -> None:
        for _ in range(100):
            if not await w.run_once():
                return

    await asyncio.gather(*(run(w) for w in workers))
    assert len(sender.sent) == 600
    assert max(sender.seen.values()) == 1
    assert sum(1 for w in workers if w.stats.sent) >= 2  # the work was really shared
    assert await _states(app) == {"sent": 600}
