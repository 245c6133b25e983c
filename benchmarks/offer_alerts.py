"""Matching new offers against saved searches at scale: the index against the naive scan.

    .venv/bin/python -m benchmarks.offer_alerts [--members 1000000] [--offers 10000]
        [--naive-sample 20] [--db /tmp/offer_alerts.db | --url postgresql+asyncpg://...]

Creates N members with on average 3 alerts each and a chat account for most of them (bulk
Core inserts, a fixed seed), then publishes ``--offers`` offers through what production
runs, ``core.offers.alerts.notify_matches``: the immediate alerts each offer matches are
found by the (match_key, match_word) index and staged in ``alert_matches`` (one row per
offer listing them), and their messages are written to the outbox at once when they are at
most ``QUEUED_AT_ONCE`` (at this scale they are thousands, left to the job). Each
publication is one transaction, rolled back after it is timed, so the stage and the outbox
keep their resting size (the minutely job empties the stage in production; its own rate is
printed too, on a sample).
The naive baseline is the same ``notify_matches`` staging by a scan of every saved search
(``stage_matches_naive``); it runs on a sample of the same offers in the same run, and both
must stage the same alerts. Prints offers/s for each and the ratio.

``--url`` runs on that PostgreSQL database instead of SQLite: its public schema is DROPPED
and rebuilt, so give it a database of its own.

Who searches what (an assumption, stated so it can be checked against real usage; fixed
seed, so every run builds the same data):

* Members live in 150 countries, by popularity: country i (1-based) holds a share
  proportional to 1 / i ** 0.8 (the first holds about 11% of members, the 50th 0.5%).
  Offers are spread over the same countries with the same weights (the most overlap, so the
  most matches: a conservative choice).
* 1 to 5 alerts per member (3 on average). Each alert, independently:
  - country: set 95% of the time (85% the member's own, 15% another one by popularity),
    "any country" 5%;
  - kind: set 90% (job 40, internship 35, VIE 10, volunteering 8, training 7), any 10%;
  - sector: set 85% (uniform over the 16 sectors of the vocabulary), any 15%;
  - language: set 15% (one of 8), any 85%;
  - words: 35% carry one or two words of a job title (about 100 words), 65% none;
  - frequency: weekly 30%, immediate 70%.
  That is what "internships in finance in Morocco" looks like: most saved searches name
  kind, country and sector; the broad ones (no country, no kind or no sector) are kept,
  and they are most of what each offer matches.
* An offer: kind, sector and country drawn with the same weights, 0 to 2 languages, a
  title of 2 or 3 job-title words and a description with 3 more.

* 90% of members have a Telegram account (the rest were imported and never claimed their
  profile): only their immediate alerts are staged.

With these, about 0.3% of all alerts match a given offer, about two thirds of them
immediate with a reachable member (printed as "staged per offer"); every one of them is
staged, by both the index and the naive scan.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import create_database, upgrade
from core.db.base import table_of
from core.db.models import (
    Alert,
    AlertMatches,
    Country,
    Member,
    Offer,
    Organisation,
    PlatformAccount,
)
from core.directory.vocabulary import SECTORS
from core.domain import OrganisationKind, Platform, fold
from core.offers.alerts import (
    AlertCriteria,
    Stage,
    alert_index,
    notify_matches,
    queue_matches,
    stage_matches,
    stage_matches_naive,
)
from core.offers.domain import AlertFrequency, OfferKind, OfferState

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
COUNTRIES = [  # 150, most members first
    "MA", "CN", "DZ", "TN", "SN", "LB", "VN", "BR", "IN", "CI", "CM", "MX", "CO", "US", "DE",
    "ES", "IT", "FR", "MG", "TR", "EG", "JP", "KR", "RU", "UA", "PL", "RO", "GR", "PT", "CA",
    "BJ", "BF", "ML", "GA", "CG", "CD", "TG", "NE", "TD", "HT", "AR", "CL", "PE", "ID", "TH",
    "NG", "GH", "KE", "ET", "ZA", "MU", "SY", "JO", "IQ", "IR", "PK", "BD", "LK", "NP", "KH",
    "LA", "MM", "MY", "PH", "SG", "TW", "HK", "AU", "NZ", "GB", "IE", "BE", "NL", "LU", "CH",
    "AT", "CZ", "SK", "HU", "SI", "HR", "RS", "BA", "ME", "MK", "AL", "BG", "MD", "BY", "GE",
    "AM", "AZ", "KZ", "UZ", "KG", "TJ", "TM", "MN", "AE", "SA", "QA", "KW", "BH", "OM", "YE",
    "LY", "SD", "SS", "ER", "DJ", "SO", "UG", "TZ", "RW", "BI", "MW", "ZM", "ZW", "MZ", "AO",
    "NA", "BW", "LS", "SZ", "CV", "GW", "GN", "SL", "LR", "GM", "MR", "KM", "SC", "VE", "EC",
    "BO", "PY", "UY", "CR", "PA", "GT", "HN", "SV", "NI", "DO", "CU", "JM", "TT", "IL", "PS",
]  # fmt: skip
COUNTRY_WEIGHTS = [1 / (i + 1) ** 0.8 for i in range(len(COUNTRIES))]
KINDS = [k.value for k in OfferKind]
KIND_WEIGHTS = [40, 35, 10, 8, 7]
SECTOR_KEYS = list(SECTORS)
LANGUAGES = ["fr", "en", "es", "pt", "ar", "de", "zh", "vi"]
_WORDS = (
    "analyst data engineer developer manager assistant consultant marketing sales finance "
    "controller auditor accountant project product designer researcher chemist biologist "
    "logistics supply chain buyer lawyer hr recruiter teacher trainer tourism hotel chef "
    "energy solar wind mechanical electrical civil software cloud security network python "
    "java web mobile communication journalist editor translator interpreter architect "
    "urban planner agronomist quality safety maintenance production operations strategy "
    "business developer account executive customer support officer diplomat cultural "
    "attache event coordinator community fundraising ngo health nurse pharmacist doctor"
)
TITLE_WORDS = _WORDS.split()
FILLER = (
    "We are looking for a motivated person to join our team in an international setting. "
    "You will work with colleagues from several countries on projects that matter."
)


def alert_rows(member_ids: range, rng: random.Random) -> list[dict[str, object]]:
    """Saved searches as the module docstring describes them."""
    rows: list[dict[str, object]] = []
    for member_id in member_ids:
        home = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        for _ in range(rng.choice((1, 2, 3, 4, 5))):  # 3 on average
            country = None
            if rng.random() < 0.95:
                country = (
                    home if rng.random() < 0.85 else rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
                )
            words = rng.sample(TITLE_WORDS, rng.choice((1, 1, 2))) if rng.random() < 0.35 else []
            criteria = AlertCriteria(
                kind=rng.choices(KINDS, KIND_WEIGHTS)[0] if rng.random() < 0.9 else None,
                country=country,
                sector=rng.choice(SECTOR_KEYS) if rng.random() < 0.85 else None,
                language=rng.choice(LANGUAGES) if rng.random() < 0.15 else None,
                text=" ".join(words),
            )
            if criteria.empty:
                continue
            key, word = alert_index(criteria)
            rows.append(
                {
                    "member_id": member_id,
                    "kind": criteria.kind,
                    "country_code": criteria.country,
                    "sector": criteria.sector,
                    "language": criteria.language,
                    "text": criteria.text,
                    "terms": " ".join(criteria.terms),
                    "frequency": AlertFrequency.WEEKLY
                    if rng.random() < 0.3
                    else AlertFrequency.IMMEDIATE,
                    "match_key": key,
                    "match_word": word,
                    "created_at": NOW,
                }
            )
    return rows


def offer_rows(n: int, organisations: list[int], rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for _ in range(n):
        title = " ".join(rng.sample(TITLE_WORDS, rng.choice((2, 3)))).capitalize()
        description = FILLER + " " + " ".join(rng.choices(TITLE_WORDS, k=3))
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        sector = rng.choice(SECTOR_KEYS)
        languages = rng.sample(LANGUAGES, rng.choice((0, 1, 2)))
        doc = f" {fold(' '.join((title, 'Company', 'City', sector, kind, description)))} "
        rows.append(
            {
                "organisation_id": rng.choice(organisations),
                "kind": kind,
                "title": title,
                "title_key": f" {fold(title)}",
                "country_code": rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
                "city": "City",
                "remote": False,
                "sector": sector,
                "languages": languages,
                "languages_key": " " + "".join(f"{c} " for c in languages),
                "description": description,
                "apply_url": "https://example.org/apply",
                "expires_at": NOW + dt.timedelta(days=30),
                "state": OfferState.OPEN,
                "search_document": doc,
                "published_at": NOW,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    return rows


async def build(url: str, members: int, offers: int) -> None:
    db = create_database(url)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db.engine)
    rng = random.Random(42)
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(table_of(Country)),
            [{"code": c, "languages": ["fr", "en"], "time_zone": "UTC"} for c in COUNTRIES],
        )
        await conn.execute(
            insert(table_of(Organisation)),
            [
                {
                    "slug": f"company-{i}",
                    "name": f"Company {i}",
                    "name_key": f"company {i}",
                    "kind": OrganisationKind.COMPANY,
                    "country_code": "BR",
                    "descriptions": {},
                    "created_at": NOW,
                }
                for i in range(50)
            ],
        )
        org_ids = list((await conn.execute(select(Organisation.id))).scalars())
        batch = 20_000
        for start in range(1, members + 1, batch):
            ids = range(start, min(start + batch, members + 1))
            await conn.execute(
                insert(table_of(Member)),
                [
                    {
                        "id": i,
                        "full_name": f"Member {i}",
                        "name_key": f"member {i}",
                        "languages": [],
                        "directory_consent": False,
                        "visibility": "listed",
                        "search_document": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            )
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
                    if rng.random() < 0.9
                ],
            )
            await conn.execute(insert(table_of(Alert)), alert_rows(ids, rng))
        for start in range(0, offers, 5000):
            await conn.execute(
                insert(table_of(Offer)), offer_rows(min(5000, offers - start), org_ids, rng)
            )
        if db.is_sqlite:
            await conn.exec_driver_sql("ANALYZE")
    if not db.is_sqlite:  # as autovacuum would: statistics, and the visibility map that
        # lets PostgreSQL answer from the index alone
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    await db.dispose()
    print(f"built {members:,} members and their alerts in {time.perf_counter() - started:.1f}s")


async def publish(session: AsyncSession, offer: Offer, stage: Stage) -> tuple[float, int]:
    """Seconds to publish one offer through ``notify_matches`` and the alerts it staged;
    the transaction is then rolled back (see the module docstring)."""
    try:
        started = time.perf_counter()
        notified = await notify_matches(session, offer, now=NOW, stage=stage)
        await session.flush()
        return time.perf_counter() - started, notified.matched
    finally:
        await session.rollback()


async def staged(session: AsyncSession, offer: Offer, stage: Stage) -> list[int]:
    try:
        await stage(session, offer)
        query = select(AlertMatches.alert_ids).where(AlertMatches.offer_id == offer.id)
        return sorted(json.loads(await session.scalar(query) or "[]"))
    finally:
        await session.rollback()


async def queue_rate(session: AsyncSession, offer: Offer) -> tuple[int, float]:
    """(staged matches, seconds) for the job's ``queue_matches`` to queue one offer's."""
    try:
        await stage_matches(session, offer)
        count = await session.scalar(select(func.sum(AlertMatches.matched))) or 0
        started = time.perf_counter()
        while (await queue_matches(session, now=NOW)).taken:
            pass
        return count, time.perf_counter() - started
    finally:
        await session.rollback()


async def measure(url: str, sample: int) -> None:
    db = create_database(url)
    async with db.sessions() as session:
        alerts = await session.scalar(select(func.count()).select_from(Alert)) or 0
        offers = list((await session.scalars(select(Offer).order_by(Offer.id))).all())
        session.expunge_all()
        print(f"{db.engine.dialect.name}: {alerts:,} saved searches, {len(offers):,} offers")
        matched = 0
        times: list[float] = []
        for done, offer in enumerate(offers, 1):
            elapsed, count = await publish(session, offer, stage_matches)
            times.append(elapsed)
            matched += count
            if done % 1000 == 0:
                print(f"  {done:,} offers, {done / sum(times):,.0f}/s  [{uptime()}]", flush=True)
        indexed_s = sum(times)
        print(
            f"indexed: {len(offers) / indexed_s:,.0f} offers/s "
            f"({indexed_s:.1f}s, median {statistics.median(times) * 1000:,.1f} ms per offer; "
            f"{matched / len(offers):,.0f} alerts staged per offer, "
            f"{matched / len(offers) / alerts:.2%} of all alerts)  [{uptime()}]"
        )
        picked = offers[:: max(1, len(offers) // sample)][:sample]
        naive_times, index_times = [], []
        for offer in picked:
            assert await staged(session, offer, stage_matches) == await staged(
                session, offer, stage_matches_naive
            )  # the same alerts
            naive_times.append((await publish(session, offer, stage_matches_naive))[0])
            index_times.append((await publish(session, offer, stage_matches))[0])
        naive_rate = len(picked) / sum(naive_times)
        print(
            f"naive scan: {naive_rate:,.2f} offers/s on {len(picked)} offers "
            f"(median {statistics.median(naive_times) * 1000:,.0f} ms per offer; "
            f"indexed median {statistics.median(index_times) * 1000:,.1f} ms on the same offers)"
            f"  [{uptime()}]"
        )
        print(f"ratio: {len(offers) / indexed_s / naive_rate:,.0f}x the naive scan")
        print(
            f"ratio on the sample: {sum(naive_times) / sum(index_times):,.0f}x "
            "(both timed on the same offers, interleaved)"
        )
        queued = [await queue_rate(session, offer) for offer in picked[:5]]
        matches, seconds = sum(q[0] for q in queued), sum(q[1] for q in queued)
        print(
            f"the job queues {matches / seconds:,.0f} staged matches/s into the outbox "
            f"({matches:,} matches of {len(queued)} offers)  [{uptime()}]"
        )
    await db.dispose()


def uptime() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=20)
    parser.add_argument("--db", help="SQLite file to (re)build; a temporary one by default")
    parser.add_argument("--url", help="a PostgreSQL database of its own: its schema is dropped")
    parser.add_argument(
        "--measure-only", action="store_true", help="reuse the database an earlier run built"
    )
    args = parser.parse_args()
    if args.url:
        url = args.url
    else:
        path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "offer_alerts.db"
        if path.exists() and not args.measure_only:
            os.remove(path)
        url = f"sqlite+aiosqlite:///{path}"
    if not args.measure_only:
        asyncio.run(build(url, args.members, args.offers))
    asyncio.run(measure(url, args.naive_sample))


if __name__ == "__main__":
    main()
