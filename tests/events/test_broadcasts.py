"""Broadcasts: a preview first, then 1,000 messages through the outbox with progress."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.bootstrap import App
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.delivery.limits import PlatformLimits
from core.delivery.senders import Outcome, SendResult
from core.domain import Platform
from core.i18n import gettext, ngettext, use_locale
from tests.delivery.test_worker import ScriptedSender, _drain, _worker
from tests.events.conftest import Cast, many_members
from tests.helpers import press, say


async def _outbox(app: App) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


async def test_a_broadcast_is_only_a_preview_until_its_author_confirms(
    cast: Cast, seeded: App
) -> None:
    [preview] = await say(seeded, cast.country_admin, "/broadcast PT Reunião na embaixada")
    assert not preview.error, preview.text
    assert "Reunião na embaixada" in preview.cards[0].body
    [confirm] = preview.buttons
    assert confirm.action == "broadcast.confirm"
    assert await _outbox(seeded) == 0  # nothing sent without confirmation


async def test_a_country_admin_cannot_broadcast_to_another_country(cast: Cast, seeded: App) -> None:
    [refused] = await say(seeded, cast.other_country_admin, "/broadcast PT Hello")
    assert refused.error
    [member] = await say(seeded, cast.member, "/broadcast PT Hello")
    assert member.error
    [preview] = await say(seeded, cast.country_admin, "/broadcast PT Hello")
    [stolen] = await press(
        seeded, cast.other_country_admin, "broadcast.confirm", preview.buttons[0].payload
    )
    assert stolen.error
    assert await _outbox(seeded) == 0


async def test_a_broadcast_to_1000_members_shows_progress_then_a_final_report(
    cast: Cast, seeded: App, clock: FakeClock
) -> None:
    ids = await many_members(seeded, 1000, languages=("pt", "fr", "en"))
    [preview] = await say(
        seeded, cast.country_admin, "/broadcast PT Festa da Francofonia city:Porto"
    )
    assert "1\u202f000" in preview.text  # 1 000 as French writes it (babel)
    [started] = await press(
        seeded, cast.country_admin, "broadcast.confirm", preview.buttons[0].payload
    )
    with use_locale("fr"):
        assert started.text == gettext(
            "{sent} / {total} sent, {unreachable} unreachable",
            sent="0",
            total="1\u202f000",
            unreachable="0",
        )
    [refresh] = started.buttons
    async with seeded.db.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.key, OutboxMessage.reply, OutboxMessage.batch).where(
                    OutboxMessage.kind == "broadcast"
                )
            )
        ).all()
    assert len(rows) == 1000
    assert {r.batch for r in rows} == {f"broadcast:{refresh.payload}"}
    assert {r.key for r in rows} == {f"broadcast:{refresh.payload}:{i}" for i in ids}
    # The text is the admin's; the frame is in each member's language (pt, fr, en).
    assert all("Festa da Francofonia" in r.reply["text"] for r in rows)
    assert len({r.reply["text"].split("\n")[0] for r in rows}) >= 1
    # Confirming twice sends nothing more.
    await press(seeded, cast.country_admin, "broadcast.confirm", preview.buttons[0].payload)
    assert await _outbox(seeded) == 1000

    blocked = {f"broadcast:{refresh.payload}:{i}" for i in ids[:3]}
    sender = ScriptedSender(
        limits=PlatformLimits(per_second=10_000),
        platform=Platform.CONSOLE,
        script={key: [SendResult(Outcome.UNREACHABLE, detail="blocked")] for key in blocked},
    )
    worker = _worker(seeded, sender, clock)
    worker.batch_size = 400
    await worker.run_once()
    [midway] = await press(seeded, cast.country_admin, "broadcast.progress", refresh.payload)
    assert midway.buttons  # still running: a refresh button
    await _drain(worker, clock, rounds=20)
    [final] = await press(seeded, cast.country_admin, "broadcast.progress", refresh.payload)
    assert not final.buttons
    with use_locale("fr"):
        assert final.text == ngettext(
            "Broadcast #{id} finished for {count} member: {sent} sent, "
            "{unreachable} unreachable, {failed} failed.",
            "Broadcast #{id} finished for {count} members: {sent} sent, "
            "{unreachable} unreachable, {failed} failed.",
            1000,
            id=int(refresh.payload),
            sent="997",
            unreachable="3",
            failed="0",
        )
    assert clock.now() - dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) < dt.timedelta(hours=1)
