"""The real python-telegram-bot Application against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bots.telegram import run_telegram
from core.bootstrap import App
from core.db.models import Member, PlatformAccount
from core.domain import Platform

from .fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for

POLL_TIMEOUT = 1.0  # seconds; getUpdates returns as soon as an update is pushed


@dataclass
class RunningBot:
    """A ``run_telegram`` task and the event that stops it."""

    task: asyncio.Task[None]
    stop: asyncio.Event

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def start_polling_bot(app: App, fake: FakeBotApi, **options: Any) -> RunningBot:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_telegram(
            app,
            token=BOT_TOKEN,
            api_url=fake.api_url,
            stop=stop,
            poll_timeout=POLL_TIMEOUT,
            max_retry_wait=0.05,
            **options,
        )
    )
    await wait_for(lambda: "getUpdates" in fake.received or task.done())
    if task.done():
        task.result()  # re-raise why it did not start
    return RunningBot(task, stop)


@pytest.fixture
async def polling_bot(app: App, fake_api: FakeBotApi) -> AsyncIterator[RunningBot]:
    running = await start_polling_bot(app, fake_api)
    try:
        yield running
    finally:
        await running.shutdown()


async def link_telegram_account(
    app: App, email: str, user_id: int, *, handle: str | None = None
) -> int:
    """The Telegram user ``user_id`` (``@handle``) is the member with ``email`` (as after
    /start CODE)."""
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == email))
        assert member_id is not None, email
        session.add(
            PlatformAccount(
                platform=Platform.TELEGRAM,
                user_id=str(user_id),
                member_id=member_id,
                handle=handle,
            )
        )
    return member_id
