"""Saved searches (alerts) and how a new offer finds the ones it matches.

The index: each alert carries ``match_key`` = "kind|country|sector|language" (``*`` where
the alert accepts anything) and ``match_word`` = its longest word ("" without text), with one
B-tree index on (match_word, match_key, member_id, frequency, id). An offer can only match
the 2 x 2 x 2 x (1 + languages) keys built from its own kind, country, sector and languages
or ``*``, and only alerts whose word is one of the offer's words or "". So finding an
offer's alerts is a few indexed lookups, whatever the number of alerts.

Publishing (``notify_matches``): the immediate alerts found are copied into
``alert_matches`` by one INSERT … SELECT, so a popular offer matching thousands of them
costs the database a few index range scans and no row in Python; only alerts with several
words whose longest one is in the offer come to Python to have the others checked. A small
audience is queued at once; ``queue_matches`` (the minutely job) queues the rest, in chunks,
through the set-based fan-out. ``stage_matches_naive`` stages the same alerts by scanning
every saved search (the benchmark's baseline; the tests prove both agree), as
``naive_matching_alerts`` does for ``matching_alerts``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Reply
from ..db.base import insert_for
from ..db.models import Alert, AlertMatch, Member, Offer, Organisation, OutboxMessage
from ..delivery.fanout import enqueue_many, recipients
from ..delivery.outbox import Target
from ..directory.documents import terms_of
from ..domain import fold
from ..errors import CountedUserError, UserError
from ..i18n import N_, use_locale
from . import cards
from .domain import AlertFrequency, OfferState

__all__ = [
    "ANY",
    "MAX_ALERTS",
    "QUEUED_AT_ONCE",
    "QUEUE_CHUNK",
    "AlertCriteria",
    "MatchedAlert",
    "Stage",
    "alert_index",
    "delete_alert",
    "list_alerts",
    "matching_alerts",
    "naive_matching_alerts",
    "notify_matches",
    "offer_keys",
    "offer_words",
    "queue_matches",
    "save_alert",
    "stage_matches",
    "stage_matches_naive",
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


# --- publishing: matches staged set-based, then queued --------------------------------------

QUEUED_AT_ONCE = 100
"""Up to this many matches, publishing an offer queues their messages itself."""
QUEUE_CHUNK = 2_000
"""Staged matches turned into outbox messages per statement by ``queue_matches``."""

Stage = Callable[[AsyncSession, Offer], Awaitable[int]]
"""Writes the immediate alerts an offer matches into ``alert_matches``; returns how many."""


class Queued(NamedTuple):
    taken: int  # staged matches taken off the stage
    queued: int  # messages added to the outbox


def _immediate() -> ColumnElement[bool]:
    # Whether the member can be reached is left to ``queue_matches``: probing their accounts
    # here would cost more than the index lookup itself.
    return Alert.frequency == AlertFrequency.IMMEDIATE


def _insert(session: AsyncSession) -> Any:
    return insert_for(session)(AlertMatch)


async def _stage_where(session: AsyncSession, offer_id: int, *where: ColumnElement[bool]) -> int:
    """INSERT INTO alert_matches SELECT offer, alert WHERE ... (one branch per condition,
    joined by UNION ALL): matches never reach Python. Returns how many were staged."""
    chosen = union_all(*(select(literal(offer_id, Integer), Alert.id).where(w) for w in where))
    result = await session.execute(
        _insert(session).from_select(["offer_id", "alert_id"], chosen).on_conflict_do_nothing()
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _stage_ids(session: AsyncSession, offer_id: int, alert_ids: list[int]) -> int:
    if alert_ids:
        await session.execute(
            _insert(session).on_conflict_do_nothing(),
            [{"offer_id": offer_id, "alert_id": a} for a in alert_ids],
        )
    return len(alert_ids)


async def stage_matches(session: AsyncSession, offer: Offer) -> int:
    """Stage the immediate alerts ``offer`` matches, through the index; returns how many.

    Alerts without words and alerts with one word (its ``match_word``) are decided by the
    index alone and copied in SQL, in one statement; only alerts with several words whose
    longest one is in the offer (few) come to Python to have their other words checked."""
    words = offer_words(offer.search_document)
    words.discard("")
    keys = Alert.match_key.in_(
        offer_keys(offer.kind, offer.country_code, offer.sector, offer.languages)
    )
    wanted = _immediate()
    without_words = and_(Alert.match_word == "", keys, wanted)
    if not words:
        return await _stage_where(session, offer.id, without_words)
    worded = Alert.match_word.in_(sorted(words))
    one_word = and_(worded, keys, Alert.terms == Alert.match_word, wanted)
    staged = await _stage_where(session, offer.id, without_words, one_word)
    several = await session.execute(
        select(Alert.id, Alert.terms).where(worded, keys, Alert.terms != Alert.match_word, wanted)
    )
    found = [a for a, terms in several if _text_matches(terms, words)]
    return staged + await _stage_ids(session, offer.id, found)


async def stage_matches_naive(session: AsyncSession, offer: Offer) -> int:
    """The same staging by scanning every saved search (the baseline the index is measured
    against): one pass tests each alert's criteria in SQL, the alerts whose text may match
    come to Python for their words, and the matches are inserted."""
    words = offer_words(offer.search_document)
    words.discard("")
    language: ColumnElement[bool] = Alert.language.is_(None)
    if offer.languages:
        language = or_(language, Alert.language.in_(list(offer.languages)))
    rows = await session.execute(
        select(Alert.id, Alert.terms).where(
            or_(Alert.kind.is_(None), Alert.kind == offer.kind.value),
            or_(Alert.country_code.is_(None), Alert.country_code == offer.country_code),
            or_(Alert.sector.is_(None), Alert.sector == offer.sector),
            language,
            or_(Alert.terms == "", Alert.match_word.in_(sorted(words))),
            _immediate(),
        )
    )
    found = [a for a, terms in rows if _text_matches(terms, words)]
    return await _stage_ids(session, offer.id, found)


async def queue_matches(
    session: AsyncSession,
    *,
    now: dt.datetime,
    offer_id: int | None = None,
    limit: int | None = None,
) -> Queued:
    """Turn up to ``limit`` (``QUEUE_CHUNK``) staged matches, of one offer or of any, into
    outbox messages, each in its member's language, and drop them from the stage. An alert
    is never told twice about an offer, also after a repost; matches of an offer no longer
    online, of an alert deleted since, or of a member without an account are dropped
    untold."""
    chosen = (
        select(AlertMatch.offer_id, AlertMatch.alert_id, Alert.member_id)
        .outerjoin(Alert, Alert.id == AlertMatch.alert_id)  # an alert deleted since: None
        .order_by(AlertMatch.offer_id, AlertMatch.alert_id)
        .limit(QUEUE_CHUNK if limit is None else limit)
        .with_for_update(of=AlertMatch, skip_locked=True)
    )
    if offer_id is not None:
        chosen = chosen.where(AlertMatch.offer_id == offer_id)
    staged = (await session.execute(chosen)).all()
    if not staged:
        return Queued(0, 0)
    by_offer: dict[int, list[int]] = defaultdict(list)
    for match_offer, alert_id, _member in staged:
        by_offer[match_offer].append(alert_id)
    keys = {(o, a): f"alert:{a}:offer:{o}" for o, a, _m in staged}
    told = set(
        await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys.values())))
    )
    offers = {
        offer.id: cards.OfferSummary.of(offer, name)
        for offer, name in await session.execute(
            select(Offer, Organisation.name)
            .join(Organisation, Organisation.id == Offer.organisation_id)
            .where(
                Offer.id.in_(list(by_offer)), Offer.state == OfferState.OPEN, Offer.expires_at > now
            )
        )
    }
    members = {m for _o, _a, m in staged if m is not None}
    people = {
        p.member_id: p
        for p in await recipients(session, select(Member.id).where(Member.id.in_(members)))
    }
    replies: dict[tuple[int, str], Reply] = {}
    messages: list[tuple[str, Target, Reply]] = []
    for match_offer, alert_id, member_id in staged:
        key = keys[match_offer, alert_id]
        details = offers.get(match_offer)
        person = people.get(member_id) if member_id is not None else None
        if details is None or person is None or key in told:
            continue
        reply = replies.get((match_offer, person.locale))
        if reply is None:
            with use_locale(person.locale):
                reply = replies[match_offer, person.locale] = cards.alert_message(details)
        messages.append((key, person.target, reply))
    await enqueue_many(session, messages, kind="alert", now=now)
    for match_offer, alert_ids in by_offer.items():
        await session.execute(
            delete(AlertMatch).where(
                AlertMatch.offer_id == match_offer, AlertMatch.alert_id.in_(alert_ids)
            )
        )
    return Queued(len(staged), len(messages))


async def notify_matches(
    session: AsyncSession,
    offer: Offer,
    *,
    now: dt.datetime,
    stage: Stage = stage_matches,
) -> int:
    """Stage the immediate alerts a published offer matches; when they are few (at most
    ``QUEUED_AT_ONCE``) queue their messages in this transaction, else leave them to the
    minutely job, so publishing stays quick whatever the audience. Weekly alerts are left
    for the digest (see ``weekly_matches``). Returns how many members are told: queued now,
    or staged (the job then skips members without an account and alerts already told
    about this offer, so that figure is an upper bound)."""
    staged = await stage(session, offer)
    if not staged or staged > QUEUED_AT_ONCE:
        return staged
    return (await queue_matches(session, now=now, offer_id=offer.id, limit=staged)).queued


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
