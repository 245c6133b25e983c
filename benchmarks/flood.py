"""One person floods the bot: are the others slowed down?

    .venv/bin/python -m benchmarks.flood [--members 2000] [--others 50] [--requests 15]
        [--flood-rate 400] [--db sqlite+aiosqlite:////tmp/flood.db | postgresql+asyncpg://...]

Seeds ``--members`` demo members; ``--others`` of them (linked Telegram accounts) each send
``--requests`` commands one after another (``/help`` and ``/search``: fewer than the burst,
as people do) through the dispatcher, as an adapter would, and their latencies are recorded.
Three runs in the same process: nobody floods (the baseline); one member floods with
``--flood-rate`` ``/search`` commands a second, the limits off; the same flood with the
production limits (``ALUMNI_COMMANDS_PER_MINUTE`` and burst). Prints the others' p50/p99,
each flood run's ratio to the baseline, and how many of the flooder's requests were handled.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

from sqlalchemy import select

from core.bootstrap import build_app
from core.chat import Incoming
from core.config import Settings
from core.db import create_database, rebuild
from core.db.models import Member, PlatformAccount
from core.demo import seed_demo
from core.domain import Platform

QUERIES = ("/help", "/search zoe", "/search country:BR", "/search ingénieur")


async def _fresh(url: str, members: int) -> None:
    db = create_database(url)
    await rebuild(db.engine)
    await seed_demo(db, members=members, seed=7)
    async with db.sessions.begin() as session:
        ids = (await session.scalars(select(Member.id).order_by(Member.id).limit(200))).all()
        session.add_all(
            PlatformAccount(platform=Platform.TELEGRAM, user_id=f"member-{n}", member_id=i)
            for n, i in enumerate(ids)
        )
    await db.dispose()


async def _run(url: str, *, others: int, requests: int, flood_rate: float, limits: bool) -> dict:
    settings = Settings(
        database_url=url,
        commands_per_minute=60 if limits else 0,
        group_messages_per_minute=30 if limits else 0,
    )
    app = await build_app(settings, migrate=False)
    latencies: list[float] = []
    flooded = {"sent": 0, "handled": 0, "failed": 0}
    failures: list[str] = []
    done = asyncio.Event()

    async def person(n: int) -> None:
        for i in range(requests):
            incoming = Incoming(
                platform=Platform.TELEGRAM,
                user_id=f"member-{n + 1}",
                text=QUERIES[i % len(QUERIES)],
            )
            started = time.perf_counter()
            try:
                await app.dispatcher.handle(incoming)
            except Exception:
                failures.append(incoming.text)
            latencies.append(time.perf_counter() - started)

    async def one(incoming: Incoming) -> None:
        try:
            if await app.dispatcher.handle(incoming):
                flooded["handled"] += 1
        except Exception:  # e.g. no database connection free within the pool's timeout
            flooded["failed"] += 1

    async def flooder() -> None:
        """``flood_rate`` requests a second, each handled concurrently, as a platform would
        deliver them (a webhook request each)."""
        incoming = Incoming(platform=Platform.TELEGRAM, user_id="member-0", text="/search zoe")
        started = time.perf_counter()
        tasks = []
        while not done.is_set():
            due = int((time.perf_counter() - started) * flood_rate)
            while flooded["sent"] < due:
                flooded["sent"] += 1
                tasks.append(asyncio.create_task(one(incoming)))
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)

    floods = [asyncio.create_task(flooder())] if flood_rate else []
    await asyncio.gather(*(person(n) for n in range(others)))
    done.set()
    await asyncio.gather(*floods)
    await app.close()
    latencies.sort()
    return {
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "others_failed": len(failures),
        **flooded,
    }


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite+aiosqlite:///{tmp}/flood.db"
        await _fresh(url, args.members)
        common = {"others": args.others, "requests": args.requests}
        base = await _run(url, flood_rate=0, limits=True, **common)
        off = await _run(url, flood_rate=args.flood_rate, limits=False, **common)
        on = await _run(url, flood_rate=args.flood_rate, limits=True, **common)
    print(
        f"{args.others} people x {args.requests} commands, {args.members:,} members, "
        f"one member flooding at {args.flood_rate:,.0f}/s"
    )
    print(f"nobody floods:          p50 {base['p50']:6.1f} ms  p99 {base['p99']:6.1f} ms")
    for name, run in (("flood, no limits:", off), ("flood, limits on:", on)):
        print(
            f"{name:23} p50 {run['p50']:6.1f} ms  p99 {run['p99']:6.1f} ms  "
            f"(x{run['p50'] / base['p50']:.2f} p50, x{run['p99'] / base['p99']:.2f} p99; "
            f"flooder: {run['handled']:,} of {run['sent']:,} handled; "
            f"failed: the others {run['others_failed']}, the flooder {run['failed']:,})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--others", type=int, default=50)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--flood-rate", type=float, default=400)
    parser.add_argument("--db", default="")
    asyncio.run(main(parser.parse_args()))
