"""Telegram throughput: ``/search`` updates through the real bot, against a bare echo bot.

    .venv/bin/python -m benchmarks.telegram_throughput [--updates 10000] [--members 100000]
        [--db sqlite+aiosqlite:////tmp/tg-bench.db | postgresql+asyncpg://...]

Seeds ``--members`` demo alumni (``alumni seed --demo --members N``: the seed is skipped when
the database given with ``--db`` holds them already), links one Telegram user per update to a
listed member (so no per-person command limit applies), then queues ``--updates``
``/search`` updates (names of listed members, typed without accents, whole or as prefixes) on
the shared fake Bot API (``benchmarks/fake_bot_api.py``) and times how long ``run_telegram``
-- python-telegram-bot long polling, the core dispatcher, the directory search, callback
tokens for the card buttons, HTML rendering -- takes to answer them all (one ``sendMessage``
each). The fake hands the updates out as ``getUpdates`` does, at most 100 per answer.
Baseline in the same run, on the same fake: a bare python-telegram-bot ``Application`` with
one ``MessageHandler`` that replies the text it got, handling updates one at a time
(python-telegram-bot's default). The alumni bot handles ``--concurrency`` chats
at once (default: the bot's own, one on SQLite, 32 on PostgreSQL). Target: at least 0.7 of
the echo bot's rate.

A third bot, run last, tells how much of the difference is the answer itself: bare
python-telegram-bot again, sending for each update the very answer the alumni bot sent to
that chat (the same HTML cards, the same keyboard of callback tokens), prepared beforehand,
with no database and no platform code.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, insert, select
from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.fake_bot_api import BOT_TOKEN, FakeBotApi
from bots.telegram import ALLOWED_UPDATES, run_telegram
from bots.telegram.runner import default_concurrency
from core.bootstrap import App, build_app
from core.clock import SystemClock
from core.config import Settings
from core.db import Base, create_database, upgrade
from core.db.base import table_of
from core.db.models import Member, PlatformAccount
from core.demo import seed_demo
from core.domain import Platform, Visibility, fold

FIRST_USER = 900_000_000
WARM_UP = 300
POLL_TIMEOUT = 1.0
Bot = Callable[[FakeBotApi, asyncio.Event, asyncio.Event], Awaitable[None]]


class CountingBotApi(FakeBotApi):
    """The test suite's fake, telling when ``target`` messages have been sent."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.sent = 0
        self.target = 0
        self.reached = asyncio.Event()

    def expect(self, count: int) -> None:
        self.target = self.sent + count
        self.reached.clear()

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._api_sendMessage(params)
        self.sent += 1
        if self.sent >= self.target:
            self.reached.set()
        return message


class StatementCounter:
    """SQL statements the bot sends to the database (warm-up included)."""

    def __init__(self, app: App) -> None:
        self.count = 0
        self._engine = app.db.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def stop(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


async def prepare(url: str, members: int) -> None:
    """Migrate and seed, unless the database already holds the seeded members."""
    db = create_database(url)
    try:
        async with db.engine.begin() as conn:
            tables = await conn.run_sync(lambda c: c.dialect.get_table_names(c))
        if "members" in tables:
            async with db.sessions() as session:
                have = await session.scalar(
                    select(func.count()).where(Member.email.like("alumnus%"))
                )
            if have == members:
                print(f"reusing the {members:,} seeded members of {url.split('://')[0]}")
                await upgrade(db.engine)  # a database seeded by an older revision
                async with db.sessions.begin() as session:
                    await session.execute(
                        PlatformAccount.__table__.delete().where(  # type: ignore[attr-defined]
                            PlatformAccount.platform == Platform.TELEGRAM
                        )
                    )
                return
        async with db.engine.begin() as conn:
            if db.is_sqlite:
                await conn.exec_driver_sql("DROP TABLE IF EXISTS members_fts")
            await conn.run_sync(Base.metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await upgrade(db.engine)
        started = time.perf_counter()
        await seed_demo(db, members=members, seed=42)
        print(f"seeded {members:,} members in {time.perf_counter() - started:.0f}s")
    finally:
        await db.dispose()


async def link_users(app: App, count: int) -> None:
    """Telegram users ``FIRST_USER`` to ``FIRST_USER + count - 1``, each a listed member."""
    async with app.db.sessions.begin() as session:
        ids = (
            await session.scalars(
                select(Member.id)
                .where(Member.directory_consent.is_(True), Member.visibility == Visibility.LISTED)
                .order_by(Member.id)
                .limit(count)
            )
        ).all()
        if len(ids) < count:
            raise SystemExit(f"only {len(ids)} listed members for {count} Telegram users")
        now = dt.datetime.now(dt.UTC)
        await session.execute(
            insert(table_of(PlatformAccount)),
            [
                {
                    "platform": Platform.TELEGRAM,
                    "workspace": "",
                    "user_id": str(FIRST_USER + i),
                    "member_id": member_id,
                    "created_at": now,
                }
                for i, member_id in enumerate(ids)
            ],
        )


async def queries(app: App, count: int) -> list[str]:
    """What members type: a listed member's name without accents, whole or as prefixes."""
    async with app.db.sessions() as session:
        names = (
            await session.scalars(
                select(Member.full_name)
                .where(Member.directory_consent.is_(True), Member.visibility == Visibility.LISTED)
                .order_by(Member.id)
                .limit(5000)
            )
        ).all()
    rng = random.Random(7)
    found = []
    for i in range(count):
        words = fold(rng.choice(names)).split()
        if i % 4 == 3 and len(words) > 1:
            words = [word[:3] for word in words]
        found.append("/search " + " ".join(words))
    return found


async def real_bot(app: App, concurrency: int) -> Bot:
    async def run(fake: FakeBotApi, ready: asyncio.Event, stop: asyncio.Event) -> None:
        await run_telegram(
            app,
            token=BOT_TOKEN,
            api_url=fake.api_url,
            stop=stop,
            poll_timeout=POLL_TIMEOUT,
            concurrency=concurrency,
            on_ready=ready.set,
        )

    return run


async def bare_bot(
    fake: FakeBotApi,
    ready: asyncio.Event,
    stop: asyncio.Event,
    handler: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]],
) -> None:
    """python-telegram-bot as installed (httpx transport, one update at a time)."""
    application = ApplicationBuilder().token(BOT_TOKEN).base_url(fake.api_url).build()
    application.add_handler(MessageHandler(filters.TEXT, handler))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=dt.timedelta(seconds=POLL_TIMEOUT), allowed_updates=ALLOWED_UPDATES
        )
        ready.set()
        await stop.wait()
        await application.updater.stop()
        await application.stop()


def answering_bot(answers: dict[int, dict[str, Any]]) -> Bot:
    """Bare python-telegram-bot sending each chat the answer the alumni bot sent it."""
    prepared = {
        chat: {
            "text": params["text"],
            "parse_mode": params.get("parse_mode"),
            "reply_markup": InlineKeyboardMarkup.de_json(params["reply_markup"], None)
            if params.get("reply_markup")
            else None,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
        }
        for chat, params in answers.items()
    }

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        chat = update.effective_chat.id
        await context.bot.send_message(chat, **prepared[chat])

    async def run(fake: FakeBotApi, ready: asyncio.Event, stop: asyncio.Event) -> None:
        await bare_bot(fake, ready, stop, answer)

    return run


async def echo_bot(fake: FakeBotApi, ready: asyncio.Event, stop: asyncio.Event) -> None:
    """The baseline: python-telegram-bot replying each text as it came."""

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        await update.message.reply_text(update.message.text)

    await bare_bot(fake, ready, stop, echo)


async def measure(fake: CountingBotApi, bot: Bot, texts: list[str]) -> float:
    """Updates answered per second, after a warm-up."""
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(bot(fake, ready, stop))
    try:
        await asyncio.wait_for(ready.wait(), 60)

        async def answer(batch: list[str], first_user: int) -> float:
            fake.expect(len(batch))
            updates = [
                fake.message_update(text, user_id=first_user + i) for i, text in enumerate(batch)
            ]
            started = time.perf_counter()
            await fake.push_all(updates)
            await asyncio.wait_for(fake.reached.wait(), 3600)
            return time.perf_counter() - started

        await answer(texts[:WARM_UP], FIRST_USER + len(texts))
        return len(texts) / await answer(texts, FIRST_USER)
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)


async def main(url: str, members: int, updates: int, concurrency: int | None) -> int:
    await prepare(url, members)
    app = await build_app(Settings(database_url=url), clock=SystemClock(), migrate=False)
    concurrency = concurrency or default_concurrency(app)
    fake = CountingBotApi()
    await fake.start()
    try:
        await link_users(app, updates + WARM_UP)
        texts = await queries(app, updates)
        echo_rate = await measure(fake, echo_bot, texts)
        before = len(fake.calls)
        statements = StatementCounter(app)
        real_rate = await measure(fake, await real_bot(app, concurrency), texts)
        statements.stop()
        sent = [c for c in fake.calls[before:] if c.method == "sendMessage" and c.ok]
        answers = [str(c.params["text"]) for c in sent]
        same_answers_rate = await measure(
            fake, answering_bot({int(c.params["chat_id"]): c.params for c in sent}), texts
        )
    finally:
        await fake.close()
        await app.close()
    listing = sum(1 for text in answers if "<b>" in text)
    errors = sum(1 for text in answers if text.startswith("⚠️"))
    ratio = real_rate / echo_rate
    print(
        f"telegram /search throughput, {updates:,} updates, {members:,} members, "
        f"{url.split(':', 1)[0]}, long polling (getUpdates batches of 100)"
    )
    print(f"  alumni bot (run_telegram, {concurrency} chats at once) {real_rate:6.0f} updates/s")
    print(f"  bare PTB echo bot (baseline, sequential) {echo_rate:7.0f} updates/s")
    print(f"  ratio {ratio:.2f} (target >= 0.70: {'met' if ratio >= 0.7 else 'NOT met'})")
    print(
        f"  bare PTB sending the alumni bot's answers, no database {same_answers_rate:6.0f} "
        f"updates/s: {same_answers_rate / echo_rate:.2f} of the echo bot; the alumni bot "
        f"{real_rate / same_answers_rate:.2f} of it"
    )
    print(
        f"  answers {len(answers):,} (warm-up included), {listing:,} listing members, "
        f"{errors} errors, {statements.count / len(answers):.2f} SQL statements per answer"
    )
    return 0 if errors == 0 and listing else 1


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--concurrency", type=int, default=None, help="chats handled at once")
    args = parser.parse_args()
    url = args.db
    if not url:
        path = os.path.join(tempfile.mkdtemp(prefix="telegram-bench-"), "telegram.db")
        url = f"sqlite+aiosqlite:///{path}"
    sys.exit(asyncio.run(main(url, args.members, args.updates, args.concurrency)))


if __name__ == "__main__":
    cli()
