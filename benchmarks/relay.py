"""The group bridge's core path: messages posted in a group mapped on three platforms.

    .venv/bin/python benchmarks/relay.py [--messages 10000] [--concurrency 1]
        [--db sqlite+aiosqlite:////tmp/relay.db | postgresql+asyncpg://...]

Creates a group with three members (each with a Telegram, Slack and Discord account) and maps
it to one channel per platform, then posts ``--messages`` plain messages round-robin in the
three channels through ``core.groups.relay.relay_incoming`` -- what an adapter calls -- and
times each call: the delay the core adds before a message waits in the outbox (senders and
platform rate limits excluded). Baseline in the same run: the bare outbox writes the relay
cannot avoid (two ``core.delivery.outbox.enqueue`` in one transaction per message). Then
redelivers a tenth of the messages and checks nothing more is queued: exactly two copies per
message, none for its own channel.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from core.bootstrap import App, build_app
from core.chat import ChatKind, Incoming, Reply
from core.chat.replies import Audience
from core.clock import SystemClock
from core.config import Settings
from core.db import create_database, rebuild
from core.db.models import Member, OutboxMessage, PlatformAccount
from core.delivery.outbox import Target, enqueue
from core.directory.countries import ensure_countries
from core.domain import Platform, fold
from core.groups.channels import map_channel
from core.groups.domain import GroupKind
from core.groups.groups import GroupInput, create_group, join_group
from core.groups.relay import relay_incoming

CHANNELS = {
    Platform.TELEGRAM: ("", "-1001234567890"),
    Platform.SLACK: ("T0ALUMNI", "C0TECHBR"),
    Platform.DISCORD: ("881234567890", "990011223344"),
}
WARM_UP = 200
PEOPLE = ("Zoë Nguyễn", "Ana Souza", "محمد الفاسي")
TEXTS = (
    "Olá! Quem vai ao encontro de quinta-feira?",
    "Je serai là, @everyone venez nombreux",
    "The slides are here: https://example.org/slides <!channel>",
    "سأكون هناك مع زملائي",
)


def _user(platform: Platform, n: int) -> str:
    return f"{platform.value}-user-{n}"


async def _fresh(url: str) -> None:
    db = create_database(url)
    await rebuild(db.engine)
    await db.dispose()


async def _setup(app: App) -> None:
    from core.chat.context import Actor

    now = app.clock.now()
    actors = []
    async with app.db.sessions.begin() as session:
        await ensure_countries(session, ["BR"])
        for n, name in enumerate(PEOPLE):
            member = Member(full_name=name, name_key=fold(name), country_code="BR")
            session.add(member)
            await session.flush()
            for platform, (workspace, _chat) in CHANNELS.items():
                session.add(
                    PlatformAccount(
                        platform=platform,
                        workspace=workspace,
                        user_id=_user(platform, n),
                        member_id=member.id,
                    )
                )
            actors.append(Actor(platform=Platform.CONSOLE, user_id=name, member_id=member.id))
        group = await create_group(
            session,
            actors[0],
            GroupInput(names={"en": "Tech Brasil"}, descriptions={}, kind=GroupKind.SECTOR),
            now=now,
        )
        for actor in actors[1:]:
            await join_group(session, actor, group.slug, now=now, announce=lambda *_: Reply())
        for platform, (workspace, chat_id) in CHANNELS.items():
            where = Incoming(
                platform=platform,
                user_id=_user(platform, 0),
                workspace=workspace,
                chat_id=chat_id,
                chat_kind=ChatKind.GROUP,
            )
            await map_channel(session, actors[0], where, group.slug, invite_url=None, now=now)


def _message(i: int) -> Incoming:
    platform = list(CHANNELS)[i % 3]
    workspace, chat_id = CHANNELS[platform]
    return Incoming(
        platform=platform,
        user_id=_user(platform, (i // 3) % len(PEOPLE)),
        workspace=workspace,
        chat_id=chat_id,
        chat_kind=ChatKind.GROUP,
        text=TEXTS[i % len(TEXTS)],
        is_message=True,
    )


async def _run(count: int, concurrency: int, call: object) -> tuple[float, list[float]]:
    delays: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            started = time.perf_counter()
            await call(i)  # type: ignore[operator]
            delays.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, delays


def _p99(delays: list[float]) -> float:
    return statistics.quantiles(delays, n=100)[98] * 1000


async def main(url: str, messages: int, concurrency: int) -> int:
    await _fresh(url)
    app = await build_app(Settings(database_url=url), clock=SystemClock(), migrate=False)
    try:
        await _setup(app)
        for i in range(WARM_UP):  # warm-up: connections, statement caches
            await relay_incoming(app, _message(i), message_id=f"warm-{i}")

        async def relay(i: int) -> None:
            await relay_incoming(app, _message(i), message_id=str(i))

        async def baseline(i: int) -> None:
            reply = Reply(text=TEXTS[i % len(TEXTS)], audience=Audience.PUBLIC)
            async with app.db.sessions.begin() as session:
                for n, (platform, (workspace, chat_id)) in enumerate(CHANNELS.items()):
                    if n == i % 3:
                        continue
                    await enqueue(
                        session,
                        key=f"baseline:{i}:{n}",
                        kind="baseline",
                        target=Target(platform, chat_id, workspace),
                        reply=reply,
                        now=app.clock.now(),
                    )

        base_elapsed, base_delays = await _run(messages, concurrency, baseline)
        elapsed, delays = await _run(messages, concurrency, relay)
        redelivered = messages // 10
        await _run(redelivered, concurrency, relay)
        async with app.db.sessions() as session:
            copies = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "relay")
            )
            echoes = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.kind == "relay",
                    OutboxMessage.reply["relay"]["source"]["chat_id"].as_string()
                    == OutboxMessage.chat_id,
                )
            )
    finally:
        await app.close()
    engine = url.split(":", 1)[0]
    print(f"relay path, {messages} messages, group mapped on 3 platforms, {engine}, ", end="")
    print(f"concurrency {concurrency}")
    print(
        f"  relay_incoming   {messages / elapsed:8.0f} messages/s   "
        f"p50 {statistics.median(delays) * 1000:.2f} ms   p99 {_p99(delays):.2f} ms added delay"
    )
    print(
        f"  baseline (bare outbox writes) {messages / base_elapsed:8.0f} messages/s   "
        f"p99 {_p99(base_delays):.2f} ms"
    )
    expected = 2 * (messages + WARM_UP)
    print(
        f"  queued copies {copies} (expected {expected} incl. warm-up), echoes {echoes}, "
        f"redelivered {redelivered} -> nothing more queued: {copies == expected}"
    )
    target_met = messages / elapsed >= 2000
    print(f"  target >= 2,000 messages/s: {'met' if target_met else 'NOT met'}")
    return 0 if copies == expected and echoes == 0 else 1


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=50,
        help="messages in flight at once, as from concurrent webhook handlers",
    )
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    url = args.db
    if not url:
        path = os.path.join(tempfile.mkdtemp(prefix="relay-bench-"), "relay.db")
        url = f"sqlite+aiosqlite:///{path}"
    sys.exit(asyncio.run(main(url, args.messages, args.concurrency)))


if __name__ == "__main__":
    cli()
