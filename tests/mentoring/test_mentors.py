"""Mentoring through the dispatcher: profiles, finding, asking, answering, the follow-up."""

from __future__ import annotations

import datetime as dt

from core.bootstrap import App
from core.chat import Reply
from core.clock import FakeClock
from core.mentoring.jobs import FOLLOW_UP_TICK, register_mentoring_jobs
from core.mentoring.mentors import FOLLOW_UP_AFTER, INACTIVE_AFTER
from core.scheduling import Scheduler
from tests.helpers import names, press, say

from .conftest import Cast, outbox, person, replies_to, text_of


async def become_mentor(
    app: App, user: str, *, topics: str = "visas, school", capacity: str = "2"
) -> list[Reply]:
    """Fill in the mentor form one question at a time, as on Telegram or the console."""
    [_intro, question] = await say(app, user, "/mentor become")
    assert "(1/5)" in question.text, question.text
    for answer in (topics, "en, pt", capacity, "monthly"):
        await say(app, user, answer, is_message=True)
    return await say(app, user, "I studied in Lyon and can help with the visa.", is_message=True)


async def ask(app: App, student: str, mentor_name: str, query: str, message: str) -> list[Reply]:
    found = await say(app, student, f"/mentor find {query}")
    card = next(c for r in found for c in r.cards if c.title == mentor_name)
    [button] = card.buttons
    [question] = await press(app, student, button.action, button.payload)
    assert "(1/1)" in question.text
    return await say(app, student, message, is_message=True)


async def test_a_student_finds_a_mentor_who_accepts_and_the_follow_up_fires_two_weeks_later(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    [saved] = await become_mentor(app, cast.english)
    assert not saved.error, saved.text
    assert names([saved]) == ["john"]
    [sent] = await ask(app, cast.member, "john", "visas", "I leave for Lyon in September.")
    assert not sent.error, sent.text
    [request] = await replies_to(app, cast.english, "mentoring")
    assert "ines asks you to be their mentor about Visas and housing." in request.text
    assert "I leave for Lyon in September." in request.text
    assert "ines" not in text_of([Reply(text=b.label) for b in request.buttons])
    accept = next(b for b in request.buttons if b.action == "mentor.accept")
    [accepted] = await press(app, cast.english, accept.action, accept.payload)
    # The mentor gets the student's handle and a first step; the student the mentor's.
    assert "Alumni console: ines" in accepted.text
    assert "Suggested first step" in accepted.text
    [told] = await replies_to(app, cast.member, "mentoring")
    assert "Alumni console: john" in told.text
    assert "john a accepté d'être votre mentor pour : Visas et logement." in told.text  # French
    accepted_at = clock.now()

    # The follow-up job: nothing before two weeks, then "did you meet?" to both, at its time.
    due = accepted_at + FOLLOW_UP_AFTER
    clock.set(due - dt.timedelta(hours=1))
    scheduler = Scheduler(app.db, clock, runner="t", catch_up=dt.timedelta(0))
    register_mentoring_jobs(scheduler, app)
    await scheduler.run_due()
    clock.advance(dt.timedelta(minutes=50))
    await scheduler.run_due()
    assert [m.key for m in await outbox(app, "mentoring") if "follow-up" in m.key] == []
    clock.set(due + FOLLOW_UP_TICK)
    await scheduler.run_due()
    follow_ups = [m for m in await outbox(app, "mentoring") if "follow-up" in m.key]
    assert sorted(m.chat_id for m in follow_ups) == ["user:ines", "user:john"]
    assert {m.next_attempt_at for m in follow_ups} == {due}  # sent at its exact time
    [question] = [Reply.from_dict(m.reply) for m in follow_ups if m.chat_id == "user:john"]
    assert "Did you meet?" in question.text
    yes = next(b for b in question.buttons if b.payload.endswith(":yes"))
    [thanks] = await press(app, cast.english, yes.action, yes.payload)
    assert not thanks.error
    await scheduler.run_due()  # queued once only
    assert len([m for m in await outbox(app, "mentoring") if "follow-up" in m.key]) == 2


async def test_bad_requests_get_clear_answers(cast: Cast, seeded: App) -> None:
    app = seeded
    await become_mentor(app, cast.english, capacity="1")
    # Oneself.
    [own] = await press(app, cast.english, "mentor.ask.send", "0:")
    assert own.error
    found = await say(app, cast.english, "/mentor find visas")
    assert "john" not in names(found)  # nobody is offered themselves
    # Twice.
    await ask(app, cast.member, "john", "visas", "Hello")
    [again] = await press(app, cast.member, "mentor.ask.send", f"{await _id(app, 'john')}:visas")
    assert again.error
    # At capacity: one mentee accepted fills the only place.
    [request] = await replies_to(app, cast.english, "mentoring")
    accept = next(b for b in request.buttons if b.action == "mentor.accept")
    await press(app, cast.english, accept.action, accept.payload)
    [full] = await press(app, cast.portuguese, "mentor.ask.send", f"{await _id(app, 'john')}:")
    assert full.error
    john = f"{await _id(app, 'john')}:"
    kate = await person(app, "kate", language="en")
    [full_en] = await press(app, kate, "mentor.ask.send", john)
    assert full_en.text == "john has no free place for a new mentee right now."
    # Paused.
    [paused] = await say(app, cast.english, "/mentor pause")
    assert not paused.error
    liam = await person(app, "liam", language="en")
    [refused] = await press(app, liam, "mentor.ask.send", john)
    assert refused.text == "john is not taking new mentees right now."
    # Self, in the asker's language.
    [self_fr] = await press(app, cast.member, "mentor.ask", f"{await _id(app, 'ines')}:")
    assert self_fr.error and self_fr.text != "You cannot be your own mentee."


async def _id(app: App, name: str) -> int:
    from sqlalchemy import select

    from core.db.models import Member

    async with app.db.sessions() as session:
        member_id = await session.scalar(select(Member.id).where(Member.full_name == name))
    assert member_id is not None
    return member_id


async def test_a_duplicate_request_is_refused_in_the_askers_language(
    cast: Cast, seeded: App
) -> None:
    app = seeded
    await become_mentor(app, cast.portuguese)
    kate = await person(app, "kate", language="en")
    mentor = await _id(app, "joao")
    [first] = await press(app, kate, "mentor.ask.send", f"{mentor}:visas")
    assert not first.error, first.text
    [second] = await press(app, kate, "mentor.ask.send", f"{mentor}:visas")
    assert second.text == "You already asked joao; they have not answered yet."
    [own] = await press(app, kate, "mentor.ask.send", f"{await _id(app, 'kate')}:")
    assert own.text == "You cannot be your own mentee."


async def test_only_a_member_listed_in_the_directory_can_become_a_mentor(
    cast: Cast, seeded: App
) -> None:
    app = seeded
    kate = await person(app, "kate", language="en")
    await say(app, kate, "/profile visibility hidden")
    refused = await become_mentor(app, kate)
    assert refused[-1].error
    assert "/profile visibility listed" in refused[-1].text


async def test_a_mentor_who_leaves_a_request_unanswered_is_hidden_until_they_answer(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    await become_mentor(app, cast.english)
    await ask(app, cast.member, "john", "", "Bonjour")
    clock.advance(INACTIVE_AFTER + dt.timedelta(hours=1))
    kate = await person(app, "kate", language="en")
    [nobody] = await say(app, kate, "/mentor find")
    assert nobody.text == "No mentor matches this search yet."
    [request] = await replies_to(app, cast.english, "mentoring")
    decline = next(b for b in request.buttons if b.action == "mentor.decline")
    await press(app, cast.english, decline.action, decline.payload)
    assert names(await say(app, kate, "/mentor find")) == ["john"]


async def test_a_paused_mentor_is_not_found_until_they_resume(cast: Cast, seeded: App) -> None:
    app = seeded
    await become_mentor(app, cast.english)
    kate = await person(app, "kate", language="en")
    await say(app, cast.english, "/mentor pause")
    assert names(await say(app, kate, "/mentor find visas")) == []
    await say(app, cast.english, "/mentor resume")
    assert names(await say(app, kate, "/mentor find visas")) == ["john"]
    assert names(await say(app, kate, "/mentor find field")) == []  # not one of his topics


async def test_matches_are_ranked_by_language_and_country_with_full_mentors_last(
    cast: Cast, seeded: App
) -> None:
    app = seeded
    await become_mentor(app, cast.english)
    await become_mentor(app, cast.portuguese, capacity="1")
    jp = await person(app, "aiko", country="JP", language="en")
    await become_mentor(app, jp)
    kate = await person(app, "kate", language="en")
    ranked = names(await say(app, kate, "/mentor find visas country:JP"))
    assert ranked[0] == "aiko"
    # joao takes a mentee and is full: listed last, without a button.
    [sent] = await press(app, cast.member, "mentor.ask.send", f"{await _id(app, 'joao')}:")
    assert not sent.error, sent.text
    [request] = await replies_to(app, cast.portuguese, "mentoring")
    accept = next(b for b in request.buttons if b.action == "mentor.accept")
    await press(app, cast.portuguese, accept.action, accept.payload)
    found = await say(app, kate, "/mentor find visas")
    cards = [c for r in found for c in r.cards]
    assert cards[-1].title == "joao" and cards[-1].buttons == ()
