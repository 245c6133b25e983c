"""Several processes on one PostgreSQL, as a deployment runs them: ``web``, ``senders`` x2 and
``scheduler`` x2, each an installed ``alumni run --role ...`` talking to a fake Bot API."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from core.bootstrap import App
from core.chat.replies import Reply
from core.db.models import JobRun, OutboxMessage
from core.delivery import Target, enqueue
from core.domain import Platform
from tests.telegram.fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for

pytestmark = pytest.mark.e2e

ALUMNI = Path(sys.executable).with_name("alumni")
RECIPIENTS = [str(7000 + i) for i in range(40)]


def _free_ports(count: int) -> list[int]:
    """Free ports below the ephemeral range, which the processes' own outgoing connections
    draw from: a port picked there can be taken before its server binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports: list[int] = []
    for candidate in random.Random().sample(range(low // 2, low), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
        ports.append(candidate)
        if len(ports) == count:
            return ports
    raise RuntimeError("no free port")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


async def _ready(session: aiohttp.ClientSession, port: int) -> bool:
    try:
        async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_a_cluster_delivers_a_broadcast_once_per_recipient_and_fires_each_job_once(
    app: App, database_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share the outbox through PostgreSQL's SKIP LOCKED")
    async with app.db.sessions.begin() as session:
        for chat in RECIPIENTS:
            await enqueue(
                session,
                key=f"broadcast:1:{chat}",
                kind="broadcast",
                batch="broadcast:1",
                target=Target(Platform.TELEGRAM, chat),
                reply=Reply(text="Soirée des alumni jeudi à 19 h"),
                now=app.clock.now(),
            )
    environment = {
        **os.environ,
        "ALUMNI_DATABASE_URL": database_url,
        "ALUMNI_LOG_LEVEL": "warning",
        "ALUMNI_TELEGRAM_TOKEN": BOT_TOKEN,
        "ALUMNI_TELEGRAM_API_URL": fake_api.api_url,
        "ALUMNI_TELEGRAM_WEBHOOK_URL": "https://alumni.example.org/telegram/webhook",
        "ALUMNI_TELEGRAM_WEBHOOK_SECRET": "cluster-secret",
    }
    roles = ["web", "senders", "senders", "scheduler", "scheduler"]
    ports = _free_ports(len(roles))
    processes = []
    for role, port in zip(roles, ports, strict=True):
        variable = "ALUMNI_HTTP_PORT" if role == "web" else "ALUMNI_METRICS_PORT"
        processes.append(
            subprocess.Popen(  # noqa: ASYNC220  (started once, then only polled)
                [str(ALUMNI), "run", "--role", role],
                env={**environment, variable: str(port)},
                cwd=tmp_path,
                stderr=subprocess.PIPE,
            )
        )
    try:
        async with aiohttp.ClientSession() as http:
            for port in ports:
                await wait_for_ready(http, port, processes)

            def delivered() -> bool:
                return len(fake_api.calls_to("sendMessage")) >= len(RECIPIENTS)

            await wait_for(delivered, within=60)
            await asyncio.sleep(0.5)  # a duplicate would arrive now, if any
    finally:
        for process in processes:
            process.terminate()
        logs = [process.communicate(timeout=30)[1].decode() for process in processes]
    assert all(process.returncode == 0 for process in processes), logs

    got = Counter(str(call.params["chat_id"]) for call in fake_api.calls_to("sendMessage"))
    assert got == Counter(RECIPIENTS)  # every recipient exactly once
    async with app.db.sessions() as session:
        states = dict(
            (
                await session.execute(
                    select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
                )
            ).all()
        )
        runs = (await session.execute(select(JobRun.run_key, JobRun.runner))).all()
    assert states == {"sent": len(RECIPIENTS)}
    # Both schedulers caught up on the last hour at start: each (job, fire time) ran once,
    # whichever of them claimed it.
    reminders = [key for key, _ in runs if key.startswith("events:reminders@")]
    assert len(reminders) == len(set(reminders)) == 12


async def wait_for_ready(
    http: aiohttp.ClientSession, port: int, processes: list[subprocess.Popen[bytes]]
) -> None:
    for _ in range(600):
        if await _ready(http, port):
            return
        if any(process.poll() is not None for process in processes):
            raise AssertionError("a process of the cluster stopped")
        await asyncio.sleep(0.05)
    raise AssertionError(f"the process on port {port} never became ready")
