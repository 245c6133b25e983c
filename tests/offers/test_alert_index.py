"""The alert index finds exactly what the naive scan of every saved search finds.

Many random alerts (any mix of kind, country, sector, language, zero to three words, some
accented or repeated) against many random offers: both functions must return the same
alerts, members and frequencies, and the lookup must not depend on the word index only."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from core.bootstrap import App
from core.db.models import Member, Offer, Organisation
from core.offers.alerts import (
    AlertCriteria,
    alert_index,
    matching_alerts,
    naive_matching_alerts,
    save_alert,
)
from core.offers.domain import AlertFrequency, OfferKind, OfferState
from core.offers.offers import OfferInput, search_document

KINDS = list(OfferKind)
COUNTRIES = ["FR", "MA", "BR"]
SECTORS = ["finance", "energy", "public sector", None]
LANGUAGES = ["fr", "en", "es"]
WORDS = ["analyst", "data", "ingénieur", "ingenieur", "python", "finance", "stage", "lyon"]


def _criteria(rng: random.Random) -> AlertCriteria:
    while True:
        criteria = AlertCriteria(
            kind=rng.choice(KINDS).value if rng.random() < 0.5 else None,
            country=rng.choice(COUNTRIES) if rng.random() < 0.5 else None,
            sector=rng.choice(SECTORS) if rng.random() < 0.5 else None,
            language=rng.choice(LANGUAGES) if rng.random() < 0.3 else None,
            text=" ".join(rng.choices(WORDS, k=rng.choice((0, 0, 1, 2, 3)))),
        )
        if not criteria.empty:
            return criteria


def _offer(rng: random.Random, organisation: Organisation, now: dt.datetime) -> Offer:
    data = OfferInput(
        kind=rng.choice(KINDS),
        title=" ".join(rng.sample(WORDS, 2)).capitalize(),
        country_code=rng.choice(COUNTRIES),
        city=rng.choice(("Lyon", None)),
        remote=False,
        sector=rng.choice(SECTORS),
        languages=tuple(rng.sample(LANGUAGES, rng.choice((0, 1, 2)))),
        contract=None,
        description=" ".join(rng.choices(WORDS, k=3)),
        apply_url="https://example.org/apply",
        apply_email=None,
        expires_at=now + dt.timedelta(days=30),
    )
    return Offer(
        organisation_id=organisation.id,
        kind=data.kind,
        title=data.title,
        title_key=f" {data.title.lower()}",
        country_code=data.country_code,
        city=data.city,
        remote=data.remote,
        sector=data.sector,
        languages=list(data.languages),
        languages_key=" " + "".join(f"{c} " for c in data.languages),
        description=data.description,
        apply_url=data.apply_url,
        expires_at=data.expires_at,
        state=OfferState.OPEN,
        search_document=search_document(data, organisation.name),
        published_at=now,
    )


async def test_the_index_and_the_naive_scan_find_the_same_alerts(seeded: App) -> None:
    rng = random.Random(5)
    now = seeded.clock.now()
    async with seeded.db.sessions.begin() as session:
        members = list((await session.scalars(select(Member.id).limit(40))).all())
        organisation = (await session.scalars(select(Organisation).limit(1))).one()
        for i in range(600):
            criteria = _criteria(rng)
            alert = await save_alert(
                session,
                members[i % len(members)],
                criteria,
                rng.choice(list(AlertFrequency)),
                now=now,
            )
            assert (alert.match_key, alert.match_word) == alert_index(criteria)
        offers = [_offer(rng, organisation, now) for _ in range(60)]
        session.add_all(offers)
        await session.flush()
        total = 0
        for offer in offers:
            indexed = await matching_alerts(session, offer)
            naive = await naive_matching_alerts(session, offer)
            assert sorted(indexed) == sorted(naive), offer.search_document
            assert len(set(indexed)) == len(indexed)  # no alert twice
            total += len(indexed)
        assert total > 300  # the comparison is not vacuous
