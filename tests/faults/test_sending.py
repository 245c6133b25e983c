"""A broadcast through each platform's sender while the platform misbehaves: a storm of 429,
a burst of server errors, answers slower than the client waits, connections dropped
mid-request. Whatever the fault, every recipient gets the message once, and the fake served
every fault it was told to."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.bootstrap import App
from core.clock import FakeClock
from core.delivery.worker import WorkerStats
from core.domain import Platform

from .conftest import (
    LEDGER,
    RECIPIENTS,
    SHORT_TIMEOUT,
    Harness,
    Row,
    drain,
    fake_time_worker,
    outbox_states,
    queue_broadcast,
    tally,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"  # PTB's own RetryAfter.__init__ warns
)

STORM = 25  # consecutive 429 answers: more than two per recipient
BURST = 12  # consecutive 5xx answers
SLOW = 3
DROPS = 4


async def _broadcast_and_count(
    app: App, clock: FakeClock, harness: Harness, fault: str, injected: Callable[[], int]
) -> tuple[int, int, WorkerStats]:
    worker = fake_time_worker(app, clock, harness.sender)
    await queue_broadcast(app, clock, harness)
    await drain(app, clock, worker)
    lost, duplicates = tally(harness.expected, harness.received())
    LEDGER.append(Row(harness.platform.value, fault, injected(), RECIPIENTS, lost, duplicates))
    assert await outbox_states(app) == {"sent": RECIPIENTS}
    return lost, duplicates, worker.stats


async def test_a_storm_of_429_delays_the_broadcast_but_loses_and_repeats_nothing(
    app: App, clock: FakeClock, harness: Harness
) -> None:
    harness.storm(STORM)
    lost, duplicates, stats = await _broadcast_and_count(
        app, clock, harness, "429 storm", lambda: harness.served(429)
    )
    assert harness.served(429) == STORM
    assert (lost, duplicates) == (0, 0)
    # Telegram's and Slack's 429s reach the Worker, which waits them out on the fake clock;
    # discord.py waits out short ones itself and hands back only those it gave up on.
    if harness.platform is not Platform.DISCORD:
        assert stats.rate_limited == STORM
    assert stats.retried == 0  # a 429 uses up no attempt


async def test_a_burst_of_server_errors_is_retried_until_everyone_has_the_message_once(
    app: App, clock: FakeClock, harness: Harness
) -> None:
    harness.burst(BURST)
    status = {"telegram": 502, "slack": 503, "discord": 503}[harness.platform.value]
    lost, duplicates, _ = await _broadcast_and_count(
        app, clock, harness, "5xx burst", lambda: harness.served(status)
    )
    assert harness.served(status) == BURST
    assert (lost, duplicates) == (0, 0)


@pytest.mark.parametrize("client_timeout", [SHORT_TIMEOUT])
async def test_answers_slower_than_the_client_timeout_are_retried_and_sent_once(
    app: App, clock: FakeClock, harness: Harness
) -> None:
    harness.wire.slow(harness.path, seconds=5 * SHORT_TIMEOUT, times=SLOW)
    lost, duplicates, _ = await _broadcast_and_count(
        app, clock, harness, "slow answer", lambda: harness.wire.injected["slow"]
    )
    assert harness.wire.injected["slow"] == SLOW
    assert (lost, duplicates) == (0, 0)


async def test_connections_dropped_mid_request_are_retried_and_sent_once(
    app: App, clock: FakeClock, harness: Harness
) -> None:
    harness.wire.drop(harness.path, times=DROPS)
    lost, duplicates, _ = await _broadcast_and_count(
        app, clock, harness, "dropped", lambda: harness.wire.injected["drop"]
    )
    assert harness.wire.injected["drop"] == DROPS
    assert (lost, duplicates) == (0, 0)


async def test_an_answer_lost_after_posting_is_sent_again_and_only_discord_drops_the_copy(
    app: App, clock: FakeClock, harness: Harness
) -> None:
    """The message reached the platform but its answer did not reach us: the Worker cannot
    tell it from a dropped request and sends it again. Discord drops the second copy (same
    nonce); the Bot API and chat.postMessage have no idempotency key, so each lost answer
    shows twice there: a limit of those platforms, counted here so the figure stays known."""
    harness.wire.lose_answer(harness.path, times=DROPS)
    lost, duplicates, _ = await _broadcast_and_count(
        app, clock, harness, "lost answer", lambda: harness.wire.injected["lose_answer"]
    )
    assert harness.wire.injected["lose_answer"] == DROPS
    assert lost == 0
    assert duplicates == (0 if harness.sender.deduplicates else DROPS)
