"""Saved searches (alerts) and how a new offer finds the ones it matches.

The index: each alert carries ``match_key`` = "kind|country|sector|language" (``*`` where
the alert accepts anything) and ``match_word`` = its longest word ("" without text), with one
B-tree index on (match_word, match_key, member_id, frequency, id). An offer can only match
the 2 x 2 x 2 x (1 + languages) keys built from its own kind, country, sector and languages
or ``*``, and only alerts whose word is one of the offer's words or "". So finding an
offer's alerts is a few indexed lookups, whatever the number of alerts.

Publishing (``notify_matches``): the immediate alerts found are staged in ``alert_matches``
as ONE row per offer holding their ids, written by one INSERT … SELECT that aggregates them:
a popular offer matching thousands of alerts costs the database a few index range scans and
one row (not one B-tree insert per match). Alerts without words, most matches, never reach
Python; alerts whose longest word is one of the offer's have their other words checked, by
PostgreSQL in the same statement, in Python on SQLite. A small audience is queued at once;
``queue_matches`` (the minutely job) queues the rest, a chunk of ids at a time, moving the
row's ``queued`` cursor in the transaction that writes their messages.
``stage_matches_naive`` stages the same alerts by scanning every saved search (the
benchmark's baseline; the tests prove both agree), as ``naive_matching_alerts`` does for
``matching_alerts``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Reply
from ..db.base import insert_for
from ..db.models import Alert, AlertMatches, Member, Offer, Organisation, OutboxMessage
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
    "Notified",
    "Queued",
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
"""Staged matches turned into outbox messages per transaction by ``queue_matches``."""

Stage = Callable[[AsyncSession, Offer], Awaitable[int]]
"""Stages the immediate alerts an offer matches in ``alert_matches``; returns how many."""


class Queued(NamedTuple):
    taken: int  # staged matches taken off the stage
    queued: int  # messages added to the outbox
    members: int  # members those messages go to (a member may have several matching alerts)


class Notified(NamedTuple):
    """What publishing an offer did about the immediate alerts it matches."""

    matched: int  # immediate alerts staged
    told: int  # members whose messages were queued with the publication

    @property
    def deferred(self) -> bool:
        """The matches were too many and are left to the job: ``matched`` is then only an
        upper bound of the members it will tell (it skips members without an account and
        alerts told before, and tells a member once per matching alert)."""
        return self.matched > QUEUED_AT_ONCE


def _immediate() -> ColumnElement[bool]:
    # Whether the member can be reached is left to ``queue_matches``: probing their accounts
    # here would cost more than the index lookup itself.
    return Alert.frequency == AlertFrequency.IMMEDIATE


def _upsert(insert: Any) -> Any:
    """INSERT INTO alert_matches, replacing the row an offer may still have (a repost before
    the job ran): the new list is complete, and the ids already queued from the old one are
    recognised by their outbox keys and not told twice."""
    statement = insert(AlertMatches)
    return statement.on_conflict_do_update(
        index_elements=[AlertMatches.offer_id],
        set_={
            "alert_ids": statement.excluded.alert_ids,
            "matched": statement.excluded.matched,
            "queued": 0,
        },
    )


def _among(column: Any, name: str, postgresql: bool) -> ColumnElement[bool]:
    """``column IN (:name)``; on PostgreSQL ``column = ANY(:name)``, one array parameter:
    the statement's text, so the plan asyncpg prepares for it, is then the same for every
    offer (an IN list's text changes with its length)."""
    condition: ColumnElement[bool] = (
        column == any_(bindparam(name, type_=ARRAY(String)))
        if postgresql
        else column.in_(bindparam(name, expanding=True))
    )
    return condition


@lru_cache(maxsize=4)
def _staging_statements(insert: Any, postgresql: bool) -> tuple[Any | None, Any]:
    """(worded, stage), built once per engine, with bound parameters for the offer's values.

    ``stage``: INSERT INTO alert_matches SELECT offer, '[' || ids || ']', count FROM (the
    immediate alerts without words among the offer's keys: a range scan per key of the
    partial index that holds just them), with the ids of the matching alerts with words
    appended. One row, whatever the number of matches; nothing for no match. RETURNING how
    many were staged.

    The alerts with words are the immediate ones among the offer's keys whose
    ``match_word`` is one of its words (a probe of ``ix_alerts_match`` per word and key),
    whose other words are all the offer's too. PostgreSQL checks those in ``stage`` itself
    (``string_to_array(terms, ' ') <@ :words``): one round trip, and no match reaches
    Python; ``worded`` is then None. SQLite, in process, has no round trip to save nor an
    array type: ``worded`` reads (id, word, terms) for Python to check, and ``stage``
    appends the ids found (``:tail`` is "," and them, ``:extra`` them alone, for when no
    alert without words matched)."""
    keys = _among(Alert.match_key, "keys", postgresql)
    without_words = select(Alert.id).where(text(Alert.IMMEDIATE_WITHOUT_WORDS), keys)
    worded = None
    chosen: Any = without_words
    if postgresql:
        words = bindparam("words", type_=ARRAY(Text))  # text[], as string_to_array gives
        terms = func.string_to_array(Alert.terms, " ", type_=ARRAY(Text))
        chosen = union_all(
            without_words,
            select(Alert.id).where(
                Alert.match_word == any_(words), keys, _immediate(), terms.contained_by(words)
            ),
        )
    else:
        worded = select(Alert.id, Alert.match_word, Alert.terms).where(
            _among(Alert.match_word, "words", postgresql), keys, _immediate()
        )
    ids = chosen.subquery()
    listed = select(
        func.aggregate_strings(cast(ids.c.id, String), ",").label("ids"),  # string_agg, or
        func.count().label("n"),  # group_concat on SQLite
    ).subquery()
    matched = listed.c.n + bindparam("extra_count", type_=Integer)
    row = select(
        bindparam("offer_id", type_=Integer),
        "["
        + func.coalesce(
            listed.c.ids + bindparam("tail", type_=String), bindparam("extra", type_=String)
        )
        + "]",
        matched,
        literal(0, Integer),
    ).where(matched > 0)
    stage = (
        _upsert(insert)
        .from_select(["offer_id", "alert_ids", "matched", "queued"], row)
        .returning(AlertMatches.matched)
    )
    return worded, stage


async def _stage_ids(session: AsyncSession, offer_id: int, alert_ids: list[int]) -> int:
    if alert_ids:
        await session.execute(
            _upsert(insert_for(session)).values(
                offer_id=offer_id,
                alert_ids=json.dumps(alert_ids),
                matched=len(alert_ids),
                queued=0,
            )
        )
    return len(alert_ids)


async def stage_matches(session: AsyncSession, offer: Offer) -> int:
    """Stage the immediate alerts ``offer`` matches, through the index; returns how many.

    Alerts without words, most of the matches, are decided by the index alone and never
    leave the database: one INSERT … SELECT aggregates their ids, with those of the
    alerts with words that match, and writes the row (see ``_staging_statements``)."""
    connection = await session.connection()
    worded, stage = _staging_statements(
        insert_for(session), connection.dialect.name == "postgresql"
    )
    words = offer_words(offer.search_document)
    words.discard("")
    keys = offer_keys(offer.kind, offer.country_code, offer.sector, offer.languages)
    found: list[int] = []
    if worded is not None and words:
        rows = await connection.execute(worded, {"keys": keys, "words": sorted(words)})
        found = [
            alert_id
            for alert_id, word, terms in rows
            if terms == word or _text_matches(terms, words)  # one word: the one looked up
        ]
    extra = ",".join(map(str, found))
    values: dict[str, Any] = {
        "offer_id": offer.id,
        "keys": keys,
        "extra": extra,
        "tail": "," + extra if found else "",
        "extra_count": len(found),
    }
    if worded is None:
        values["words"] = sorted(words)
    staged = await connection.scalar(stage, values)
    return staged or 0


async def stage_matches_naive(session: AsyncSession, offer: Offer) -> int:
    """The same staging by scanning every saved search (the baseline the index is measured
    against): one pass tests each alert's criteria in SQL, the alerts whose text may match
    come to Python for their words, and the matches are staged as one row."""
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


async def _take(session: AsyncSession, offer_id: int | None, budget: int) -> list[tuple[int, int]]:
    """Take up to ``budget`` staged (offer, alert) ids off the stage, offer by offer: each
    row's ``queued`` cursor moves past the ids taken, or the row goes once all are taken.
    The caller queues their messages in the same transaction; until it commits, the rows
    stay locked (``SKIP LOCKED``: another worker takes other offers meanwhile)."""
    taken: list[tuple[int, int]] = []
    after: int | None = None
    while len(taken) < budget:
        chosen = (
            select(
                AlertMatches.offer_id,
                AlertMatches.alert_ids,
                AlertMatches.matched,
                AlertMatches.queued,
            )
            .order_by(AlertMatches.offer_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if offer_id is not None:
            chosen = chosen.where(AlertMatches.offer_id == offer_id)
        if after is not None:
            chosen = chosen.where(AlertMatches.offer_id > after)
        row = (await session.execute(chosen)).first()
        if row is None:
            break
        after, alert_ids, matched, queued = row
        ids = json.loads(alert_ids)[queued : queued + budget - len(taken)]
        taken.extend((after, a) for a in ids)
        if queued + len(ids) >= matched:
            await session.execute(delete(AlertMatches).where(AlertMatches.offer_id == after))
        else:
            await session.execute(
                update(AlertMatches)
                .where(AlertMatches.offer_id == after)
                .values(queued=queued + len(ids))
            )
    return taken


async def queue_matches(
    session: AsyncSession,
    *,
    now: dt.datetime,
    offer_id: int | None = None,
    limit: int | None = None,
) -> Queued:
    """Turn up to ``limit`` (``QUEUE_CHUNK``) staged matches, of one offer or of any, into
    outbox messages, each in its member's language, and take them off the stage. An alert
    is never told twice about an offer, also after a repost; matches of an offer no longer
    online, of an alert deleted since, or of a member without an account are dropped
    untold."""
    staged = await _take(session, offer_id, QUEUE_CHUNK if limit is None else limit)
    if not staged:
        return Queued(0, 0, 0)
    owners = dict(
        (
            await session.execute(
                select(Alert.id, Alert.member_id).where(
                    Alert.id.in_(sorted({a for _o, a in staged}))
                )
            )
        ).all()
    )  # an alert deleted since is missing
    keys = {(o, a): f"alert:{a}:offer:{o}" for o, a in staged}
    told = set(
        await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys.values())))
    )
    offers = {
        offer.id: cards.OfferSummary.of(offer, name)
        for offer, name in await session.execute(
            select(Offer, Organisation.name)
            .join(Organisation, Organisation.id == Offer.organisation_id)
            .where(
                Offer.id.in_(sorted({o for o, _a in staged})),
                Offer.state == OfferState.OPEN,
                Offer.expires_at > now,
            )
        )
    }
    people = {
        p.member_id: p
        for p in await recipients(
            session, select(Member.id).where(Member.id.in_(sorted(set(owners.values()))))
        )
    }
    replies: dict[tuple[int, str], Reply] = {}
    messages: list[tuple[str, Target, Reply]] = []
    members: set[int] = set()
    for match_offer, alert_id in staged:
        key = keys[match_offer, alert_id]
        details = offers.get(match_offer)
        member_id = owners.get(alert_id)
        person = people.get(member_id) if member_id is not None else None
        if details is None or person is None or key in told:
            continue
        reply = replies.get((match_offer, person.locale))
        if reply is None:
            with use_locale(person.locale):
                reply = replies[match_offer, person.locale] = cards.alert_message(details)
        messages.append((key, person.target, reply))
        members.add(person.member_id)
    await enqueue_many(session, messages, kind="alert", now=now)
    return Queued(len(staged), len(messages), len(members))


async def notify_matches(
    session: AsyncSession,
    offer: Offer,
    *,
    now: dt.datetime,
    stage: Stage = stage_matches,
) -> Notified:
    """Stage the immediate alerts a published offer matches; when they are few (at most
    ``QUEUED_AT_ONCE``) queue their messages in this transaction, else leave them to the
    minutely job, so publishing stays quick whatever the audience. Weekly alerts are left
    for the digest (see ``weekly_matches``)."""
    staged = await stage(session, offer)
    if not staged or staged > QUEUED_AT_ONCE:
        return Notified(staged, 0)
    queued = await queue_matches(session, now=now, offer_id=offer.id, limit=staged)
    return Notified(staged, queued.members)


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
