"""The web role under load: signed Slack slash commands and Telegram webhook updates.

    .venv/bin/python -m benchmarks.http [--requests 2000] [--concurrency 32]
        [--db sqlite+aiosqlite:////tmp/http-bench.db | postgresql+asyncpg://...]

Starts ``alumni run --role web`` in a child process with Slack and Telegram configured
against the loopback fakes of the test suite (a fake Slack Web API and a fake Bot API, both
in this process), then sends it ``--requests`` signed ``/alumni help`` slash commands and as
many Telegram ``/help`` updates to its webhook, ``--concurrency`` at a time, and prints
requests/s and latency percentiles. Baseline in the same run: a bare aiohttp handler answering
200, in its own child process, under the same client. The web role answers Slack after Bolt
has verified the signature and acked, and Telegram once the update is queued; the replies
themselves go out afterwards (their drain rate is printed too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fake_bot_api import BOT_TOKEN as TELEGRAM_TOKEN
from benchmarks.fake_bot_api import FakeBotApi
from core.db import create_database, rebuild
from tests.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import SIGNING_SECRET, sign, slash_command_body

WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105  (a fake)
BARE = """
import sys
from aiohttp import web
async def ok(_request):
    return web.Response()
app = web.Application()
app.router.add_post("/", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
Request = Callable[[int], tuple[str, str, dict[str, str]]]  # i -> (path, body, headers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def fresh_database(url: str) -> None:
    db = create_database(url)
    await rebuild(db.engine)
    await db.dispose()


def spawn(command: list[str], **options: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, **options)  # type: ignore[call-overload]


async def wait_ready(url: str, child: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise SystemExit(f"the server exited with {child.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status in (200, 405):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{url} not ready after {within:.0f}s")


async def load(base: str, make: Request, total: int, concurrency: int) -> tuple[float, list[float]]:
    """Send ``total`` requests, ``concurrency`` at a time; wall time and each latency."""
    latencies: list[float] = []
    counter = iter(range(total))
    failures: list[int] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            for i in counter:
                path, body, headers = make(i)
                started = time.perf_counter()
                async with session.post(base + path, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        failures.append(response.status)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return wall, latencies


async def replies(telegram: FakeBotApi, count: int, within: float) -> int:
    """Wait until the fake Bot API has received ``count`` replies (or ``within`` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if len(telegram.calls_to("sendMessage")) >= count:
            break
        await asyncio.sleep(0.05)
    return len(telegram.calls_to("sendMessage"))


def report(name: str, wall: float, latencies: list[float], baseline: float | None) -> float:
    rate = len(latencies) / wall
    cuts = statistics.quantiles(latencies, n=100)
    ratio = f"  {rate / baseline:6.1%} of bare aiohttp" if baseline else ""
    print(
        f"{name:<22} {rate:8.0f} req/s   p50 {cuts[49] * 1000:6.1f} ms   "
        f"p99 {cuts[98] * 1000:6.1f} ms{ratio}"
    )
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--log-level", default="warning", help="the web process's log level")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite+aiosqlite:///{tmp.name}/http-bench.db"
    await fresh_database(url)
    slack, telegram = FakeSlack(), FakeBotApi()
    await slack.start()
    await telegram.start()

    web_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "ALUMNI_DATABASE_URL": url,
        "ALUMNI_HTTP_PORT": str(web_port),
        "ALUMNI_LOG_LEVEL": args.log_level,
        "ALUMNI_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "ALUMNI_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "ALUMNI_SLACK_API_URL": slack.api_url,
        "ALUMNI_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "ALUMNI_TELEGRAM_API_URL": telegram.api_url,
        "ALUMNI_TELEGRAM_WEBHOOK_URL": "https://alumni.example.org/telegram/webhook",
        "ALUMNI_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    alumni = str(Path(sys.executable).with_name("alumni"))
    web = spawn([alumni, "run", "--role", "web"], env=env, cwd=tmp.name)
    bare = spawn([sys.executable, "-c", BARE, str(bare_port)])
    try:
        await wait_ready(f"http://127.0.0.1:{web_port}/readyz", web)
        await wait_ready(f"http://127.0.0.1:{bare_port}/", bare)

        def slash(i: int) -> tuple[str, str, dict[str, str]]:
            body = slash_command_body(
                "help",
                response_url=slack.response_url(f"b{i}"),
                user_id=f"U{i % 500:05d}",
                trigger_id=f"{i}.42.trigger",
            )
            return "/slack/events", body, sign(body)

        def update(i: int) -> tuple[str, str, dict[str, str]]:
            body = json.dumps(telegram.message_update("/help", user_id=10_000 + i % 500))
            headers = {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            }
            return "/telegram/webhook", body, headers

        def plain(i: int) -> tuple[str, str, dict[str, str]]:
            return "/", "{}", {"Content-Type": "application/json"}

        n, c = args.requests, args.concurrency
        await load(f"http://127.0.0.1:{bare_port}", plain, min(n, 500), c)  # warm-up
        await load(f"http://127.0.0.1:{web_port}", slash, min(n // 10, 200), c)
        warm = min(n // 10, 200)
        await load(f"http://127.0.0.1:{web_port}", update, warm, c)
        await replies(telegram, warm, within=120)
        print(f"{n} requests per case, {c} concurrent, database {url.split('://')[0]}")
        baseline = report(
            "bare aiohttp 200", *await load(f"http://127.0.0.1:{bare_port}", plain, n, c), None
        )
        report(
            "slack /alumni help", *await load(f"http://127.0.0.1:{web_port}", slash, n, c), baseline
        )
        before = len(telegram.calls_to("sendMessage"))
        started = time.perf_counter()
        report(
            "telegram /help update",
            *await load(f"http://127.0.0.1:{web_port}", update, n, c),
            baseline,
        )
        replied = await replies(telegram, before + n, within=600) - before
        drain = time.perf_counter() - started
        print(
            f"telegram replies sent  {replied / drain:8.0f} /s   "
            f"({replied} of {n} in {drain:.1f} s)"
        )
    finally:
        for child in (web, bare):
            child.terminate()
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
        await slack.close()
        await telegram.close()
        tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
