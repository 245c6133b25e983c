"""Members write to organisations: the shared inbox of representatives, handles exchanged on
acceptance, requests waiting for a representative and expiring, abuse controls, bad input."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.bootstrap import App
from core.clock import FakeClock
from core.contact import register_contact_jobs
from core.db.models import AuditEntry, MemberReport, OrganisationBlock
from core.scheduling import Scheduler
from tests.contact.conftest import Cast, member_id, outbox, requests, submit
from tests.helpers import database_snapshot, press, say

POST = '/offer post internship "Data analyst" city:Lyon apply:https://airbus.example/1'


async def _audit(app: App) -> list[str]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == "contact").order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_a_member_contacts_a_company_from_an_offer_card_and_both_get_handles(
    seeded: App, cast: Cast
) -> None:
    [posted] = await say(seeded, cast.representative, POST)
    assert not posted.error, posted.text
    [found] = await say(seeded, cast.member, "/offers analyst")
    [contact] = [b for b in found.cards[0].buttons if b.action == "contact.offer"]
    # The console has no modals: the form is asked one question at a time.
    [question] = await press(seeded, cast.member, contact.action, contact.payload)
    assert not question.error, question.text
    [sent] = await say(seeded, cast.member, "Bonjour, ce stage m'intéresse.", is_message=True)
    assert not sent.error, sent.text
    assert "Airbus" in sent.text
    rep = await member_id(seeded, cast.representative)
    rep2 = await member_id(seeded, cast.other_representative)
    told = await outbox(seeded)
    assert set(told) == {f"contact:1:to:{rep}", f"contact:1:to:{rep2}"}
    notice = told[f"contact:1:to:{rep}"]
    assert "Data analyst" in notice.text and "ce stage m'intéresse" in notice.text
    assert "ines_tg" not in notice.text  # no handle before acceptance
    accept = next(b for b in notice.buttons if b.action == "contact.accept")

    [accepted] = await press(seeded, cast.representative, accept.action, accept.payload)
    assert not accepted.error, accepted.text
    assert "@ines_tg" in accepted.text  # the representative gets the member's handle
    told = await outbox(seeded)
    answer = told["contact:1:answer"]
    assert "@rep_tg" in answer.text and "Airbus" in answer.text  # ...and the member theirs
    assert "accepté" in answer.text  # in the member's language
    taken = told[f"contact:1:taken:{rep2}"]
    assert "rep" in taken.text

    # The other representative is late: told who took it, nothing changes.
    before = await database_snapshot(seeded)
    [late] = await press(seeded, cast.other_representative, accept.action, accept.payload)
    assert late.error and "rep" in late.text
    [late_answer] = await press(seeded, cast.other_representative, "contact.answer", "1")
    assert late_answer.error
    assert await database_snapshot(seeded) == before
    [request] = await requests(seeded)
    assert request.state == "accepted" and request.offer_id == 1
    assert await _audit(seeded) == ["contact.request", "contact.accept"]


async def test_a_representative_answers_in_writing_and_the_member_reads_it_in_chat(
    seeded: App, cast: Cast
) -> None:
    [sent] = await say(seeded, cast.member, "/contact airbus Recrutez-vous au Portugal ?")
    assert not sent.error, sent.text
    [form] = await press(seeded, cast.representative, "contact.answer", "1")
    assert form.form is not None or form.text  # a modal, or its first question
    [done] = await submit(
        seeded, cast.representative, "contact.reply", "1", answer="Oui, à Porto en 2027."
    )
    assert not done.error, done.text
    answer = (await outbox(seeded))["contact:1:answer"]
    assert "Oui, à Porto en 2027." in answer.text
    assert "@rep_tg" not in answer.text  # a written answer shares no handle
    assert (await requests(seeded))[0].state == "answered"


async def test_a_request_to_an_organisation_without_representative_waits_then_expires(
    seeded: App, cast: Cast, clock: FakeClock
) -> None:
    [kept] = await say(seeded, cast.member, "/contact danone Bonjour")
    assert not kept.error, kept.text
    assert "30" in kept.text and "Danone" in kept.text  # told it waits, and for how long
    assert await outbox(seeded) == {}
    scheduler = Scheduler(seeded.db, clock, runner="a", catch_up=dt.timedelta(hours=1))
    register_contact_jobs(scheduler, seeded)
    clock.advance(dt.timedelta(days=29))
    await scheduler.run_due()
    assert [r.state for r in await requests(seeded)] == ["waiting"]
    clock.advance(dt.timedelta(days=1, hours=1))
    ran = await scheduler.run_due()
    assert {job for job, _ in ran} == {"contact:sweep"}
    assert [r.state for r in await requests(seeded)] == ["expired"]
    notice = (await outbox(seeded))["contact:1:expired"]
    assert "Danone" in notice.text and "expiré" in notice.text
    # Once: a second scheduler on the same hour does not send it again.
    again = Scheduler(seeded.db, clock, runner="b", catch_up=dt.timedelta(hours=1))
    register_contact_jobs(again, seeded)
    assert await again.run_due() == []
    assert list(await outbox(seeded)) == ["contact:1:expired"]
    # Expired, the member may write again.
    [retry] = await say(seeded, cast.member, "/contact danone Toujours intéressée")
    assert not retry.error, retry.text


async def test_a_waiting_request_is_delivered_when_a_representative_is_verified(
    seeded: App, cast: Cast
) -> None:
    await say(seeded, cast.member, "/contact danone Bonjour")
    await say(seeded, cast.english, "/offers represent danone I am the HR manager")
    [verified] = await say(seeded, "hq", "/offers verify 1")
    assert not verified.error, verified.text
    john = await member_id(seeded, cast.english)
    assert set(await outbox(seeded)) == {f"contact:1:to:{john}"}
    assert (await requests(seeded))[0].state == "pending"
    [inbox] = await say(seeded, cast.english, "/inbox")
    assert [c.subtitle.split(" ")[0] for c in inbox.cards] == ["#1"]


async def test_bad_input_is_refused_clearly_and_changes_nothing(seeded: App, cast: Cast) -> None:
    before = await database_snapshot(seeded)
    [unknown] = await say(seeded, cast.member, "/contact nosuchcompany Bonjour")
    assert unknown.error and "nosuchcompany" in unknown.text
    [own] = await say(seeded, cast.representative, "/contact airbus Hello")
    assert own.error and "/inbox" in own.text
    [own_button] = await press(seeded, cast.representative, "contact.organisation", "airbus")
    assert own_button.error
    [too_long] = await say(seeded, cast.member, "/contact airbus " + "x" * 501)
    assert too_long.error and "500" in too_long.text
    [form_too_long] = await submit(
        seeded, cast.member, "contact.send", f"org:{cast.airbus_id}", message="y" * 600
    )
    assert form_too_long.error and "600" in form_too_long.text
    [forged] = await submit(seeded, cast.member, "contact.send", "org:999999", message="hi")
    assert forged.error
    [stale] = await press(seeded, cast.representative, "contact.accept", "424242")
    assert stale.error
    assert await database_snapshot(seeded) == before


async def test_a_member_may_write_to_three_organisations_a_day_and_once_at_a_time(
    seeded: App, cast: Cast, clock: FakeClock
) -> None:
    [first] = await say(seeded, cast.member, "/contact airbus Bonjour")
    assert not first.error
    [twice] = await say(seeded, cast.member, "/contact Airbus Encore")
    assert twice.error  # one open request per organisation
    for slug in ("danone", "thales"):
        [ok] = await say(seeded, cast.member, f"/contact {slug} Bonjour")
        assert not ok.error, ok.text
    [limited] = await say(seeded, cast.member, "/contact sanofi Bonjour")
    assert limited.error and "3" in limited.text
    clock.advance(dt.timedelta(days=1, minutes=1))
    [tomorrow] = await say(seeded, cast.member, "/contact sanofi Bonjour")
    assert not tomorrow.error, tomorrow.text


async def test_a_representative_blocks_or_reports_and_the_member_cannot_write_again(
    seeded: App, cast: Cast
) -> None:
    await say(seeded, cast.member, "/contact airbus Bonjour")
    [reported] = await press(seeded, cast.representative, "contact.report", "1")
    assert not reported.error, reported.text
    ines = await member_id(seeded, cast.member)
    async with seeded.db.sessions() as session:
        assert await session.scalar(
            select(OrganisationBlock.id).where(OrganisationBlock.member_id == ines)
        )
        assert await session.scalar(select(MemberReport.id).where(MemberReport.reported_id == ines))
    told = await outbox(seeded)
    assert "contact:1:answer" in told  # the member hears a plain "cannot follow up"
    assert "bloqu" not in told["contact:1:answer"].text
    [refused] = await say(seeded, cast.member, "/contact airbus Pourquoi ?")
    assert refused.error and "Airbus" in refused.text
    # The audit trail is the organisation's admins' to read, not the members'.
    [trail] = await say(seeded, cast.other_representative, "/inbox audit airbus")
    assert not trail.error, trail.text
    assert "contact.request" in trail.text and "contact.report" in trail.text
    [hq_trail] = await say(seeded, "hq", "/inbox audit airbus")
    assert not hq_trail.error
    [nosy] = await say(seeded, cast.english, "/inbox audit airbus")
    assert nosy.error


async def test_an_organisation_card_has_a_contact_button(seeded: App, cast: Cast) -> None:
    [card] = await say(seeded, cast.member, "/offers company:airbus")
    [contact] = [b for b in card.cards[0].buttons if b.action == "contact.organisation"]
    [question] = await press(seeded, cast.member, contact.action, contact.payload)
    [skip] = question.buttons  # the message is optional
    [sent] = await press(seeded, cast.member, skip.action, skip.payload)
    assert not sent.error, sent.text
    assert len(await outbox(seeded)) == 2  # both representatives


async def test_two_representatives_accepting_at_once_make_one_acceptance(
    seeded: App, cast: Cast
) -> None:
    import asyncio

    await say(seeded, cast.member, "/contact airbus Bonjour")
    first, second = await asyncio.gather(
        press(seeded, cast.representative, "contact.accept", "1"),
        press(seeded, cast.other_representative, "contact.accept", "1"),
    )
    outcomes = [first[0].error, second[0].error]
    assert sorted(outcomes) == [False, True]  # one took it, the other was told
    told = await outbox(seeded)
    assert "contact:1:answer" in told
    assert len([k for k in told if ":taken:" in k]) == 1
    assert await _audit(seeded) == ["contact.request", "contact.accept"]
