"""``/metrics``: commands per platform and command, deliveries, 429s, outbox depth, latency."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bots.web import Metrics
from core.bootstrap import App
from core.chat import Incoming
from core.chat.commands import Permission
from core.chat.context import CommandContext
from core.chat.replies import Reply
from core.clock import FakeClock
from core.delivery import Target, enqueue
from core.delivery.limits import PlatformLimits
from core.delivery.senders import Delivery, Outcome, SendResult
from core.delivery.worker import Worker
from core.domain import Platform
from tests.helpers import say


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


async def test_commands_are_counted_per_platform_command_and_outcome(
    app: App, metrics: Metrics
) -> None:
    @app.registry.action("test.boom", Permission.ANYONE)
    async def boom(_ctx: CommandContext, _payload: str, _values: dict[str, str]) -> Reply:
        raise RuntimeError("a bug")

    await say(app, "stranger", "/help")
    await say(app, "stranger", "/help")
    await say(app, "stranger", "/search zoe")  # members only: refused
    await say(app, "stranger", "/no_such_thing_at_all")
    await app.dispatcher.handle(
        Incoming(platform=Platform.SLACK, user_id="U1", workspace="T1", action="test.boom")
    )

    assert (
        value(metrics, "alumni_commands_total", platform="console", command="help", outcome="ok")
        == 2
    )
    assert (
        value(
            metrics,
            "alumni_commands_total",
            platform="console",
            command="search",
            outcome="refused",
        )
        == 1
    )
    assert (
        value(
            metrics,
            "alumni_commands_total",
            platform="console",
            command="unknown",
            outcome="refused",
        )
        == 1
    )
    assert value(metrics, "alumni_command_errors_total", platform="slack", command="test.boom") == 1
    assert value(metrics, "alumni_command_seconds_count", platform="console") == 4
    assert value(metrics, "alumni_command_seconds_count", platform="slack") == 1


async def test_command_labels_never_carry_what_the_user_typed(app: App, metrics: Metrics) -> None:
    await say(app, "stranger", "/zoé_nguyễn secret text")
    await say(app, "stranger", "just chatting", is_message=True)
    exposition = metrics.render().decode()
    assert "zo" not in exposition.lower().replace("zone", "")
    assert "secret" not in exposition
    assert (
        value(metrics, "alumni_commands_total", platform="console", command="message", outcome="ok")
        == 1
    )


class _Scripted:
    """Sends, but answers 429 to the first attempt at chat 2."""

    platform = Platform.TELEGRAM
    limits = PlatformLimits(per_second=1000, per_chat=((10, 1.0),))
    deduplicates = False

    def __init__(self) -> None:
        self.limited = False

    def is_group(self, target: Target) -> bool:
        return False

    async def send(self, delivery: Delivery) -> SendResult:
        if delivery.target.chat_id == "2" and not self.limited:
            self.limited = True
            return SendResult(Outcome.RATE_LIMITED, retry_after=1.0)
        if delivery.target.chat_id == "3":
            return SendResult(Outcome.UNREACHABLE, detail="blocked")
        return SendResult(Outcome.SENT, platform_message_id="m")


async def _queue(app: App, chats: list[str]) -> None:
    async with app.db.sessions.begin() as session:
        for chat in chats:
            await enqueue(
                session,
                key=f"k:{chat}",
                kind="test",
                target=Target(Platform.TELEGRAM, chat),
                reply=Reply(text="hello"),
                now=app.clock.now(),
            )


async def test_deliveries_429s_and_send_latency_are_counted_per_platform(
    app: App, metrics: Metrics, clock: FakeClock
) -> None:
    await _queue(app, ["1", "2", "3"])

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    worker = Worker(
        app.db,
        _Scripted(),
        worker_id="w",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
        observer=metrics,
    )
    await worker.run_once()
    clock.advance(dt.timedelta(seconds=2))
    await worker.run_once()

    assert value(metrics, "alumni_outbox_sent_total", platform="telegram") == 2
    assert value(metrics, "alumni_platform_rate_limited_total", platform="telegram") == 1
    assert (
        value(metrics, "alumni_outbox_deliveries_total", platform="telegram", outcome="unreachable")
        == 1
    )
    assert value(metrics, "alumni_outbox_send_seconds_count", platform="telegram") == 4


async def test_the_endpoint_serves_prometheus_text_with_the_outbox_depth_and_http_routes(
    app: App, client: TestClient
) -> None:
    await _queue(app, ["1", "2", "3"])
    assert (await client.get("/chapters/ZZ/events.ics")).status == 404
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    found = samples(await response.text())
    depth: Any = found[("alumni_outbox_depth", (("platform", "telegram"), ("state", "pending")))]
    assert depth == 3
    assert found[("alumni_outbox_depth", (("platform", "slack"), ("state", "pending")))] == 0
    # The route's pattern, not the path: a label per country would be unbounded.
    route = (("method", "GET"), ("route", "/chapters/{country}/events.ics"), ("status", "404"))
    assert found[("alumni_http_requests_total", route)] == 1


async def test_each_metrics_object_keeps_its_own_registry(app: App) -> None:
    first, second = Metrics(), Metrics()
    first.command_handled("telegram", "help", "ok", 0.01)
    assert (
        value(first, "alumni_commands_total", platform="telegram", command="help", outcome="ok")
        == 1
    )
    assert (
        value(second, "alumni_commands_total", platform="telegram", command="help", outcome="ok")
        == 0
    )
