"""`alumni run [--role ...]`: the platform's processes.

Roles: ``web`` serves HTTP (health, readiness, metrics, public feeds, Slack events, the
Telegram webhook) on ALUMNI_HTTP_HOST / ALUMNI_HTTP_PORT; ``bots`` keeps Telegram long
polling and the Discord gateway; ``senders`` drain the outbox for every configured
platform; ``scheduler`` fires scheduled jobs (once per period across the cluster).
``alumni run`` alone runs them all in one process, the embedded default; a deployment runs
many ``web``/``bots``/``senders`` and a few ``scheduler`` processes on one PostgreSQL. A
process without the web role serves only ``/healthz``, ``/readyz`` and ``/metrics``, on
ALUMNI_METRICS_PORT when it is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from bots.web import Metrics, Readiness, build_web_app
from core.bootstrap import App
from core.config import Settings
from core.delivery.limits import real_time
from core.delivery.senders import Sender
from core.delivery.worker import Worker
from core.events.progress import BroadcastProgress
from core.scheduling import Scheduler
from core.scheduling.jobs import register_jobs

__all__ = ["ROLES", "configured_platforms", "run_platforms"]

log = logging.getLogger(__name__)

ROLES = ("web", "bots", "senders", "scheduler")


def configured_platforms(settings: Settings) -> list[str]:
    found = []
    if settings.telegram_token is not None:
        found.append("telegram")
    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        found.append("slack")
    if settings.discord_token is not None:
        found.append("discord")
    return found


def build_senders(app: App, settings: Settings) -> list[Sender]:
    """One outbox sender per configured platform."""
    senders: list[Sender] = []
    for name in configured_platforms(settings):
        module = importlib.import_module(f"bots.{name}.sender")
        factory: Callable[[App, Settings], Sender] = module.from_settings
        senders.append(factory(app, settings))
    return senders


async def run_platforms(
    app: App,
    settings: Settings,
    stop: asyncio.Event | None = None,
    roles: Sequence[str] = ROLES,
    metrics: Metrics | None = None,
) -> None:
    """Run the given roles until ``stop`` is set (SIGINT/SIGTERM set it when none is given).

    ``metrics`` (a fresh ``Metrics`` when None) becomes ``app.observer`` and is what this
    process's ``/metrics`` serves.
    """
    stop = stop or _stop_on_signals()
    metrics = metrics or Metrics()
    app.observer = metrics
    readiness = Readiness(app.db)
    http_app = build_web_app(app, metrics=metrics, readiness=readiness, public="web" in roles)
    tasks: list[asyncio.Task[None]] = []
    cleanups: list[Callable[[], Awaitable[None]]] = []

    def track(task: asyncio.Task[None], part: str) -> asyncio.Task[None]:
        """``part`` is not ready once its task has ended, whatever ended it."""
        readiness.expect(part)
        task.add_done_callback(lambda _task: readiness.set(part, False))
        tasks.append(task)
        return task

    if "web" in roles and settings.slack_bot_token and settings.slack_signing_secret:
        from bots.slack import build_slack_app, mount_slack

        bolt = build_slack_app(
            app,
            bot_token=settings.slack_bot_token.get_secret_value(),
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            api_url=settings.slack_api_url,
        )
        mount_slack(http_app, bolt)
        readiness.set("slack")
        log.info("slack: POST /slack/events")

    telegram_webhook = settings.telegram_webhook_url is not None
    wants_telegram = ("web" in roles) if telegram_webhook else ("bots" in roles)
    if settings.telegram_token is not None and wants_telegram:
        from bots.telegram import run_telegram

        track(
            asyncio.create_task(
                run_telegram(
                    app,
                    token=settings.telegram_token.get_secret_value(),
                    api_url=settings.telegram_api_url,
                    webhook_url=settings.telegram_webhook_url,
                    webhook_secret=settings.telegram_webhook_secret.get_secret_value()
                    if settings.telegram_webhook_secret
                    else None,
                    http_app=http_app,
                    stop=stop,
                    on_ready=lambda: readiness.set("telegram"),
                ),
                name="telegram",
            ),
            "telegram",
        )

    if settings.discord_token is not None and "bots" in roles:
        from bots.discord import run_discord

        track(
            asyncio.create_task(
                run_discord(
                    app,
                    token=settings.discord_token.get_secret_value(),
                    api_url=settings.discord_api_url,
                    gateway_url=settings.discord_gateway_url,
                    stop=stop,
                    shard_count=settings.discord_shard_count,
                    on_ready=lambda: readiness.set("discord"),
                ),
                name="discord",
            ),
            "discord",
        )

    if "senders" in roles:
        now, sleep = real_time()
        worker_id = f"{socket.gethostname()}:{os.getpid()}"
        for sender in build_senders(app, settings):
            close = getattr(sender, "close", None)
            if close is not None:
                cleanups.append(close)
            worker = Worker(
                app.db,
                sender,
                worker_id=f"{worker_id}:{sender.platform.value}",
                clock=app.clock,
                now=now,
                sleep=sleep,
                observer=metrics,
                on_progress=BroadcastProgress(app.db, app.clock),
            )
            part = f"sender:{sender.platform.value}"
            track(asyncio.create_task(worker.run(stop), name=f"sender-{sender.platform}"), part)
            readiness.set(part)
            log.info("sender: %s", sender.platform.value)

    if "scheduler" in roles:
        scheduler = Scheduler(app.db, app.clock, runner=f"{socket.gethostname()}:{os.getpid()}")
        register_jobs(scheduler, app)
        scheduler.start()
        readiness.set("scheduler")

        async def stop_scheduler() -> None:
            scheduler.shutdown()

        cleanups.append(stop_scheduler)
        log.info("scheduler: %d jobs", len(scheduler.jobs))

    port = settings.http_port if "web" in roles else settings.metrics_port
    if port is not None:
        runner = web.AppRunner(http_app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.http_host, port)
        await site.start()
        log.info("http: listening on %s:%s", settings.http_host, port)
        cleanups.append(runner.cleanup)
    try:
        waiting = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({waiting, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        for task in done:
            if task is not waiting and task.exception() is not None:
                log.error("%s stopped: %r", task.get_name(), task.exception())
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for cleanup in reversed(cleanups):
            await cleanup()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
