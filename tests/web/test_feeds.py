"""A chapter's public feeds: iCalendar events and Atom offers, cacheable, without member data."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
import zoneinfo

import pytest
from aiohttp.test_utils import TestClient
from icalendar import Calendar
from sqlalchemy import select

from core.bootstrap import App
from core.db.models import Event, Member, Offer, Organisation
from core.directory.countries import ensure_countries
from core.i18n import catalogs
from core.offers.domain import OfferKind, OfferState

ATOM = "{http://www.w3.org/2005/Atom}"
# One chapter's events in three zones: Lisbon across its daylight-saving change, an online
# session from São Paulo, and one from Hanoi (UTC+7, a day ahead of Lisbon's evening).
LOCAL_TIMES = [
    ("Europe/Lisbon", dt.datetime(2026, 3, 29, 19, 30)),  # first evening of summer time
    ("America/Sao_Paulo", dt.datetime(2026, 4, 2, 18, 0)),
    ("Asia/Ho_Chi_Minh", dt.datetime(2026, 4, 3, 8, 15)),
]


@pytest.fixture(autouse=True)
async def _countries(seeded: App) -> None:
    async with seeded.db.sessions.begin() as session:
        await ensure_countries(session, ["PT", "BR"])


async def _event(app: App, zone: str, local: dt.datetime, **extra: object) -> int:
    starts = local.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)
    async with app.db.sessions.begin() as session:
        event = Event(
            country_code="PT",
            organiser="Ambassade de France au Portugal",
            titles={"en": f"Evening in {zone}", "pt": f"Noite em {zone}", "fr": f"Soirée {zone}"},
            descriptions={"en": "Drinks and talks"},
            place="Lisboa",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            time_zone=zone,
            remind_day_at=starts - dt.timedelta(days=1),
            remind_hour_at=starts - dt.timedelta(hours=1),
            created_at=app.clock.now(),
            **extra,
        )
        session.add(event)
        await session.flush()
        return event.id


async def test_the_ical_feed_round_trips_event_times_in_three_time_zones(
    seeded: App, client: TestClient
) -> None:
    for zone, local in LOCAL_TIMES:
        await _event(seeded, zone, local)
    response = await client.get("/chapters/pt/events.ics?lang=en")
    assert response.status == 200
    assert response.content_type == "text/calendar"
    calendar = Calendar.from_ical(await response.read())
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    for (zone, local), vevent in zip(LOCAL_TIMES, events, strict=True):
        start = vevent.decoded("DTSTART")
        assert start.replace(tzinfo=None) == local  # the wall time the organisers announced
        assert str(start.tzinfo) == zone
        expected = local.replace(tzinfo=zoneinfo.ZoneInfo(zone))
        assert start == expected and vevent.decoded("DTEND") - start == dt.timedelta(hours=2)
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert zones == {zone for zone, _ in LOCAL_TIMES}  # each TZID is defined in the file


async def test_the_ical_feed_is_valid_in_every_language_and_translates_titles(
    seeded: App, client: TestClient
) -> None:
    await _event(seeded, *LOCAL_TIMES[0])
    titles = {}
    for locale in catalogs.available():
        response = await client.get(f"/chapters/PT/events.ics?lang={locale}")
        assert response.status == 200, locale
        [vevent] = Calendar.from_ical(await response.read()).walk("VEVENT")
        titles[locale] = str(vevent["SUMMARY"])
    assert titles["pt_BR"] == "Noite em Europe/Lisbon"
    assert titles["fr"] == "Soirée Europe/Lisbon"
    assert titles["de"] == "Evening in Europe/Lisbon"  # no German title: English


async def test_the_ical_feed_holds_no_member_data(seeded: App, client: TestClient) -> None:
    async with seeded.db.sessions() as session:
        member = (await session.scalars(select(Member).where(Member.email.is_not(None)))).first()
    assert member is not None and member.email
    await _event(seeded, *LOCAL_TIMES[0], created_by_id=member.id)
    body = (await (await client.get("/chapters/PT/events.ics")).read()).decode()
    assert member.email not in body and member.full_name not in body


async def test_a_feed_answers_304_to_its_own_etag_and_200_once_it_changed(
    seeded: App, client: TestClient
) -> None:
    await _event(seeded, *LOCAL_TIMES[0])
    first = await client.get("/chapters/PT/events.ics")
    etag = first.headers["ETag"]
    again = await client.get("/chapters/PT/events.ics", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag
    assert await again.read() == b""
    weak = await client.get("/chapters/PT/events.ics", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status == 304
    await _event(seeded, *LOCAL_TIMES[1])
    changed = await client.get("/chapters/PT/events.ics", headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("path", ["/chapters/ZZ/events.ics", "/chapters/P1/offers.atom"])
async def test_an_unknown_country_has_no_feed(seeded: App, client: TestClient, path: str) -> None:
    assert (await client.get(path)).status == 404


async def _offer(app: App, title: str, **changes: object) -> Offer:
    async with app.db.sessions.begin() as session:
        organisation = await session.scalar(
            select(Organisation).where(Organisation.slug == "airbus")
        )
        author = await session.scalar(select(Member).where(Member.email.is_not(None)).limit(1))
        assert organisation is not None and author is not None
        now = app.clock.now()
        values: dict[str, object] = {
            "organisation_id": organisation.id,
            "author_id": author.id,
            "kind": OfferKind.INTERNSHIP,
            "title": title,
            "title_key": title.lower(),
            "country_code": "PT",
            "city": "Porto",
            "sector": None,
            "languages": ["pt", "en"],
            "description": "Six months in the design office.",
            "apply_url": "https://jobs.example.org/42",
            "apply_email": "recruiter.person@example.org",
            "expires_at": now + dt.timedelta(days=30),
            "published_at": now,
            "updated_at": now,
        }
        values.update(changes)
        offer = Offer(**values)
        session.add(offer)
        await session.flush()
        return offer


async def test_the_atom_feed_lists_open_offers_of_the_country_without_member_data(
    seeded: App, client: TestClient
) -> None:
    now = seeded.clock.now()
    await _offer(seeded, "Stage en aéronautique")
    await _offer(seeded, "Closed one", state=OfferState.CLOSED)
    await _offer(seeded, "Taken down", state=OfferState.UNPUBLISHED)
    await _offer(seeded, "Expired", expires_at=now - dt.timedelta(days=1))
    await _offer(seeded, "In Brazil", country_code="BR")
    response = await client.get("/chapters/PT/offers.atom?lang=fr")
    assert response.status == 200
    assert response.content_type == "application/atom+xml"
    body = await response.read()
    feed = ET.fromstring(body)  # noqa: S314  (our own feed, in a test)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Stage en aéronautique"]
    [entry] = entries
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Airbus"
    assert entry.find(f"{ATOM}link").get("href") == "https://jobs.example.org/42"  # type: ignore[union-attr]
    assert "Stage" in (entry.findtext(f"{ATOM}summary") or "")  # the kind, in French
    text = body.decode()
    async with seeded.db.sessions() as session:
        people = (await session.execute(select(Member.full_name, Member.email))).all()
    leaked = [p for person in people for p in person if p and p in text]
    assert leaked == []
    assert "recruiter.person@example.org" not in text


async def test_the_atom_feed_is_cacheable_by_its_etag(seeded: App, client: TestClient) -> None:
    await _offer(seeded, "Ingénieur VIE", kind=OfferKind.VIE)
    first = await client.get("/chapters/PT/offers.atom")
    again = await client.get(
        "/chapters/PT/offers.atom", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
