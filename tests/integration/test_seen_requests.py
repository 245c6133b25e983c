"""The shared memory of signed requests: the replay guard of every web process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bots.slack.replay import WINDOW_SECONDS, SharedReplayGuard
from core.bootstrap import App
from core.chat.seen import SWEEP_EVERY, SeenRequests
from core.clock import FakeClock
from core.db.models import SeenRequest


async def _rows(app: App) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SeenRequest)) or 0)


async def test_a_request_seen_by_one_process_is_refused_by_another(
    app: App, clock: FakeClock
) -> None:
    one, other = SeenRequests(app.db, clock), SeenRequests(app.db, clock)
    until = clock.now() + dt.timedelta(minutes=5)
    assert await one.first_time("slack:v0=abc", valid_until=until)
    assert not await other.first_time("slack:v0=abc", valid_until=until)
    assert not await one.first_time("slack:v0=abc", valid_until=until)
    assert await other.first_time("slack:v0=abd", valid_until=until)


async def test_only_a_digest_is_kept_and_expired_records_are_swept(
    app: App, clock: FakeClock
) -> None:
    seen = SeenRequests(app.db, clock)
    for i in range(3):
        assert await seen.first_time(f"slack:v0=secret{i}", valid_until=clock.now())
    async with app.db.sessions() as session:
        digests = (await session.scalars(select(SeenRequest.digest))).all()
    assert all(len(d) == 64 and "secret" not in d for d in digests)
    clock.advance(SWEEP_EVERY + dt.timedelta(seconds=1))
    assert await seen.first_time("slack:v0=new", valid_until=clock.now() + SWEEP_EVERY)
    assert await _rows(app) == 1  # the three expired ones went with that write


async def test_a_record_that_ran_out_no_longer_refuses(app: App, clock: FakeClock) -> None:
    """Bolt refuses a stale timestamp on its own; the guard only has to cover the window."""
    seen = SeenRequests(app.db, clock)
    assert await seen.first_time("k", valid_until=clock.now() + dt.timedelta(seconds=10))
    clock.advance(dt.timedelta(seconds=11))
    assert await seen.first_time("k", valid_until=clock.now() + dt.timedelta(seconds=10))
    assert not await seen.first_time("k", valid_until=clock.now() + dt.timedelta(seconds=10))


async def test_the_slack_guard_remembers_a_signature_for_bolts_five_minutes(
    app: App, clock: FakeClock
) -> None:
    now = clock.now().timestamp()
    guard = SharedReplayGuard(SeenRequests(app.db, clock), now=lambda: now)
    assert await guard.admit("v0=a", str(int(now)))
    assert not await SharedReplayGuard(SeenRequests(app.db, clock), now=lambda: now).admit(
        "v0=a", str(int(now))
    )
    async with app.db.sessions() as session:
        expires = await session.scalar(select(SeenRequest.expires_at))
    assert expires is not None
    assert abs(expires.timestamp() - (int(now) + WINDOW_SECONDS)) <= 1
