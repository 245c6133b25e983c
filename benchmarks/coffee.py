"""Pairing a large chapter's coffee round against its history.

    .venv/bin/python benchmarks/coffee.py [--members 100000] [--rounds 20] [--seed 7]
        [--database] [--db /tmp/coffee.db]

Builds a history of ``--rounds`` earlier rounds of ``--members`` members (each round a random
pairing, a fixed seed), then pairs the next round the way the scheduled job does
(``History.from_rounds`` builds the index of past pairs, ``pair_members`` pairs) and prints the
time and the number of repeated pairs: within the last 6 rounds (target 0 while avoidable)
and within the whole history. Measured in the same run, the baseline: a random pairing, as
a pairing without any history would do. Target: under 5 s, 0 repeats.

With ``--database`` the same happens through SQLite as the job runs it: the history stored
in ``coffee_matches``, then ``run_round`` (history read back, pairing, 100,000 match rows
and 100,000 introductions written to the outbox) timed as a whole.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.mentoring.pairing import RECENT_ROUNDS, History, pair_members, repeats

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def random_round(members: list[int], rng: random.Random) -> list[list[int]]:
    shuffled = members[:]
    rng.shuffle(shuffled)
    groups = [shuffled[i : i + 2] for i in range(0, len(shuffled) - 1, 2)]
    if len(shuffled) % 2:
        groups[-1].append(shuffled[-1])
    return groups


def seen_pairs(rounds: list[list[list[int]]]) -> set[int]:
    return History.from_rounds(rounds, recent_rounds=len(rounds)).recent


def in_memory(members_count: int, rounds_count: int, seed: int) -> bool:
    members = list(range(1, members_count + 1))
    rng = random.Random(seed)
    started = time.perf_counter()
    history = [random_round(members, rng) for _ in range(rounds_count)]  # newest first
    print(
        f"history: {rounds_count} rounds of {members_count:,} members "
        f"(random pairs) built in {time.perf_counter() - started:.2f} s"
    )
    recent = seen_pairs(history[:RECENT_ROUNDS])
    everything = seen_pairs(history)

    started = time.perf_counter()
    index = History.from_rounds(history)
    indexed = time.perf_counter()
    groups = pair_members(members, index, seed=seed)
    finished = time.perf_counter()
    ours = finished - started
    paired = sum(len(g) for g in groups)
    trios = sum(1 for g in groups if len(g) == 3)
    ours_recent, ours_all = repeats(groups, recent), repeats(groups, everything)
    print(
        f"pairing with the history index: {ours:.2f} s (index {indexed - started:.2f} s, "
        f"pairing {finished - indexed:.2f} s); {len(groups):,} groups, {trios} trio, "
        f"{members_count - paired} unpaired; repeated pairs: {ours_recent} within "
        f"{RECENT_ROUNDS} rounds, {ours_all} within {rounds_count}"
    )

    started = time.perf_counter()
    baseline = random_round(members, random.Random(seed + 1))
    base_time = time.perf_counter() - started
    base_recent, base_all = repeats(baseline, recent), repeats(baseline, everything)
    print(
        f"baseline, random pairing: {base_time:.2f} s; repeated pairs: {base_recent} within "
        f"{RECENT_ROUNDS} rounds, {base_all} within {rounds_count}"
    )
    print(
        f"repeats: {ours_all} against the baseline's {base_all}; "
        f"time: {ours / max(base_time, 1e-9):.0f}x the random pairing's"
    )
    ok = ours < 5 and ours_recent == 0 and paired == members_count
    verdict = "met" if ok else "MISSED"
    print(f"target (under 5 s, no repeat within {RECENT_ROUNDS} rounds): {verdict}")
    return ok


async def through_the_database(members_count: int, rounds_count: int, seed: int, db: str) -> None:
    from sqlalchemy import insert

    from core.db import create_database, upgrade
    from core.db.base import table_of
    from core.db.models import (
        Chapter,
        CoffeeMatch,
        CoffeeMember,
        CoffeeRound,
        CoffeeSettings,
        Country,
        Member,
        PlatformAccount,
    )
    from core.domain import Platform, Visibility
    from core.mentoring.coffee import run_round

    database = create_database(f"sqlite+aiosqlite:///{db}")
    await upgrade(database.engine)
    members = list(range(1, members_count + 1))
    rng = random.Random(seed)
    started = time.perf_counter()
    async with database.sessions.begin() as session:
        session.add(
            Country(code="PT", languages=["pt"], time_zone="Europe/Lisbon", default_language="pt")
        )
        await session.flush()
        session.add(Chapter(country_code="PT", languages=["pt"], time_zone="Europe/Lisbon"))
        session.add(CoffeeSettings(country_code="PT", every_weeks=1))
        await session.flush()
        for start in range(0, members_count, 20_000):
            chunk = members[start : start + 20_000]
            await session.execute(
                insert(table_of(Member)),
                [
                    {
                        "id": m,
                        "full_name": f"Member {m}",
                        "name_key": f"member {m}",
                        "country_code": "PT",
                        "languages": [],
                        "directory_consent": False,
                        "visibility": Visibility.LISTED,
                        "search_document": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for m in chunk
                ],
            )
            await session.execute(
                insert(table_of(PlatformAccount)),
                [
                    {
                        "platform": Platform.TELEGRAM,
                        "workspace": "",
                        "user_id": str(m),
                        "handle": f"member{m}",
                        "member_id": m,
                        "created_at": NOW,
                    }
                    for m in chunk
                ],
            )
            await session.execute(
                insert(table_of(CoffeeMember)),
                [{"country_code": "PT", "member_id": m, "joined_at": NOW} for m in chunk],
            )
        for week in range(rounds_count, 0, -1):
            fired = NOW - dt.timedelta(weeks=week)
            round_ = CoffeeRound(
                country_code="PT",
                round_key=fired.date().isoformat(),
                fired_at=fired,
                groups=members_count // 2,
            )
            session.add(round_)
            await session.flush()
            rows = [
                {"round_id": round_.id, "member_id": m, "group_no": number, "met": None}
                for number, group in enumerate(random_round(members, rng), start=1)
                for m in group
            ]
            for start in range(0, len(rows), 20_000):
                await session.execute(insert(table_of(CoffeeMatch)), rows[start : start + 20_000])
    print(f"database built in {time.perf_counter() - started:.1f} s ({db})")
    started = time.perf_counter()
    async with database.sessions.begin() as session:
        result = await run_round(session, "PT", NOW, now=NOW)
    elapsed = time.perf_counter() - started
    assert result is not None
    print(
        f"run_round through SQLite: {elapsed:.1f} s for {len(result.groups):,} groups, "
        f"{result.queued:,} introductions queued, {len(result.unmatched)} unpaired"
    )
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", action="store_true", help="also time run_round on SQLite")
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "coffee-bench.db"))
    args = parser.parse_args()
    ok = in_memory(args.members, args.rounds, args.seed)
    if args.database:
        Path(args.db).unlink(missing_ok=True)
        asyncio.run(through_the_database(args.members, args.rounds, args.seed, args.db))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
