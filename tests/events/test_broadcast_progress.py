"""A broadcast's live progress: the author's message is edited in place as the senders go,
never backwards, and ends with the final report in the author's language."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from dataclasses import dataclass, field

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Incoming, Reply
from core.chat.context import ChatKind
from core.clock import FakeClock
from core.db.models import Broadcast, OutboxMessage
from core.delivery.limits import PlatformLimits
from core.delivery.outbox import Target
from core.delivery.senders import Delivery, Outcome, SendResult
from core.delivery.worker import Worker
from core.domain import Platform
from core.events.progress import BroadcastProgress, report_progress
from core.i18n import gettext, ngettext, use_locale
from tests.events.conftest import Cast, many_members
from tests.helpers import say

PRESSED = "preview-41"  # the platform's id of the message the author pressed Confirm on


@dataclass
class Recorded:
    key: str
    chat_id: str
    edit_of: str | None
    text: str
    at: dt.datetime


@dataclass
class RecordingSender:
    """A console sender that records every delivery, edits included; a few members are
    unreachable."""

    clock: FakeClock
    unreachable: set[str] = field(default_factory=set)
    limits: PlatformLimits = field(default_factory=lambda: PlatformLimits(per_second=100))
    platform: Platform = Platform.CONSOLE
    deduplicates: bool = False
    log: list[Recorded] = field(default_factory=list)

    def is_group(self, target: Target) -> bool:
        return False

    async def send(self, delivery: Delivery) -> SendResult:
        if delivery.key in self.unreachable:
            return SendResult(Outcome.UNREACHABLE, detail="blocked")
        self.log.append(
            Recorded(
                delivery.key,
                delivery.target.chat_id,
                delivery.edit_of,
                delivery.reply.text,
                self.clock.now(),
            )
        )
        return SendResult(Outcome.SENT, platform_message_id=f"m-{delivery.key}")

    @property
    def edits(self) -> list[Recorded]:
        return [r for r in self.log if r.edit_of is not None]


def worker(app: App, sender: RecordingSender, clock: FakeClock, name: str = "w1") -> Worker:
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
        batch_size=100,
        lease=dt.timedelta(seconds=60),
        on_progress=BroadcastProgress(app.db, clock),
    )


async def drain(w: Worker, clock: FakeClock, rounds: int = 200) -> None:
    for _ in range(rounds):
        if not await w.run_once():
            clock.advance(dt.timedelta(seconds=1))


async def confirm(app: App, user_id: str, payload: str) -> list[Reply]:
    """Confirm as a platform that says which message was pressed, in a private chat."""
    return await app.dispatcher.handle(
        Incoming(
            platform=Platform.CONSOLE,
            user_id=user_id,
            chat_id=user_id,
            chat_kind=ChatKind.PRIVATE,
            action="broadcast.confirm",
            payload=payload,
            message_id=PRESSED,
        )
    )


def handled(key: str) -> int:
    """How many messages a progress edit's key says were handled (the final: a large number)."""
    step = key.rsplit(":", 1)[1]
    return 10**9 if step == "final" else int(step)


async def start_broadcast(app: App, cast: Cast, members: int) -> tuple[int, Reply, list[int]]:
    ids = await many_members(app, members, languages=("pt", "fr", "en"))
    [preview] = await say(app, cast.country_admin, "/broadcast PT Festa da Francofonia city:Porto")
    [started] = await confirm(app, cast.country_admin, preview.buttons[0].payload)
    return int(preview.buttons[0].payload), started, ids


async def test_a_broadcast_to_1000_members_edits_its_progress_in_place_then_reports(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    broadcast_id, started, ids = await start_broadcast(seeded, cast, 1000)
    # The preview turns into the progress message; the senders keep it up to date, so it
    # needs no refresh button.
    assert started.replaces and not started.buttons
    with use_locale("fr"):
        assert started.text == gettext(
            "{sent} / {total} sent, {unreachable} unreachable",
            sent="0",
            total="1\u202f000",
            unreachable="0",
        )
    blocked = {f"broadcast:{broadcast_id}:{i}" for i in ids[:3]}
    sender = RecordingSender(clock, unreachable=blocked)
    began = clock.now()
    await drain(worker(seeded, sender, clock), clock)

    edits = sender.edits
    assert len(edits) >= 3  # live steps, then the final report
    assert {e.edit_of for e in edits} == {PRESSED}
    assert {e.chat_id for e in edits} == {f"user:{cast.country_admin}"}
    steps = [handled(e.key) for e in edits]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)  # never backwards
    assert edits[-1].key == f"broadcast-progress:{broadcast_id}:final"
    # At most one edit every few seconds, well within the platforms' edit limits.
    gaps = [b.at - a.at for a, b in itertools.pairwise(edits)]
    assert all(gap >= dt.timedelta(seconds=3) for gap in gaps[:-1])
    # Every live step is in the author's language (French) and counts up.
    with use_locale("fr"):
        for edit in edits[:-1]:
            sent, total = edit.text.split(" / ")[0], "1\u202f000"
            assert edit.text.startswith(f"{sent} / {total} ")
        assert edits[-1].text == ngettext(
            "Broadcast #{id} finished for {count} member: {sent} sent, "
            "{unreachable} unreachable, {failed} failed.",
            "Broadcast #{id} finished for {count} members: {sent} sent, "
            "{unreachable} unreachable, {failed} failed.",
            1000,
            id=broadcast_id,
            sent="997",
            unreachable="3",
            failed="0",
        )
    assert "997" in edits[-1].text and not edits[-1].text.startswith("Broadcast")  # French
    # Progress edits are not stuck behind the batch: the first one goes out while most of
    # the members are still waiting.
    first_edit = sender.log.index(edits[0])
    assert first_edit < len(sender.log) // 2
    assert clock.now() - began < dt.timedelta(minutes=5)
    async with seeded.db.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        assert broadcast.progress_done == 1000


async def test_a_sender_that_dies_holding_a_progress_edit_never_lets_the_report_go_backwards(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    broadcast_id, _started, _ids = await start_broadcast(seeded, cast, 600)
    sender = RecordingSender(clock)
    first = worker(seeded, sender, clock, "w-first")
    clock.advance(dt.timedelta(seconds=5))
    await first.run_once()  # 100 sent: the first progress edit is queued
    async with seeded.db.sessions() as session:
        queued = await session.scalar(select(OutboxMessage.key).where(OutboxMessage.kind == "edit"))
    assert queued == f"broadcast-progress:{broadcast_id}:100"

    # A second sender claims the edit with the next messages and dies before sending any.
    doomed = worker(seeded, RecordingSender(clock), clock, "w-doomed")
    claimed = await doomed.claim()
    assert queued in {c.delivery.key for c in claimed}
    # The first one goes on: while the dead sender's edit is in doubt, no newer edit is
    # queued, and once its lease is over the stale edit goes out before the newer ones.
    await drain(first, clock)

    edits = sender.edits
    steps = [handled(e.key) for e in edits]
    assert steps[0] == 100 and steps == sorted(steps)
    assert edits[-1].key == f"broadcast-progress:{broadcast_id}:final"
    assert first.stats.in_doubt >= 1
    # The reporter called again (a restart, another sender) adds nothing after the final.
    async with seeded.db.sessions.begin() as session:
        assert await report_progress(session, broadcast_id, now=clock.now()) is None
    async with seeded.db.sessions() as session:
        after_final = await session.scalar(
            select(OutboxMessage.key)
            .where(OutboxMessage.kind == "edit", OutboxMessage.state == "pending")
            .limit(1)
        )
    assert after_final is None


async def test_a_report_with_fewer_messages_handled_than_shown_is_not_queued(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    broadcast_id, _started, _ids = await start_broadcast(seeded, cast, 50)
    async with seeded.db.sessions.begin() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        broadcast.progress_done = 40  # a later report was shown already
        clock.advance(dt.timedelta(minutes=1))
    sender = RecordingSender(clock)
    w = worker(seeded, sender, clock)
    w.batch_size = 20
    await w.run_once()  # 20 handled: fewer than shown
    async with seeded.db.sessions() as session:
        assert (
            await session.scalar(select(OutboxMessage.key).where(OutboxMessage.kind == "edit"))
            is None
        )
    await drain(w, clock)
    assert [handled(e.key) for e in sender.edits] == [10**9]  # only the final report


async def test_once_the_platform_refuses_an_edit_no_further_edit_is_queued(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    broadcast_id, _started, ids = await start_broadcast(seeded, cast, 300)
    first_edit = f"broadcast-progress:{broadcast_id}:100"
    sender = RecordingSender(clock, unreachable={first_edit})  # the author deleted the message
    await drain(worker(seeded, sender, clock), clock)

    assert len(sender.log) == len(ids)  # every member, and no edit went through
    assert sender.edits == []
    async with seeded.db.sessions() as session:
        edits = (
            await session.execute(
                select(OutboxMessage.key, OutboxMessage.state).where(OutboxMessage.kind == "edit")
            )
        ).all()
    assert [tuple(e) for e in edits] == [(first_edit, "unreachable")]
