"""The Bolt app on a real aiohttp server on 127.0.0.1, talking to the fake Slack Web API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bots.slack import build_slack_app, mount_slack
from core.bootstrap import App
from core.db.models import Member, PlatformAccount
from core.domain import Platform

from .fake_slack import BOT_TOKEN, TEAM_ID, FakeSlack
from .signing import SIGNING_SECRET, interaction_body, sign, slash_command_body


@dataclass
class SlackServer:
    """Sends correctly signed requests to ``POST /slack/events``."""

    url: str
    fake: FakeSlack
    session: aiohttp.ClientSession

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def command(self, text: str, **fields: Any) -> tuple[int, str, str]:
        """``/alumni text``; returns the status, the ack body and the response_url id."""
        name = f"r{len(self.fake.calls)}-{id(fields) % 1000}"
        body = slash_command_body(text, response_url=self.fake.response_url(name), **fields)
        status, ack = await self.post(body, sign(body))
        return status, ack, name

    async def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        body = interaction_body(payload)
        return await self.post(body, sign(body))


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@contextlib.asynccontextmanager
async def serve_slack(app: App, fake_slack: FakeSlack) -> AsyncIterator[SlackServer]:
    """One web process's Bolt app on its own port; the replay guard is the shared one
    ``alumni run`` uses, so two of these on one database behave as two processes."""
    bolt = build_slack_app(
        app, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    http_app = web.Application()
    mount_slack(http_app, bolt)
    runner = web.AppRunner(http_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        yield SlackServer(f"http://127.0.0.1:{port}/slack/events", fake_slack, session)
    await _listeners_done()
    await runner.cleanup()


@pytest.fixture
async def slack(app: App, fake_slack: FakeSlack) -> AsyncIterator[SlackServer]:
    async with serve_slack(app, fake_slack) as server:
        yield server


async def _listeners_done() -> None:
    """Let Bolt's background listeners finish before the database goes away."""
    for _ in range(200):
        busy = [
            t
            for t in asyncio.all_tasks()
            if "run_ack_function_asynchronously" in repr(t.get_coro()) and not t.done()
        ]
        if not busy:
            return
        await asyncio.sleep(0.01)


async def link_slack_account(app: App, email: str, user_id: str, team_id: str = TEAM_ID) -> None:
    """The Slack user ``user_id`` is the member with ``email`` (as after ``/alumni link``)."""
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == email))
        assert member_id is not None, email
        session.add(
            PlatformAccount(
                platform=Platform.SLACK, workspace=team_id, user_id=user_id, member_id=member_id
            )
        )
