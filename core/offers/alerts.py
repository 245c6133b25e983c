"""Saved searches (alerts) and how a new offer finds the ones it matches.

The index: each alert carries ``match_key`` = "kind|country|sector|language" (``*`` where
the alert accepts anything) and ``match_word`` = its longest word ("" without text), with one
B-tree index on (match_word, match_key, member_id, frequency, id). An offer can only match
the 2 x 2 x 2 x (1 + languages) keys built from its own kind, country, sector and languages
or ``*``, and only alerts whose word is one of the offer's words or "". So publishing an
offer is two indexed lookups, whatever the number of alerts: the ("", key) points, which
read matches straight from the index, and the (word, key) points for the offer's words;
the other words of those few candidates are then checked in Python.
``naive_matching_alerts`` is the plain scan it replaces (kept for the benchmark and the
tests that prove both agree).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, bindparam, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Alert, Offer, Organisation
from ..delivery.outbox import notify_member
from ..directory.documents import terms_of
from ..domain import fold
from ..errors import CountedUserError, UserError
from ..i18n import N_
from . import cards
from .domain import AlertFrequency, OfferState

__all__ = [
    "ANY",
    "MAX_ALERTS",
    "AlertCriteria",
    "MatchedAlert",
    "alert_index",
    "delete_alert",
    "list_alerts",
    "matching_alerts",
    "naive_matching_alerts",
    "notify_matches",
    "offer_keys",
    "offer_words",
    "save_alert",
    "weekly_matches",
]

ANY = "*"
MAX_ALERTS = 20
MAX_ALERT_WORDS = 6


@dataclass(frozen=True, slots=True)
class AlertCriteria:
    kind: str | None = None
    country: str | None = None
    sector: str | None = None
    language: str | None = None
    text: str = ""

    @property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(terms_of(fold(self.text))))[:MAX_ALERT_WORDS]

    @property
    def empty(self) -> bool:
        return not (self.kind or self.country or self.sector or self.language or self.terms)


class MatchedAlert(NamedTuple):
    """One alert an offer matches (a tuple: one is built per match, so it must be cheap)."""

    alert_id: int
    member_id: int
    frequency: AlertFrequency


def _key(kind: str | None, country: str | None, sector: str | None, language: str | None) -> str:
    return "|".join(v or ANY for v in (kind, country, sector, language))


def alert_index(criteria: AlertCriteria) -> tuple[str, str]:
    """(match_key, match_word) of an alert."""
    terms = criteria.terms
    word = max(terms, key=len) if terms else ""
    return _key(criteria.kind, criteria.country, criteria.sector, criteria.language), word


def offer_keys(kind: str, country: str, sector: str | None, languages: Iterable[str]) -> list[str]:
    """Every match_key an offer can match: its own value or ``*`` for each criterion."""
    sectors = [sector, None] if sector else [None]
    langs: list[str | None] = [*dict.fromkeys(languages), None]
    return [
        _key(k, c, s, lang)
        for k, c, s, lang in itertools.product([kind, None], [country, None], sectors, langs)
    ]


def offer_words(search_document: str) -> set[str]:
    return set(terms_of(search_document))


def _text_matches(terms: str, words: set[str]) -> bool:
    return all(t in words for t in terms.split())


_FREQUENCIES = {f.value: f for f in AlertFrequency}


def _columns() -> tuple[Any, ...]:
    """Plain columns: the stored frequency string is mapped by a dict lookup, not the Enum
    type's result processing (one row per match, so every microsecond counts)."""
    return Alert.id, Alert.member_id, type_coerce(Alert.frequency, String), Alert.terms


@lru_cache(maxsize=1)
def _indexed_statements() -> tuple[Any, Any]:  # built once, then cached
    keys = Alert.match_key.in_(bindparam("keys", expanding=True))
    by_key = select(*_columns()[:3]).where(keys, Alert.match_word == "")
    by_word = select(*_columns()).where(
        keys, Alert.match_word.in_(bindparam("words", expanding=True))
    )
    return by_key, by_word


def _matched(rows: Iterable[Any], words: set[str]) -> list[MatchedAlert]:
    """Rows (id, member_id, frequency, terms) whose words are all among the offer's (rows
    may be a result still to be read: reading it is part of the per-match work)."""
    frequencies = _FREQUENCIES
    return [
        MatchedAlert(alert_id, member_id, frequencies[frequency])
        for alert_id, member_id, frequency, terms in rows
        if _text_matches(terms, words)
    ]


async def matching_alerts(session: AsyncSession, offer: Offer) -> list[MatchedAlert]:
    """The alerts a published offer matches, through the index.

    Two lookups of (match_word, match_key): alerts without words match on their key alone
    (nothing left to check; the index holds every column read, so the table is not
    touched); alerts whose longest word is one of the offer's have their other words
    checked, when they have others."""
    words = offer_words(offer.search_document)
    words.discard("")
    keys = offer_keys(offer.kind, offer.country_code, offer.sector, offer.languages)
    by_key, by_word = _indexed_statements()
    connection = await session.connection()
    frequencies = _FREQUENCIES
    rows = await connection.execute(by_key, {"keys": keys})
    worded: Iterable[Any] = (
        await connection.execute(by_word, {"keys": keys, "words": sorted(words)}) if words else ()
    )
    return [
        MatchedAlert(alert_id, member_id, frequencies[frequency])
        for alert_id, member_id, frequency in rows
    ] + [
        MatchedAlert(alert_id, member_id, frequencies[frequency])
        for alert_id, member_id, frequency, terms in worded
        if " " not in terms or _text_matches(terms, words)
    ]


async def naive_matching_alerts(session: AsyncSession, offer: Offer) -> list[MatchedAlert]:
    """The same answer by scanning every saved search (what the index avoids): test each
    alert's criteria against the offer in SQL, then its words in Python. It builds its
    answer the same way as ``matching_alerts``, so comparing both measures the index."""
    words = offer_words(offer.search_document)
    language: ColumnElement[bool] = Alert.language.is_(None)
    if offer.languages:
        language = or_(language, Alert.language.in_(list(offer.languages)))
    rows = await session.execute(
        select(*_columns()).where(
            or_(Alert.kind.is_(None), Alert.kind == offer.kind.value),
            or_(Alert.country_code.is_(None), Alert.country_code == offer.country_code),
            or_(Alert.sector.is_(None), Alert.sector == offer.sector),
            language,
        )
    )
    return _matched(rows, words)


async def notify_matches(
    session: AsyncSession, offer: Offer, organisation_name: str, *, now: dt.datetime
) -> int:
    """Queue one message per matching immediate alert (never twice for the same alert and
    offer); weekly alerts are left for the digest (see ``weekly_matches``)."""
    queued = 0
    details = cards.OfferSummary.of(offer, organisation_name)
    for match in await matching_alerts(session, offer):
        if match.frequency is not AlertFrequency.IMMEDIATE:
            continue
        queued += await notify_member(
            session,
            match.member_id,
            key=f"alert:{match.alert_id}:offer:{offer.id}",
            kind="alert",
            build=lambda: cards.alert_message(details),
            now=now,
        )
    return queued


async def save_alert(
    session: AsyncSession,
    member_id: int,
    criteria: AlertCriteria,
    frequency: AlertFrequency,
    *,
    now: dt.datetime,
) -> Alert:
    if criteria.empty:
        raise UserError(
            N_(
                "Say what the alert looks for, for example: "
                "/alerts add kind:internship country:MA sector:finance"
            )
        )
    count = (
        await session.scalar(
            select(func.count()).select_from(Alert).where(Alert.member_id == member_id)
        )
        or 0
    )
    if count >= MAX_ALERTS:
        raise CountedUserError(
            "You have {count} alert, the most one can keep; delete one with /alerts delete.",
            "You have {count} alerts, the most one can keep; delete one with /alerts delete.",
            count,
        )
    key, word = alert_index(criteria)
    alert = Alert(
        member_id=member_id,
        kind=criteria.kind,
        country_code=criteria.country,
        sector=criteria.sector,
        language=criteria.language,
        text=criteria.text.strip(),
        terms=" ".join(criteria.terms),
        frequency=frequency,
        match_key=key,
        match_word=word,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    return alert


async def list_alerts(session: AsyncSession, member_id: int) -> list[Alert]:
    rows = await session.scalars(
        select(Alert).where(Alert.member_id == member_id).order_by(Alert.id)
    )
    return list(rows.all())


async def delete_alert(session: AsyncSession, member_id: int, alert_id: int) -> None:
    alert = await session.get(Alert, alert_id)
    if alert is None or alert.member_id != member_id:
        raise UserError(N_("You have no alert number {id}."), id=alert_id)
    await session.delete(alert)


async def weekly_matches(
    session: AsyncSession, member_id: int, since: dt.datetime, *, now: dt.datetime
) -> list[tuple[Alert, Offer, str]]:
    """For the weekly digest: (alert, offer, organisation name) for each offer published
    since ``since``, still online, that matches one of the member's weekly alerts."""
    alerts = [
        a for a in await list_alerts(session, member_id) if a.frequency is AlertFrequency.WEEKLY
    ]
    found: list[tuple[Alert, Offer, str]] = []
    for alert in alerts:
        stmt = (
            select(Offer, Organisation.name)
            .join(Organisation, Organisation.id == Offer.organisation_id)
            .where(
                Offer.state == OfferState.OPEN,
                Offer.expires_at > now,
                Offer.published_at >= since,
            )
            .order_by(Offer.published_at.desc(), Offer.id.desc())
            .limit(200)
        )
        if alert.kind:
            stmt = stmt.where(Offer.kind == alert.kind)
        if alert.country_code:
            stmt = stmt.where(Offer.country_code == alert.country_code)
        if alert.sector:
            stmt = stmt.where(Offer.sector == alert.sector)
        if alert.language:
            stmt = stmt.where(Offer.languages_key.contains(f" {alert.language} "))
        for offer, name in (await session.execute(stmt)).all():
            if _text_matches(alert.terms, offer_words(offer.search_document)):
                found.append((alert, offer, name))
    return found
