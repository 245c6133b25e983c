"""Platform faults through the loopback fakes, with the real delivery Worker and senders.

Each platform is wrapped in a ``Harness``: its fake, its sender, the recipients of a
broadcast, and how to inject a fault and count what reached the fake. ``broadcast`` queues
one message per recipient and runs the Worker on the fake clock until nothing is due, so
``retry_after`` and backoff waits cost no real time. Every test adds a row to ``LEDGER``;
``pytest tests/faults`` prints the rows at the end (faults injected, lost, duplicated,
reconnects), the figures the issue notes report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from benchmarks.wire_faults import WireFaults
from bots.discord import DiscordSender
from bots.slack import SlackSender
from bots.telegram import TelegramSender
from core.bootstrap import App
from core.chat import Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.delivery import Target, enqueue
from core.delivery.senders import Sender
from core.delivery.worker import Worker
from core.domain import Platform
from tests.discord.conftest import (  # noqa: F401 - fixtures
    _restore_discord_endpoints,
    fake_discord,
)
from tests.discord.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from tests.discord.fake_discord import GUILD_ID, FakeDiscord
from tests.slack.conftest import fake_slack  # noqa: F401 - a fixture
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.telegram.conftest import fake_api  # noqa: F401 - a fixture
from tests.telegram.fake_bot_api import BOT_TOKEN as TELEGRAM_TOKEN
from tests.telegram.fake_bot_api import FakeBotApi

RECIPIENTS = 10
# The senders' HTTP timeout, seconds. The "slow answer" tests shorten it: long enough that an
# ordinary answer on a loaded machine still arrives in time (a timed-out request the fake did
# handle would be sent twice on Telegram and Slack), short enough to keep the suite quick;
# the held requests time out side by side, so each platform waits it about once.
CLIENT_TIMEOUT = 10.0
SHORT_TIMEOUT = 0.3
PLATFORMS = ("telegram", "slack", "discord")


# --- the summary ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    platform: str
    fault: str
    injected: int
    recipients: int
    lost: int
    duplicates: int
    reconnects: int = 0


LEDGER: list[Row] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER:
        return
    write = terminalreporter.write_line
    terminalreporter.section("platform faults")
    header = ("platform", "fault", "injected", "recipients", "lost", "duplicates", "reconnects")
    write("".join(f"{h:>12}" for h in header))
    for row in LEDGER:
        cells = (row.platform, row.fault, row.injected, row.recipients, row.lost)
        write("".join(f"{c!s:>12}" for c in (*cells, row.duplicates, row.reconnects)))
    write(
        f"{'total':>12}{'':>12}{sum(r.injected for r in LEDGER):>12}"
        f"{sum(r.recipients for r in LEDGER):>12}{sum(r.lost for r in LEDGER):>12}"
        f"{sum(r.duplicates for r in LEDGER):>12}{sum(r.reconnects for r in LEDGER):>12}"
    )


def tally(expected: list[tuple[str, str]], received: Counter[tuple[str, str]]) -> tuple[int, int]:
    """(lost, duplicates) of ``expected`` (chat, text) pairs among what a fake received."""
    lost = sum(1 for pair in expected if received[pair] == 0)
    duplicates = sum(max(0, received[pair] - 1) for pair in expected)
    return lost, duplicates


# --- one platform, faults and counts --------------------------------------------------------
@dataclass
class Harness:
    platform: Platform
    sender: Sender
    targets: list[Target]
    wire: WireFaults
    path: str  # the sending method's path, for transport faults
    storm: Callable[[int], None]  # the next n sends answer 429 with a retry_after
    burst: Callable[[int], None]  # the next n sends answer a 5xx
    served: Callable[[int], int]  # how many sends the fake answered with this status
    received: Callable[[], Counter[tuple[str, str]]]  # (chat, text) -> copies at the fake

    def text_for(self, target: Target) -> str:
        return f"Chapter news for {target.chat_id}"

    @property
    def expected(self) -> list[tuple[str, str]]:
        return [(self.chat_of(t), self.text_for(t)) for t in self.targets]

    def chat_of(self, target: Target) -> str:
        if self.platform is Platform.TELEGRAM and target.user_id is not None:
            return target.user_id
        return target.chat_id


def telegram_harness(app: App, fake: FakeBotApi, timeout: float) -> Harness:
    def received() -> Counter[tuple[str, str]]:
        return Counter(
            (str(c.params["chat_id"]), str(c.params["text"])) for c in fake.calls_to("sendMessage")
        )

    return Harness(
        platform=Platform.TELEGRAM,
        sender=TelegramSender(app, token=TELEGRAM_TOKEN, api_url=fake.api_url, timeout=timeout),
        targets=[Target.user(Platform.TELEGRAM, str(7100 + i)) for i in range(RECIPIENTS)],
        wire=fake.wire,
        path="/sendMessage",
        storm=lambda n: fake.fail("sendMessage", 429, times=n, retry_after=3),
        burst=lambda n: fake.fail("sendMessage", 502, times=n),
        served=lambda status: sum(
            1 for c in fake.calls_to("sendMessage", ok_only=False) if c.status == status
        ),
        received=received,
    )


def slack_harness(app: App, fake: FakeSlack, timeout: float) -> Harness:
    post = "chat.postMessage"

    def received() -> Counter[tuple[str, str]]:
        return Counter((str(c.params["channel"]), str(c.params["text"])) for c in fake.called(post))

    return Harness(
        platform=Platform.SLACK,
        sender=SlackSender(app, token=fake.token, api_url=fake.api_url, timeout=timeout),
        targets=[Target(Platform.SLACK, f"C0FAULT{i:02d}", TEAM_ID) for i in range(RECIPIENTS)],
        wire=fake.wire,
        path=f"/{post}",
        storm=lambda n: fake.fail_next(post, status=429, times=n, retry_after=3),
        burst=lambda n: fake.fail_next(post, status=503, times=n),
        served=lambda status: len(fake.called(f"{post}!{status}")),
        received=received,
    )


def discord_harness(app: App, fake: FakeDiscord, timeout: float) -> Harness:
    route = "/channels/{channel_id}/messages"

    def received() -> Counter[tuple[str, str]]:
        return Counter((m["channel_id"], m["content"]) for m in fake.channel_messages)

    return Harness(
        platform=Platform.DISCORD,
        sender=DiscordSender(app, token=DISCORD_TOKEN, api_url=fake.api_url, timeout=timeout),
        targets=[
            Target(Platform.DISCORD, str(1300000000000000100 + i), GUILD_ID)
            for i in range(RECIPIENTS)
        ],
        wire=fake.wire,
        path="/messages",
        # discord.py waits out a short 429 itself (five times), then the Worker takes over.
        storm=lambda n: fake.fail("POST", route, 429, times=n, retry_after=0.01),
        # 500/502/504 discord.py retries itself after 1 s, 3 s...; 503 it hands back.
        burst=lambda n: fake.fail("POST", route, 503, times=n),
        served=lambda status: sum(1 for c in fake.calls_to("POST", route) if c.status == status),
        received=received,
    )


@pytest.fixture
def client_timeout() -> float:
    return CLIENT_TIMEOUT


@pytest.fixture(params=PLATFORMS)
async def harness(
    request: pytest.FixtureRequest,
    app: App,
    client_timeout: float,
    fake_api: FakeBotApi,  # noqa: F811
    fake_slack: FakeSlack,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
) -> AsyncIterator[Harness]:
    """Each platform in turn, its sender waiting ``client_timeout`` for an answer."""
    match request.param:
        case "telegram":
            made = telegram_harness(app, fake_api, client_timeout)
        case "slack":
            made = slack_harness(app, fake_slack, client_timeout)
        case _:
            made = discord_harness(app, fake_discord, client_timeout)
    try:
        yield made
    finally:
        await made.sender.close()  # type: ignore[attr-defined]


# --- the broadcast --------------------------------------------------------------------------
def fake_time_worker(app: App, clock: FakeClock, sender: Sender, **options: object) -> Worker:
    """The Worker on the fake clock: pacing and retry_after waits advance it."""

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    return Worker(
        app.db,
        sender,
        worker_id="faults",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
        rng=random.Random(13),
        **options,  # type: ignore[arg-type]
    )


async def queue_broadcast(app: App, clock: FakeClock, harness: Harness) -> None:
    async with app.db.sessions.begin() as session:
        for index, target in enumerate(harness.targets):
            await enqueue(
                session,
                key=f"broadcast:faults:{index}",
                kind="broadcast",
                target=target,
                reply=Reply(text=harness.text_for(target)),
                now=clock.now(),
            )


async def drain(app: App, clock: FakeClock, worker: Worker, *, cycles: int = 200) -> None:
    """Run the Worker until no message of its platform is pending; when none is due, jump
    the clock to the next."""
    for _ in range(cycles):
        if await worker.run_once():
            continue
        async with app.db.sessions() as session:
            due = await session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.state == "pending",
                    OutboxMessage.platform == worker.sender.platform,
                )
            )
        if due is None:
            return
        clock.advance(max(due - clock.now(), dt.timedelta(milliseconds=1)))
    raise AssertionError(f"the outbox was not drained in {cycles} cycles")


async def outbox_states(app: App) -> Counter[str]:
    async with app.db.sessions() as session:
        return Counter(await session.scalars(select(OutboxMessage.state)))
