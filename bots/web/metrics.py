"""Prometheus series for one process, on its own ``CollectorRegistry``.

``Metrics`` is the core's ``Observer`` (commands handled, deliveries made) and the HTTP
middleware's sink (requests per route). The outbox depth is read from the database when
``/metrics`` is scraped, so every process reports the same shared queue.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from core.db import Database
from core.db.models import OutboxMessage
from core.delivery.senders import Outcome
from core.domain import Platform

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
WAITING = ("pending", "sending")
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.commands = Counter(
            "alumni_commands",
            "Commands, buttons and form answers handled, by outcome (ok, refused, error).",
            ["platform", "command", "outcome"],
            registry=r,
        )
        self.command_errors = Counter(
            "alumni_command_errors",
            "Commands that failed on our side (the user got an apology with a reference).",
            ["platform", "command"],
            registry=r,
        )
        self.command_seconds = Histogram(
            "alumni_command_seconds",
            "Time to answer a command, identification included.",
            ["platform"],
            buckets=_LATENCY,
            registry=r,
        )
        self.deliveries = Counter(
            "alumni_outbox_deliveries",
            "Outbox messages handed to a platform, by outcome.",
            ["platform", "outcome"],
            registry=r,
        )
        self.sent = Counter(
            "alumni_outbox_sent",
            "Outbox messages the platform accepted (rate() of it is the send rate).",
            ["platform"],
            registry=r,
        )
        self.rate_limited = Counter(
            "alumni_platform_rate_limited",
            "429 answers received from a platform.",
            ["platform"],
            registry=r,
        )
        self.send_seconds = Histogram(
            "alumni_outbox_send_seconds",
            "Time of one platform call sending an outbox message.",
            ["platform"],
            buckets=_LATENCY,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "alumni_outbox_depth",
            "Outbox messages waiting (pending) or out with a sender (sending), read at scrape.",
            ["platform", "state"],
            registry=r,
        )
        self.http_requests = Counter(
            "alumni_http_requests",
            "HTTP requests served, by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "alumni_http_request_seconds",
            "Time to answer an HTTP request.",
            ["route"],
            buckets=_LATENCY,
            registry=r,
        )
        for platform in Platform:
            for state in WAITING:
                self.outbox_depth.labels(platform.value, state).set(0)

    # --- core.observe.Observer ----------------------------------------------------------------
    def command_handled(self, platform: str, command: str, outcome: str, seconds: float) -> None:
        self.commands.labels(platform, command, outcome).inc()
        if outcome == "error":
            self.command_errors.labels(platform, command).inc()
        self.command_seconds.labels(platform).observe(seconds)

    def delivery_done(self, platform: str, outcome: str, seconds: float) -> None:
        self.deliveries.labels(platform, outcome).inc()
        if outcome == Outcome.SENT:
            self.sent.labels(platform).inc()
        elif outcome == Outcome.RATE_LIMITED:
            self.rate_limited.labels(platform).inc()
        self.send_seconds.labels(platform).observe(seconds)

    # --- HTTP ---------------------------------------------------------------------------------
    def request_served(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_seconds.labels(route).observe(seconds)

    # --- scrape -------------------------------------------------------------------------------
    async def read_outbox(self, db: Database) -> None:
        """Set the depth gauges from the shared outbox (an index-only count per state)."""
        om = OutboxMessage
        async with db.sessions() as session:
            rows = await session.execute(
                select(om.platform, om.state, func.count())
                .where(om.state.in_(WAITING))
                .group_by(om.platform, om.state)
            )
            counts = {(platform.value, state): count for platform, state, count in rows}
        for platform in Platform:
            for state in WAITING:
                self.outbox_depth.labels(platform.value, state).set(
                    counts.get((platform.value, state), 0)
                )

    def render(self) -> bytes:
        return generate_latest(self.registry)
