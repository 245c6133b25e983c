"""Per-country weekly digests, computed set-based.

For one chapter a handful of queries load everything: upcoming events (and how many go),
new articles, new listed members by city, the subscribers with their chat and language,
their weekly alerts. The week's new offers are loaded once for every chapter and indexed by
the alerts' ``match_key`` (see ``core.offers.alerts``): an alert only looks at the offers
filed under its own key, newest first, and stops at ``OFFERS_PER_DIGEST``. Then each member's
digest is the shared parts of their chapter, language and city plus their own offers, and
replies are rendered once per distinct content, not once per member.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Card, Reply
from ..db.models import (
    Alert,
    Article,
    Chapter,
    Event,
    Group,
    Member,
    Offer,
    Organisation,
)
from ..delivery.fanout import Recipient, enqueue_many, subscribers_of
from ..delivery.outbox import Target
from ..domain import Visibility
from ..i18n import (
    country_name,
    current_locale,
    format_datetime,
    gettext,
    is_rtl,
    isolate_for,
    use_locale,
)
from ..offers.alerts import offer_keys, offer_words
from ..offers.domain import AlertFrequency, OfferState
from .cards import in_language
from .chapters import channel_targets
from .events import going_counts

__all__ = [
    "ChapterDigest",
    "OfferIndex",
    "chapter_digest",
    "digest_period",
    "load_offer_index",
    "member_digest_reply",
    "public_digest_reply",
    "render_all",
    "send_chapter_digest",
]

OFFERS_PER_DIGEST = 5
EVENTS_AHEAD = dt.timedelta(days=14)
MAX_EVENTS = 10
MAX_ARTICLES = 10
MAX_NEW_MEMBERS = 10
MAX_GROUPS = 5
ALERT_LOOKUP_SLICE = 2_000


@dataclass(frozen=True, slots=True)
class OfferLine:
    id: int
    title: str
    organisation: str
    published_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EventLine:
    id: int
    titles: dict[str, str]
    starts_at: dt.datetime
    time_zone: str
    going: int


@dataclass(frozen=True, slots=True)
class _IndexedOffer:
    line: OfferLine
    words: frozenset[str]


@dataclass
class OfferIndex:
    """The week's new open offers filed under every alert key they can match."""

    by_key: dict[str, list[_IndexedOffer]] = field(default_factory=dict)

    def matches(self, match_key: str, match_word: str, terms: str) -> Iterator[OfferLine]:
        wanted = terms.split()
        for offer in self.by_key.get(match_key, ()):
            if match_word and match_word not in offer.words:
                continue
            if offer.words.issuperset(wanted):
                yield offer.line


async def load_offer_index(
    session: AsyncSession, since: dt.datetime, *, now: dt.datetime
) -> OfferIndex:
    """One query for every chapter's digest: offers published since ``since``, still open."""
    rows = await session.execute(
        select(
            Offer.id,
            Offer.kind,
            Offer.title,
            Offer.country_code,
            Offer.sector,
            Offer.languages,
            Offer.search_document,
            Offer.published_at,
            Organisation.name,
        )
        .join(Organisation, Organisation.id == Offer.organisation_id)
        .where(Offer.state == OfferState.OPEN, Offer.expires_at > now, Offer.published_at >= since)
        .order_by(Offer.published_at.desc(), Offer.id.desc())
    )
    index = OfferIndex()
    for offer_id, kind, title, country, sector, languages, document, published, name in rows:
        item = _IndexedOffer(
            OfferLine(offer_id, title, name, published), frozenset(offer_words(document))
        )
        for key in offer_keys(str(kind), country, sector, languages or ()):
            index.by_key.setdefault(key, []).append(item)
    return index


@dataclass
class ChapterDigest:
    """What one chapter's digest holds this period, shared parts and personal parts."""

    country_code: str
    languages: tuple[str, ...]
    period: str
    events: list[EventLine]
    articles: list[tuple[int, str]]  # (id, title)
    groups: list[tuple[str, dict[str, str]]]  # (slug, names by language), new this period
    new_members: dict[str, list[tuple[str, str]]]  # city key -> [(name, city)]
    subscribers: list[Recipient]
    cities: dict[int, str]  # member id -> city key
    offers: dict[int, list[OfferLine]]  # member id -> matching offers

    def content_key(self, member_id: int) -> tuple[str, tuple[int, ...]]:
        """Members with the same key get the same digest (in the same language)."""
        city = self.cities.get(member_id, "")
        return city, tuple(o.id for o in self.offers.get(member_id, ()))


def digest_period(fire_time: dt.datetime, zone: str) -> str:
    """The ISO week of the run, in the chapter's zone: ``2026-W14``."""
    year, week, _ = fire_time.astimezone(zoneinfo.ZoneInfo(zone)).isocalendar()
    return f"{year}-W{week:02d}"


async def chapter_digest(
    session: AsyncSession,
    chapter: Chapter,
    *,
    since: dt.datetime,
    now: dt.datetime,
    offers: OfferIndex,
    period: str = "",
    only_member: int | None = None,
) -> ChapterDigest:
    """Everything one chapter's digest needs, in a fixed number of queries."""
    code = chapter.country_code
    event_rows = list(
        (
            await session.scalars(
                select(Event)
                .where(
                    Event.country_code == code,
                    Event.starts_at > now,
                    Event.starts_at < now + EVENTS_AHEAD,
                )
                .order_by(Event.starts_at, Event.id)
                .limit(MAX_EVENTS)
            )
        ).all()
    )
    counts = await going_counts(session, [e.id for e in event_rows])
    events = [
        EventLine(e.id, dict(e.titles), e.starts_at, e.time_zone, counts.get(e.id, 0))
        for e in event_rows
    ]
    articles = [
        (a_id, title)
        for a_id, title in await session.execute(
            select(Article.id, Article.title)
            .where(Article.country_code == code, Article.published_at >= since)
            .order_by(Article.published_at.desc(), Article.id.desc())
            .limit(MAX_ARTICLES)
        )
    ]
    groups = [
        (slug, dict(names))
        for slug, names in await session.execute(
            select(Group.slug, Group.names)
            .where(
                or_(Group.country_code == code, Group.country_code.is_(None)),
                Group.created_at >= since,
            )
            .order_by(Group.created_at.desc(), Group.id.desc())
            .limit(MAX_GROUPS)
        )
    ]
    new_members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, city, city_key in await session.execute(
        select(Member.full_name, Member.city, Member.city_key)
        .where(
            Member.country_code == code,
            Member.created_at >= since,
            Member.directory_consent.is_(True),
            Member.visibility == Visibility.LISTED,
            Member.erased_at.is_(None),
            Member.city_key.is_not(None),
        )
        .order_by(Member.created_at.desc(), Member.id.desc())
    ):
        if city_key and len(new_members[city_key]) < MAX_NEW_MEMBERS:
            new_members[city_key].append((name, city or ""))
    people = await subscribers_of(session, code, only_member)
    cities = {person.member_id: person.city_key for person in people}
    personal: dict[int, list[OfferLine]] = {}
    for member_id, match_key, match_word, terms in await _weekly_alerts(session, cities):
        found = personal.setdefault(member_id, [])
        if len(found) >= OFFERS_PER_DIGEST:
            continue
        seen = {o.id for o in found}
        for line in offers.matches(match_key, match_word, terms):
            if line.id not in seen:
                found.append(line)
                seen.add(line.id)
                if len(found) >= OFFERS_PER_DIGEST:
                    break
    for found in personal.values():
        found.sort(key=lambda o: (o.published_at, o.id), reverse=True)
    return ChapterDigest(
        country_code=code,
        languages=tuple(chapter.languages),
        period=period,
        events=events,
        articles=articles,
        groups=groups,
        new_members=dict(new_members),
        subscribers=people,
        cities=cities,
        offers={k: v for k, v in personal.items() if v},
    )


async def _weekly_alerts(session: AsyncSession, member_ids: Iterable[int]) -> list[Any]:
    """The weekly alerts of these members (the digest's readers), by member and alert id.

    Looked up by the ids already at hand, a slice at a time (within every driver's limit on
    bound parameters), rather than finding the chapter's subscribers again."""
    ids = sorted(member_ids)
    statement = (
        select(Alert.member_id, Alert.match_key, Alert.match_word, Alert.terms)
        .where(
            Alert.frequency == AlertFrequency.WEEKLY,
            Alert.member_id.in_(bindparam("ids", expanding=True)),
        )
        .order_by(Alert.member_id, Alert.id)
    )
    found: list[Any] = []
    for start in range(0, len(ids), ALERT_LOOKUP_SLICE):
        rows = await session.execute(statement, {"ids": ids[start : start + ALERT_LOOKUP_SLICE]})
        found.extend(rows.all())
    return found


def _event_lines(digest: ChapterDigest) -> str:
    fallback = digest.languages
    return "\n".join(
        f"• {in_language(e.titles, fallback)} — "
        f"{format_datetime(e.starts_at, tz=e.time_zone, format='short')} (/event show {e.id})"
        for e in digest.events
    )


def _public_cards(digest: ChapterDigest) -> list[Card]:
    cards = []
    if digest.events:
        cards.append(Card(title=gettext("Upcoming events"), body=_event_lines(digest)))
    if digest.articles:
        cards.append(
            Card(
                title=gettext("New articles"),
                body="\n".join(f"• {isolate_for(t)} (#{a})" for a, t in digest.articles),
            )
        )
    if digest.groups:
        cards.append(
            Card(
                title=gettext("New groups"),
                body="\n".join(
                    f"• {isolate_for(in_language(names, digest.languages))} (/join {slug})"
                    for slug, names in digest.groups
                ),
            )
        )
    return cards


def public_digest_reply(digest: ChapterDigest) -> Reply:
    """The part for the chapter's channels: events, articles and new groups, nobody's personal
    data."""
    title = gettext("This week in {country}", country=country_name(digest.country_code))
    cards = _public_cards(digest)
    text = title if cards else f"{title}\n{gettext('Nothing new this week.')}"
    return Reply(text=text, cards=tuple(cards))


def member_digest_reply(digest: ChapterDigest, member_id: int) -> Reply:
    """One member's digest in the current locale."""
    return _Renderer(digest).reply(member_id)


@lru_cache(maxsize=100_000)
def _offer_line(title: str, organisation: str, offer_id: int, locale: str) -> str:
    """One offer's line; the week's offers recur in many members' digests."""
    return (
        f"• {isolate_for(title, locale)} — {isolate_for(organisation, locale)} "
        f"(/offers show {offer_id})"
    )


@lru_cache(maxsize=10_000)
def _names(names: tuple[str, ...], right_to_left: bool) -> str:
    """A city's newcomers, one a line: the same in every language written the same way."""
    locale = "ar" if right_to_left else "en"  # any locale of that direction isolates alike
    return "\n".join(f"• {isolate_for(name, locale)}" for name in names)


class _Renderer:
    """Builds the replies of one chapter in the current locale, each shared part once."""

    def __init__(self, digest: ChapterDigest) -> None:
        self.digest = digest
        self.locale = current_locale()
        self.public = _public_cards(digest)
        self.title = gettext("This week in {country}", country=country_name(digest.country_code))
        self.nothing = f"{self.title}\n{gettext('Nothing new this week.')}"
        self.offers_title = gettext("New offers matching your alerts")
        self.cities: dict[str, Card | None] = {}
        self.replies: dict[tuple[str, tuple[int, ...]], Reply] = {}
        self.plain: dict[str, Reply] = {}  # by city: the replies without personal offers

    def _city(self, city_key: str) -> Card | None:
        if city_key not in self.cities:
            newcomers = self.digest.new_members.get(city_key, []) if city_key else []
            self.cities[city_key] = (
                Card(
                    title=gettext("New members in {city}", city=isolate_for(newcomers[0][1])),
                    body=_names(tuple(name for name, _ in newcomers), is_rtl(self.locale)),
                )
                if newcomers
                else None
            )
        return self.cities[city_key]

    def reply(self, member_id: int) -> Reply:
        offers = self.digest.offers.get(member_id)
        city = self.digest.cities.get(member_id, "")
        if not offers:  # most members: the reply of their city
            found = self.plain.get(city)
            if found is None:
                found = self.plain[city] = self._build(city, ())
            return found
        key = (city, tuple(o.id for o in offers))
        found = self.replies.get(key)
        if found is None:
            found = self.replies[key] = self._build(city, offers)
        return found

    def _build(self, city_key: str, offers: Sequence[OfferLine]) -> Reply:
        cards: list[Card] = []
        if offers:
            cards.append(
                Card(
                    title=self.offers_title,
                    body="\n".join(
                        _offer_line(o.title, o.organisation, o.id, self.locale) for o in offers
                    ),
                )
            )
        cards.extend(self.public)
        city = self._city(city_key)
        if city is not None:
            cards.append(city)
        return Reply(text=self.title if cards else self.nothing, cards=tuple(cards))


def render_all(digest: ChapterDigest) -> Iterator[tuple[Recipient, Reply]]:
    """Each subscriber's reply; members with the same content and language share one, and
    each language's shared parts are rendered once."""
    by_locale: dict[str, list[Recipient]] = defaultdict(list)
    for person in digest.subscribers:
        by_locale[person.locale].append(person)
    for locale, people in by_locale.items():
        with use_locale(locale):
            renderer = _Renderer(digest)
            for person in people:
                yield person, renderer.reply(person.member_id)


async def send_chapter_digest(
    session: AsyncSession,
    chapter: Chapter,
    *,
    period: str,
    since: dt.datetime,
    now: dt.datetime,
    offers: OfferIndex,
) -> int:
    """Queue the period's digest to every subscriber and each announcement channel, once."""
    digest = await chapter_digest(
        session, chapter, since=since, now=now, offers=offers, period=period
    )
    code = chapter.country_code
    messages: list[tuple[str, Target, Reply]] = [
        (f"digest:{code}:{period}:{person.member_id}", person.target, reply)
        for person, reply in render_all(digest)
    ]
    channels = await channel_targets(session, code)
    if channels:
        with use_locale(chapter.languages[0] if chapter.languages else None):
            public = public_digest_reply(digest)
        messages.extend(
            (f"digest:{code}:{period}:channel:{i}:{t.platform}:{t.chat_id}"[:200], t, public)
            for i, t in enumerate(channels)
        )
    return await enqueue_many(
        session, messages, kind="digest", now=now, batch=f"digest:{code}:{period}"
    )
