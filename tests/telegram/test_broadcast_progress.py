"""A country admin confirms a broadcast on Telegram: the preview turns into the progress
report, which the delivery Worker's Telegram sender keeps editing (editMessageText on the
same message) until the final report, in the admin's language."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re

from sqlalchemy import select

from bots.telegram import TelegramSender
from core.bootstrap import App
from core.clock import FakeClock
from core.db.models import Broadcast
from core.delivery.worker import Worker
from core.domain import Platform
from core.events.progress import BroadcastProgress
from core.i18n import gettext, ngettext, use_locale
from tests.events.conftest import Cast, cast, many_members  # noqa: F401 - cast is a fixture

from .conftest import RunningBot
from .fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for
from .test_polling import _buttons, _next_send
from .test_scenarios import ATTACHE, _edits, link_by_name

MEMBERS = 240


async def test_the_admins_message_is_edited_with_live_progress_then_the_final_report(
    cast: Cast,  # noqa: F811
    seeded: App,
    clock: FakeClock,
    fake_api: FakeBotApi,
    polling_bot: RunningBot,
) -> None:
    await link_by_name(seeded, cast.country_admin, ATTACHE)
    await many_members(seeded, MEMBERS, platform=Platform.TELEGRAM, languages=("pt", "en"))
    await fake_api.push_message("/broadcast PT Festa da Francofonia city:Porto", user_id=ATTACHE)
    await _next_send(fake_api, ATTACHE, 0)
    draft = fake_api.last_message(ATTACHE)
    [confirm] = _buttons(draft).values()
    await fake_api.push_callback(confirm, user_id=ATTACHE, message=draft)
    await wait_for(lambda: _edits(fake_api, ATTACHE, draft["message_id"]))
    with use_locale("fr"):  # the attaché writes French
        assert _edits(fake_api, ATTACHE, draft["message_id"]) == [
            html.escape(
                gettext(
                    "{sent} / {total} sent, {unreachable} unreachable",
                    sent="0",
                    total=str(MEMBERS),
                    unreachable="0",
                )
            )
        ]
    assert not _buttons(fake_api.last_message(ATTACHE))  # kept up to date: no refresh button

    sender = TelegramSender(seeded, token=BOT_TOKEN, api_url=fake_api.api_url)

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    worker = Worker(
        seeded.db,
        sender,
        worker_id="telegram-progress",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
        batch_size=40,
        on_progress=BroadcastProgress(seeded.db, clock),
    )
    try:
        for _ in range(100):
            if not await worker.run_once():
                clock.advance(dt.timedelta(seconds=1))
    finally:
        await sender.close()

    async with seeded.db.sessions() as session:
        broadcast_id = await session.scalar(select(Broadcast.id))
    assert len(fake_api.calls_to("sendMessage")) == 1 + MEMBERS  # the preview, the members
    edits = _edits(fake_api, ATTACHE, draft["message_id"])
    live, final = edits[1:-1], edits[-1]
    assert len(live) >= 2
    counts = [int(re.sub(r"\D", "", text.split(" / ")[0])) for text in live]
    assert counts == sorted(counts) and counts[0] > 0 and counts[-1] <= MEMBERS
    with use_locale("fr"):
        expected = ngettext(
            "Broadcast #{id} finished for {count} member: {sent} sent, "
            "{unreachable} unreachable, {failed} failed.",
            "Broadcast #{id} finished for {count} members: {sent} sent, "
            "{unreachable} unreachable, {failed} failed.",
            MEMBERS,
            id=broadcast_id,
            sent=str(MEMBERS),
            unreachable="0",
            failed="0",
        )
    assert final == html.escape(expected)
    assert fake_api.last_message(ATTACHE)["text"] == final
