"""Directory search at scale: import N members, then time mixed queries per backend.

    .venv/bin/python benchmarks/directory_search.py [--members 1000000] [--queries 1000]
        [--backends sqlite,postgresql] [--pg postgresql+asyncpg://postgres@127.0.0.1/alumni_bench]
        [--sqlite PATH] [--reuse]

Prints the import time, p50/p99 of the real search (core.directory.search) overall and per
kind of query, and of a naive ``LIKE '%…%'`` scan measured in the same run on the same data,
and their ratio; each figure with the machine's load average, since they depend on it.
``--reuse`` keeps databases that already hold the members (a kept ``--sqlite`` file, the
``--pg`` database) and only times the queries.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import and_, func, select, text

from benchmarks._people import people
from core.db import create_database, rebuild
from core.db.models import Member
from core.directory.importer import COLUMNS, import_members
from core.directory.search import DirectoryQuery, search_members
from core.domain import Visibility, fold


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(people(n))


KINDS = ["full name"] * 4 + ["prefixes"] * 2 + ["typo"] + ["name + country"] * 2 + ["filters"]


def make_queries(rows: list[dict[str, str]], n: int) -> list[DirectoryQuery]:
    rng = random.Random(7)
    listed = [r for r in rows if r["directory_consent"] == "yes"]
    out: list[DirectoryQuery] = []
    for i in range(n):
        r = rng.choice(listed)
        given, family = r["full_name"].split(" ", 1)
        kind = i % 10
        if kind < 4:  # a full name, typed without accents
            out.append(DirectoryQuery(text=fold(r["full_name"])))
        elif kind < 6:  # prefixes of both names
            out.append(DirectoryQuery(text=f"{family[:4]} {given[:3]}"))
        elif kind < 7:  # one typo in the family name
            word = fold(family)
            if len(word) >= 5:
                pos = rng.randrange(2, len(word))
                word = word[:pos] + ("x" if word[pos] != "x" else "y") + word[pos + 1 :]
            out.append(DirectoryQuery(text=f"{word} {fold(given)}"))
        elif kind < 9:  # a name in a country
            out.append(DirectoryQuery(text=fold(family), country=r["country"]))
        else:  # filters only
            out.append(DirectoryQuery(country=r["country"], year=int(r["graduation_year"])))
    return out


async def naive(session, query: DirectoryQuery):  # type: ignore[no-untyped-def]
    """The scan an index avoids: LIKE '%word%' on every member."""
    conditions = [Member.directory_consent.is_(True), Member.visibility == Visibility.LISTED]
    for word in fold(query.text).split():
        conditions.append(Member.search_document.like(f"%{word}%"))
    if query.country:
        conditions.append(Member.country_code == query.country)
    stmt = select(Member.id).where(and_(*conditions)).order_by(Member.name_key).limit(6)
    return (await session.execute(stmt)).all()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


async def _member_count(db) -> int:  # type: ignore[no-untyped-def]
    try:
        async with db.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Member)) or 0)
    except Exception:  # no schema yet
        return 0


async def run_backend(url: str, csv_path: Path, rows: list[dict[str, str]], args) -> None:  # type: ignore[no-untyped-def]
    db = create_database(url)
    name = db.engine.dialect.name
    if args.reuse and await _member_count(db) == args.members:
        print(f"[{name}] reusing {args.members:,} members")
    else:
        await rebuild(db.engine)
        print(f"[{name}] importing ({load()})")
        started = time.perf_counter()
        with csv_path.open(encoding="utf-8", newline="") as fh:
            report = await import_members(
                db, fh, "Université Paris Cité", now=dt.datetime.now(dt.UTC)
            )
        import_s = time.perf_counter() - started
        total = await _member_count(db)
        print(
            f"[{name}] imported {report.created:,} members ({total:,} rows) in {import_s:.1f} s"
            f" ({report.created / import_s:,.0f} rows/s; {load()})"
        )
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    queries = make_queries(rows, args.queries)
    timings: list[float] = []
    by_kind: dict[str, list[float]] = {}
    found = 0
    async with db.sessions() as session:
        for q in queries[:20]:  # warm-up
            await search_members(session, q)
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            page = await search_members(session, q)
            elapsed = (time.perf_counter() - t0) * 1000
            timings.append(elapsed)
            by_kind.setdefault(KINDS[i % 10], []).append(elapsed)
            found += bool(page.results)
        naive_timings: list[float] = []
        for q in queries[: args.naive]:
            t0 = time.perf_counter()
            await naive(session, q)
            naive_timings.append((time.perf_counter() - t0) * 1000)
    p50, p99 = pct(timings, 50), pct(timings, 99)
    n50, n99 = pct(naive_timings, 50), pct(naive_timings, 99)
    print(
        f"[{name}] search: {len(queries)} queries, {found} with results; "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {statistics.fmean(timings):.2f} ms ({load()})"
    )
    for kind, values in by_kind.items():
        print(
            f"[{name}]   {kind:<15} {len(values):>4} queries: p50 {pct(values, 50):6.2f} ms,"
            f" p99 {pct(values, 99):6.2f} ms, max {max(values):6.2f} ms"
        )
    print(
        f"[{name}] naive LIKE scan ({len(naive_timings)} queries): p50 {n50:.1f} ms, "
        f"p99 {n99:.1f} ms ({load()})"
    )
    print(f"[{name}] speed-up vs scan: p50 x{n50 / p50:.0f}, p99 x{n99 / p99:.0f}")
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=50, help="queries timed on the scan")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "ALUMNI_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/alumni_bench"
        ),
    )
    parser.add_argument("--sqlite", help="the SQLite file (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep databases that hold the members already"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "members.csv"
        t0 = time.perf_counter()
        write_csv(csv_path, args.members)
        rows = list(people(args.members))
        print(f"generated {args.members:,} members in {time.perf_counter() - t0:.1f} s")
        sqlite_path = args.sqlite or f"{tmp}/bench.db"
        for backend in args.backends.split(","):
            url = f"sqlite+aiosqlite:///{sqlite_path}" if backend == "sqlite" else args.pg
            await run_backend(url, csv_path, rows, args)


if __name__ == "__main__":
    asyncio.run(main())
