"""Coffee introductions through the dispatcher and the scheduler: opt-in, rounds at 10:00
local time, pairs without repeats, snoozes and "don't pair me with", exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

from sqlalchemy import insert, select, update

from core.bootstrap import App
from core.clock import FakeClock
from core.db.base import table_of
from core.db.models import CoffeeMatch, CoffeeMember, CoffeeRound
from core.mentoring.coffee import run_round
from core.mentoring.jobs import sync_coffee_jobs
from core.mentoring.pairing import RECENT_ROUNDS, pair_key
from core.scheduling import Scheduler
from tests.helpers import press, say

from .conftest import Cast, many_members, outbox, replies_to

# Lisbon is on UTC in March: Monday 2 March 2026 at 10:00 local is 10:00 UTC, a round week
# for every cadence (weeks counted from year 1 divide by 4).
FIRST_ROUND = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


async def opt_in(app: App, member_ids: list[int], country: str = "PT") -> None:
    async with app.db.sessions.begin() as session:
        await session.execute(
            insert(table_of(CoffeeMember)),
            [
                {"country_code": country, "member_id": m, "joined_at": app.clock.now()}
                for m in member_ids
            ],
        )


async def rounds(app: App) -> list[list[list[int]]]:
    """Every round's groups, oldest first."""
    async with app.db.sessions() as session:
        rows = (
            await session.execute(
                select(CoffeeMatch.round_id, CoffeeMatch.group_no, CoffeeMatch.member_id)
                .join(CoffeeRound, CoffeeRound.id == CoffeeMatch.round_id)
                .order_by(CoffeeRound.fired_at, CoffeeMatch.group_no, CoffeeMatch.member_id)
            )
        ).all()
    found: dict[int, dict[int, list[int]]] = {}
    for round_id, group_no, member_id in rows:
        found.setdefault(round_id, {}).setdefault(group_no, []).append(member_id)
    return [list(groups.values()) for groups in found.values()]


def keys(groups: list[list[int]]) -> set[int]:
    return {pair_key(a, b) for g in groups for a, b in itertools.combinations(g, 2)}


async def scheduler_for(app: App, clock: FakeClock, name: str = "a") -> Scheduler:
    scheduler = Scheduler(app.db, clock, runner=name, catch_up=dt.timedelta(0))
    await sync_coffee_jobs(scheduler, app)
    await scheduler.run_due()
    return scheduler


async def test_a_round_of_1001_members_pairs_everyone_but_the_snoozed_with_one_trio(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    [joined] = await say(app, cast.member, "/coffee join")
    assert not joined.error, joined.text
    members = await many_members(app, 1_000)
    await opt_in(app, members)
    [snoozed] = await say(app, cast.member, "/coffee snooze 2")
    assert not snoozed.error, snoozed.text
    # 1,000 members in the round: one of them snoozes too, so 999 (odd) are paired.
    async with app.db.sessions.begin() as session:
        await session.execute(
            update(CoffeeMember)
            .where(CoffeeMember.member_id == members[0])
            .values(snoozed_until=FIRST_ROUND + dt.timedelta(days=1))
        )
    clock.set(FIRST_ROUND - dt.timedelta(minutes=1))
    scheduler = await scheduler_for(app, clock)
    clock.set(FIRST_ROUND + dt.timedelta(minutes=1))
    ran = await scheduler.run_due()
    assert ran == [("coffee:PT", FIRST_ROUND)]
    [groups] = await rounds(app)
    paired = [m for g in groups for m in g]
    assert sorted(paired) == sorted(members[1:])  # everyone once, the snoozed left out
    assert sorted(len(g) for g in groups).count(3) == 1
    assert all(len(g) in (2, 3) for g in groups)
    messages = await outbox(app, "coffee")
    assert len(messages) == 999
    assert len({m.chat_id for m in messages}) == 999  # one introduction each, sent at once
    assert all(m.next_attempt_at <= clock.now() for m in messages)
    assert await replies_to(app, cast.member, "coffee") == []


async def test_no_pair_repeats_within_six_weekly_rounds_of_1000_members(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    [weekly] = await say(app, cast.country_admin, "/coffee every 1 country:PT")
    assert not weekly.error, weekly.text
    await opt_in(app, await many_members(app, 1_000))
    for week in range(RECENT_ROUNDS + 1):
        fire = FIRST_ROUND + dt.timedelta(weeks=week)
        async with app.db.sessions.begin() as session:
            result = await run_round(session, "PT", fire, now=fire)
        assert result is not None and not result.unmatched
    history = await rounds(app)
    assert len(history) == RECENT_ROUNDS + 1
    for i, groups in enumerate(history):
        assert sum(len(g) for g in groups) == 1_000
        earlier = set().union(*(keys(h) for h in history[max(0, i - RECENT_ROUNDS) : i]))
        assert not keys(groups) & earlier, f"round {i} repeats a pair"


async def test_a_round_happens_once_with_two_schedulers_and_a_repeated_run(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    await opt_in(app, await many_members(app, 10))
    clock.set(FIRST_ROUND - dt.timedelta(minutes=1))
    schedulers = [await scheduler_for(app, clock, name) for name in ("a", "b")]
    clock.set(FIRST_ROUND + dt.timedelta(minutes=1))
    ran = await asyncio.gather(*(s.run_due() for s in schedulers))
    assert sum(len(r) for r in ran) == 1
    async with app.db.sessions.begin() as session:
        assert await run_round(session, "PT", FIRST_ROUND, now=clock.now()) is None
    assert len(await rounds(app)) == 1
    assert len(await outbox(app, "coffee")) == 10


async def test_rounds_follow_the_chapters_cadence_of_two_weeks(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    await opt_in(app, await many_members(app, 4))
    clock.set(FIRST_ROUND - dt.timedelta(minutes=1))
    scheduler = await scheduler_for(app, clock)
    fired = []
    for week in range(4):
        clock.set(FIRST_ROUND + dt.timedelta(weeks=week, minutes=1))
        await scheduler.run_due()
        fired.append(len(await rounds(app)))
        clock.advance(dt.timedelta(days=6))
        await scheduler.run_due()
    assert fired == [1, 1, 2, 2]  # the default: every two weeks


async def test_dont_pair_me_with_is_respected_even_when_it_forces_repeats(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    ids = await many_members(app, 4, prefix="c")
    await opt_in(app, ids)
    async with app.db.sessions.begin() as session:
        first = await run_round(session, "PT", FIRST_ROUND, now=FIRST_ROUND)
    assert first is not None
    me = ids[0]
    partner = next(o for g in first.groups if me in g for o in g if o != me)
    [intro] = await replies_to(app, f"c-{me}", "coffee")
    avoid = next(b for b in intro.buttons if b.action == "coffee.avoid")
    assert avoid.payload == str(partner)
    [done] = await press(app, f"c-{me}", avoid.action, avoid.payload)
    assert not done.error, done.text
    [weekly] = await say(app, cast.country_admin, "/coffee every 1 country:PT")
    assert not weekly.error
    for week in range(1, 8):  # 4 members: repeats are unavoidable, the refusal is kept
        fire = FIRST_ROUND + dt.timedelta(weeks=week)
        async with app.db.sessions.begin() as session:
            result = await run_round(session, "PT", fire, now=fire)
        assert result is not None
        assert pair_key(me, partner) not in keys(result.groups)
        assert sorted(m for g in result.groups for m in g) == sorted(ids)


async def test_joining_twice_leaving_and_snoozing_get_clear_answers(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    [joined] = await say(app, cast.english, "/coffee join")
    assert "You are in the coffee introductions of Portugal." in joined.text
    assert "receives your chat handle" in joined.text
    assert "A round every 2 weeks, on Mondays at 10:00 (Europe/Lisbon)." in joined.text
    [twice] = await say(app, cast.english, "/coffee join")
    assert twice.error
    assert twice.text == "You are already in the coffee introductions of Portugal."
    await say(app, cast.member, "/coffee join")
    [twice_fr] = await say(app, cast.member, "/coffee join")
    assert twice_fr.text == "Vous participez déjà aux rencontres café de Portugal."
    [snoozed] = await say(app, cast.english, "/coffee snooze 3")
    assert "No coffee introductions for you until" in snoozed.text
    [back] = await say(app, cast.english, "/coffee join")
    assert not back.error and "Welcome back" in back.text
    [left] = await say(app, cast.english, "/coffee leave")
    assert left.text == "You left the coffee introductions of Portugal."
    [again] = await say(app, cast.english, "/coffee leave")
    assert again.error and again.text == "You are not in the coffee introductions of Portugal."
    [status] = await say(app, cast.english, "/coffee status")
    assert "/coffee join" in status.text
    [not_open] = await say(app, cast.english, "/coffee join country:JP")
    assert not_open.error and "not open yet" in not_open.text
    [member_only] = await say(app, cast.english, "/coffee every 4")
    assert member_only.error
    [wrong] = await say(app, cast.country_admin, "/coffee every 3 country:PT")
    assert wrong.error


async def test_stats_show_mentoring_and_coffee_measures_to_the_chapters_admin(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    app = seeded
    from .test_mentors import ask, become_mentor

    await become_mentor(app, cast.english)
    await ask(app, cast.member, "john", "visas", "Hello")
    [request] = await replies_to(app, cast.english, "mentoring")
    accept = next(b for b in request.buttons if b.action == "mentor.accept")
    await press(app, cast.english, accept.action, accept.payload)
    ids = await many_members(app, 4, prefix="s")
    await opt_in(app, ids)
    async with app.db.sessions.begin() as session:
        await run_round(session, "PT", FIRST_ROUND, now=FIRST_ROUND)
    [intro] = await replies_to(app, f"s-{ids[0]}", "coffee")
    met = next(b for b in intro.buttons if b.action == "coffee.met")
    [thanks] = await press(app, f"s-{ids[0]}", met.action, met.payload)
    assert not thanks.error
    await say(app, cast.country_admin, "/lang en")
    [stats] = await say(app, cast.country_admin, "/stats country:PT")
    fields = {f.name: f.value for f in stats.cards[0].fields}
    assert fields["Active mentors"] == "1"
    assert fields["Mentoring requests"] == "1"
    assert fields["Requests accepted"] == "100%"
    assert fields["Coffee pairs made"] == "2"
    assert fields["Coffee pairs who met"] == "1"
