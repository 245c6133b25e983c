"""Computing every chapter's weekly digest at scale.

    .venv/bin/python benchmarks/digest.py [--chapters 150] [--members 1000000]
        [--offers 10000] [--events 2000] [--alert-share 0.2] [--db /tmp/digest.db]

Builds a SQLite database (bulk Core inserts, a fixed seed): ``--chapters`` chapters, members
spread over them, every member with a console account and subscribed to the digest, a share
of them with saved searches (see benchmarks/offer_alerts.py; about 30 % weekly), the week's
``--offers`` new offers, ``--events`` upcoming events with RSVPs and an article per chapter.
Then, in a fresh process so that the build does not count, it computes every chapter's
digest the way the scheduled job does (``load_offer_index`` once, ``chapter_digest`` and
``render_all`` per chapter: every member's reply in their language) and prints the time and
the peak memory (max RSS) of that process. Target: under 60 s and 1 GiB for the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from babel import Locale
from sqlalchemy import insert, select

from benchmarks.offer_alerts import COUNTRIES, alert_rows, offer_rows
from core.db import create_database, upgrade
from core.db.base import table_of
from core.db.models import (
    Alert,
    Article,
    Chapter,
    Country,
    DigestSubscription,
    Event,
    Member,
    Offer,
    Organisation,
    PlatformAccount,
    Rsvp,
)
from core.domain import OrganisationKind, Platform
from core.events.digests import chapter_digest, load_offer_index, render_all

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LOCALES = ["fr", "en", "pt_BR", "es", "ar", "zh_Hans", "vi", "de", "it"]
CITIES = [f"City {i}" for i in range(20)]
BATCH = 20_000


def chapter_codes(n: int) -> list[str]:
    others = sorted(
        c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in COUNTRIES
    )
    return (COUNTRIES + others)[:n]


async def build(url: str, args: argparse.Namespace) -> None:
    db = create_database(url)
    await upgrade(db.engine)
    rng = random.Random(7)
    codes = chapter_codes(args.chapters)
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(table_of(Country)),
            [
                {"code": c, "languages": ["fr", "en"], "time_zone": "UTC"}
                for c in dict.fromkeys([*codes, *COUNTRIES])  # offers are in these too
            ],
        )
        await conn.execute(
            insert(table_of(Chapter)),
            [
                {
                    "country_code": c,
                    "languages": ["fr", "en", "pt"],
                    "time_zone": "America/Sao_Paulo",
                    "digest_day": "mon",
                    "digest_hour": 9,
                    "opened_at": NOW,
                }
                for c in codes
            ],
        )
        await conn.execute(
            insert(table_of(Organisation)),
            [
                {
                    "slug": f"company-{i}",
                    "name": f"Company {i}",
                    "name_key": f"company {i}",
                    "kind": OrganisationKind.COMPANY,
                    "country_code": codes[0],
                    "descriptions": {},
                    "created_at": NOW,
                }
                for i in range(50)
            ],
        )
        org_ids = list((await conn.execute(select(Organisation.id))).scalars())
        for start in range(1, args.members + 1, BATCH):
            ids = range(start, min(start + BATCH, args.members + 1))
            members = []
            for i in ids:
                city = rng.choice(CITIES)
                members.append(
                    {
                        "id": i,
                        "full_name": f"Member {i}",
                        "name_key": f"member {i}",
                        "country_code": codes[i % len(codes)],
                        "city": city,
                        "city_key": city.lower(),
                        "languages": [],
                        "preferred_language": rng.choice(LOCALES),
                        "directory_consent": rng.random() < 0.7,
                        "visibility": "listed",
                        "search_document": "",
                        "created_at": NOW - dt.timedelta(days=rng.randint(0, 400)),
                        "updated_at": NOW,
                    }
                )
            await conn.execute(insert(table_of(Member)), members)
            await conn.execute(
                insert(table_of(PlatformAccount)),
                [
                    {
                        "platform": Platform.TELEGRAM,
                        "workspace": "",
                        "user_id": str(i),
                        "member_id": i,
                        "created_at": NOW,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(table_of(DigestSubscription)),
                [{"member_id": i, "created_at": NOW} for i in ids],
            )
            with_alerts = range(ids.start, ids.start + int(len(ids) * args.alert_share))
            await conn.execute(insert(table_of(Alert)), alert_rows(with_alerts, rng))
        for start in range(0, args.offers, 5000):
            rows = offer_rows(min(5000, args.offers - start), org_ids, rng)
            for row in rows:
                row["published_at"] = NOW - dt.timedelta(hours=rng.randint(1, 160))
            await conn.execute(insert(table_of(Offer)), rows)
        events = []
        for i in range(args.events):
            starts = NOW + dt.timedelta(hours=rng.randint(2, 13 * 24))
            events.append(
                {
                    "country_code": codes[i % len(codes)],
                    "organiser": "Ambassade de France",
                    "titles": {"fr": f"Rencontre {i}", "en": f"Meetup {i}", "pt": f"Encontro {i}"},
                    "descriptions": {},
                    "place": "Résidence de France",
                    "starts_at": starts,
                    "ends_at": starts + dt.timedelta(hours=2),
                    "time_zone": "America/Sao_Paulo",
                    "capacity": 100,
                    "remind_day_at": starts - dt.timedelta(days=1),
                    "remind_hour_at": starts - dt.timedelta(hours=1),
                    "day_reminder_sent": False,
                    "hour_reminder_sent": False,
                    "created_at": NOW,
                }
            )
        await conn.execute(insert(table_of(Event)), events)
        event_ids = list((await conn.execute(select(Event.id))).scalars())
        rsvps = {
            (rng.choice(event_ids), rng.randint(1, args.members)) for _ in range(args.events * 30)
        }
        await conn.execute(
            insert(table_of(Rsvp)),
            [
                {"event_id": e, "member_id": m, "status": "going", "updated_at": NOW}
                for e, m in rsvps
            ],
        )
        await conn.execute(
            insert(table_of(Article)),
            [
                {"country_code": c, "title": f"News for {c}", "body": "...", "published_at": NOW}
                for c in codes
            ],
        )
        if conn.dialect.name == "sqlite":
            await conn.exec_driver_sql("ANALYZE")
    await db.dispose()
    print(
        f"built {len(codes)} chapters, {args.members:,} members, {args.offers:,} offers, "
        f"{args.events:,} events in {time.perf_counter() - started:.1f}s"
    )


async def measure(url: str) -> None:
    db = create_database(url)
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    since = NOW - dt.timedelta(days=7)
    digests = replies = personal = 0
    async with db.sessions() as session:
        chapters = list((await session.scalars(select(Chapter))).all())
        offers = await load_offer_index(session, since, now=NOW)
        for chapter in chapters:
            digest = await chapter_digest(session, chapter, since=since, now=NOW, offers=offers)
            distinct = set()
            for _person, reply in render_all(digest):
                digests += 1
                distinct.add(id(reply))
            replies += len(distinct)
            personal += len(digest.offers)
    await db.dispose()
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    print(
        f"computed {digests:,} digests for {len(chapters)} chapters in {elapsed:.1f}s "
        f"({digests / elapsed:,.0f} members/s; {cpu:.1f}s of CPU, which a busy machine "
        f"inflates less than the elapsed time); {replies:,} distinct replies rendered, "
        f"{personal:,} members with matching offers; peak memory {peak:,.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=150)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--alert-share", type=float, default=0.2)
    parser.add_argument("--db", help="SQLite file to (re)build; a temporary one by default")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "digest.db"
    url = f"sqlite+aiosqlite:///{path}"
    if args.measure_only:
        asyncio.run(measure(url))
        return
    if path.exists():
        os.remove(path)
    asyncio.run(build(url, args))
    # A fresh process, so the peak memory is the computation's, not the build's.
    subprocess.run([sys.executable, __file__, "--measure-only", "--db", str(path)], check=True)


if __name__ == "__main__":
    main()
