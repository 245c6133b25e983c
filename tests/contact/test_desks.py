"""The embassy desk of a chapter (hours in the chapter's local time, in the reader's
language) and the institution desk (an institution reaches only its own claimed alumni who
did not opt out)."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from core.bootstrap import App
from core.clock import FakeClock
from core.db.models import EmbassyDesk, Member, Organisation
from core.directory.importer import import_members
from core.domain import Role
from tests.contact.conftest import Cast, member_id, outbox, requests, submit
from tests.events.conftest import person
from tests.helpers import database_snapshot, press, say

DESK = {
    "address": "Rua Santos-o-Velho 5, 1249-079 Lisboa",
    "website": "https://pt.ambafrance.org",
    "consular": "https://pt.ambafrance.org/consulat",
    "campus_france": "https://www.portugal.campusfrance.org",
    "hours": "mon-fri 09:00-12:30 14:00-17:00; sat 10:00-12:00",
    "languages": "fr, pt, en",
}
# A Monday in summer: Lisbon is UTC+1, so 08:30 UTC is 09:30 there, and the desk is open.
SUMMER_MONDAY = dt.datetime(2026, 7, 6, 8, 30, tzinfo=dt.UTC)


def _fields(reply_card: object) -> dict[str, str]:
    return {f.name: f.value for f in reply_card.fields}  # type: ignore[attr-defined]


async def test_embassy_shows_the_card_in_the_members_language_with_local_opening_hours(
    seeded: App, cast: Cast, clock: FakeClock
) -> None:
    [saved] = await submit(seeded, cast.country_admin, "embassy.save", "PT", **DESK)
    assert not saved.error, saved.text
    clock.set(SUMMER_MONDAY)

    [french] = await say(seeded, cast.member, "/embassy")
    [card] = french.cards
    assert card.title.startswith("Ambassade de France") and card.subtitle == "Portugal"
    fields = _fields(card)
    hours = next(v for k, v in fields.items() if "Portugal (Lisbonne)" in k)
    assert hours.splitlines() == [
        "lundi – vendredi : 09:00 – 12:30, 14:00 – 17:00",
        "samedi : 10:00 – 12:00",
    ] or hours.splitlines() == [
        "lundi – vendredi: 09:00 – 12:30, 14:00 – 17:00",
        "samedi: 10:00 – 12:00",
    ]
    assert any(v.startswith("09:30") for v in fields.values())  # local time, not 08:30 UTC
    assert "portugais" in " ".join(fields.values())  # language names in French
    assert {b.url for b in card.buttons if b.url} == {
        DESK["website"],
        DESK["consular"],
        DESK["campus_france"],
    }

    [english] = await say(seeded, cast.english, "/embassy PT")
    fields = _fields(english.cards[0])
    hours = next(v for k, v in fields.items() if "Portugal (Lisbon)" in k)
    assert hours.splitlines()[0].startswith("Monday – Friday: 9:00")
    assert any(v.startswith("9:30") for v in fields.values())

    clock.set(SUMMER_MONDAY + dt.timedelta(hours=4))  # 13:30 in Lisbon: lunch break
    closed = _fields((await say(seeded, cast.english, "/embassy"))[0].cards[0])
    assert any("closed" in v for v in closed.values())


async def test_only_the_countrys_admins_keep_the_desk_and_bad_hours_are_explained(
    seeded: App, cast: Cast
) -> None:
    [form] = await say(seeded, cast.country_admin, "/embassy edit")
    assert not form.error, form.text  # the console asks the form one question at a time
    await say(seeded, cast.country_admin, "/cancel")
    other = await person(
        seeded, "attache-jp", country="JP", grants=((Role.COUNTRY_ADMIN, None, "JP"),)
    )
    before = await database_snapshot(seeded)
    [member] = await submit(seeded, cast.member, "embassy.save", "PT", **DESK)
    assert member.error
    [not_theirs] = await submit(seeded, other, "embassy.save", "PT", **DESK)
    assert not_theirs.error
    [bad] = await submit(
        seeded, cast.country_admin, "embassy.save", "PT", **{**DESK, "hours": "lundi 9-18"}
    )
    assert bad.error and "lundi" in bad.text
    [bad_url] = await submit(
        seeded, cast.country_admin, "embassy.save", "PT", **{**DESK, "website": "pt.amba"}
    )
    assert bad_url.error
    assert await database_snapshot(seeded) == before
    [no_chapter] = await say(seeded, cast.member, "/embassy JP")
    assert no_chapter.error and "Japon" in no_chapter.text


async def test_contact_embassy_reaches_the_countrys_admins(seeded: App, cast: Cast) -> None:
    [sent] = await say(seeded, cast.member, "/contact embassy Bonjour, un visa étudiant ?")
    assert not sent.error, sent.text
    attache = await member_id(seeded, cast.country_admin)
    assert set(await outbox(seeded)) == {f"contact:1:to:{attache}"}
    [inbox] = await say(seeded, cast.country_admin, "/inbox")
    [card] = inbox.cards
    accept = next(b for b in card.buttons if b.action == "contact.accept")
    [accepted] = await press(seeded, cast.country_admin, accept.action, accept.payload)
    assert not accepted.error, accepted.text
    assert (await requests(seeded))[0].state == "accepted"
    [own] = await say(seeded, cast.country_admin, "/contact embassy hello")
    assert own.error  # an admin answers for the embassy; they do not write to it


# --- the institution desk -------------------------------------------------------------------
HEADER = (
    "full_name,email,country,city,institution,degree,field,graduation_year,sector,languages,"
    "directory_consent\n"
)
CSV = (
    HEADER
    + """\
Ana Claimed,ana@example.org,BR,Recife,,master,Law,2019,,pt,yes
Bruno Optout,bruno@example.org,BR,Recife,,master,Law,2019,,pt,yes
Carla Unclaimed,carla@example.org,BR,Recife,,master,Law,2019,,pt,yes
"""
)
OTHER_CSV = HEADER + "Diego Elsewhere,diego@example.org,BR,Recife,,master,Law,2019,,pt,yes\n"


async def _import(app: App, text: str, institution: str) -> dict[str, str]:
    codes = io.StringIO()
    await import_members(
        app.db, io.StringIO(text), institution, now=app.clock.now(), codes_out=codes
    )
    rows = codes.getvalue().splitlines()[1:]
    return {line.split(",")[0]: line.split(",")[-1] for line in rows}


async def test_an_institution_reaches_only_its_own_claimed_alumni_who_did_not_opt_out(
    seeded: App, cast: Cast
) -> None:
    codes = await _import(seeded, CSV, "Institut Zeta")
    other_codes = await _import(seeded, OTHER_CSV, "Institut Omega")
    for email, user in (
        ("ana@example.org", "ana"),
        ("bruno@example.org", "bruno"),
    ):
        [claimed] = await say(seeded, user, f"/link {codes[email]}")
        assert not claimed.error, claimed.text
    [diego] = await say(seeded, "diego", f"/link {other_codes['diego@example.org']}")
    assert not diego.error
    async with seeded.db.sessions() as session:
        zeta = await session.scalar(
            select(Organisation).where(Organisation.slug == "institut-zeta")
        )
        assert zeta is not None
        ids = dict((await session.execute(select(Member.email, Member.id))).all())
    rep = await person(
        seeded, "zeta-rep", country="FR", grants=((Role.REPRESENTATIVE, zeta.id, None),)
    )
    [muted] = await say(seeded, "bruno", "/institution mute institut-zeta")
    assert not muted.error, muted.text

    [draft] = await say(seeded, rep, "/institution message institut-zeta Nouveau master en 2027")
    assert not draft.error, draft.text
    assert " 1 " in draft.text  # Ana only: Bruno opted out, Carla never claimed
    [send] = draft.buttons
    [sent] = await submit(seeded, rep, send.action, send.payload)
    assert not sent.error, sent.text
    told = await outbox(seeded, "institution:")
    assert list(told) == [f"institution:1:{ids['ana@example.org']}"]
    message = told[f"institution:1:{ids['ana@example.org']}"]
    assert "Nouveau master en 2027" in message.text
    [again] = await submit(seeded, rep, send.action, send.payload)
    assert again.error  # sent once

    # Ana stops them with the message's button; the next day's message reaches nobody.
    [stop] = message.buttons
    [stopped] = await submit(seeded, "ana", stop.action, stop.payload)
    assert not stopped.error, stopped.text
    [none] = await say(seeded, rep, "/institution message institut-zeta Rappel")
    assert " 0 " in none.text

    # Another institution's representative cannot write to Zeta's alumni, nor a member.
    omega_rep = await person(seeded, "omega-rep", country="FR")
    [refused] = await say(seeded, omega_rep, "/institution message institut-zeta Hi")
    assert refused.error
    [member] = await say(seeded, cast.member, "/institution message institut-zeta Hi")
    assert member.error
    async with seeded.db.sessions() as session:
        assert await session.scalar(select(EmbassyDesk.country_code)) is None
