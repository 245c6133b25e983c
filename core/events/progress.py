"""A broadcast's live progress: the message its author confirmed on is edited in place as
the senders go, then replaced by the final report.

The senders call ``BroadcastProgress`` (a ``Worker`` progress callback) whenever results of a
broadcast's messages are committed, in whichever process sends them. Each report is an
outbox message of kind ``edit`` that replaces the author's message (``edit_of``), keyed by
the broadcast and the number of messages handled so far, so that it is queued once. Reports
never go backwards, also with several senders or after a crash:

* the broadcast row is locked while a report is decided, and ``progress_done`` (the count
  last shown) only grows;
* one report is in flight at a time: the next is queued only once the previous one has been
  sent or given up (its own result calls back here, so the last word is never lost);
* the final report is the last: nothing is queued after it;
* once the platform refuses an edit for good (the message was deleted, the chat blocked),
  the report stops rather than failing again at every step.

Between two reports at least ``every`` passes (platforms limit edits as they limit messages:
about one a second per chat), except for the final report, which goes out as soon as the
report before it is out.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Button, Reply
from ..clock import Clock
from ..db import Database
from ..db.models import Broadcast, OutboxMessage, PlatformAccount
from ..delivery.outbox import Target, enqueue, member_target
from ..delivery.status import BatchProgress, batch_progress
from ..i18n import format_number, gettext, ngettext, use_locale

__all__ = [
    "EDIT_KIND",
    "PROGRESS",
    "REPORT_EVERY",
    "BroadcastProgress",
    "progress_reply",
    "report_progress",
]

log = logging.getLogger(__name__)

PROGRESS = "broadcast.progress"  # the refresh button's action
EDIT_KIND = "edit"
REPORT_EVERY = dt.timedelta(seconds=3)
_BATCH_PREFIX = "broadcast:"
_REPORT_PREFIX = "broadcast-progress:"  # the reports' own batch: their results call back too
# An edit of a live report is queued as due one second before its broadcast's own messages:
# the senders take the longest-waiting messages first, so it is not stuck behind the batch.
_AHEAD = dt.timedelta(seconds=1)


def progress_reply(broadcast_id: int, progress: BatchProgress, *, live: bool = False) -> Reply:
    """The author's view of a broadcast: counts so far, or the final report. ``live``: the
    senders keep the message up to date, so it needs no refresh button."""
    if progress.done:
        return Reply(
            text=ngettext(
                "Broadcast #{id} finished for {count} member: {sent} sent, "
                "{unreachable} unreachable, {failed} failed.",
                "Broadcast #{id} finished for {count} members: {sent} sent, "
                "{unreachable} unreachable, {failed} failed.",
                progress.total,
                id=broadcast_id,
                sent=format_number(progress.sent),
                unreachable=format_number(progress.unreachable),
                failed=format_number(progress.failed),
            ),
            replaces=True,
        )
    text = gettext(
        "{sent} / {total} sent, {unreachable} unreachable",
        sent=format_number(progress.sent),
        total=format_number(progress.total),
        unreachable=format_number(progress.unreachable),
    )
    if live:
        return Reply(text=text, replaces=True)
    return Reply(
        text=text,
        buttons=(Button(gettext("Refresh progress"), action=PROGRESS, payload=str(broadcast_id)),),
        replaces=True,
    )


def _report_key(broadcast_id: int, handled: int, final: bool) -> str:
    return f"{_REPORT_PREFIX}{broadcast_id}:{'final' if final else handled}"


def _broadcast_id(batch: str) -> int | None:
    for prefix in (_BATCH_PREFIX, _REPORT_PREFIX):
        if batch.startswith(prefix) and batch[len(prefix) :].isdigit():
            return int(batch[len(prefix) :])
    return None


async def report_progress(
    session: AsyncSession,
    broadcast_id: int,
    *,
    now: dt.datetime,
    every: dt.timedelta = REPORT_EVERY,
) -> str | None:
    """Queue the next edit of the broadcast's progress message if one is due; its key, or
    None when nothing is to be shown (yet)."""
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    )
    if (
        broadcast is None
        or broadcast.state != "sent"
        or broadcast.progress_platform is None
        or broadcast.progress_message_id is None
        or broadcast.author_id is None
        or broadcast.confirmed_at is None
    ):
        return None
    if broadcast.progress_key is not None:
        if broadcast.progress_key == _report_key(broadcast.id, 0, final=True):
            return None  # the final report is the last word
        in_flight = await session.scalar(
            select(OutboxMessage.state).where(OutboxMessage.key == broadcast.progress_key)
        )
        if in_flight in ("pending", "sending"):
            return None  # its result calls back here
        if in_flight in ("failed", "unreachable"):
            return None  # the message is gone or cannot be edited: no more edits
    batch = f"{_BATCH_PREFIX}{broadcast.id}"
    if broadcast.progress_at is not None and now - broadcast.progress_at < every:
        # Too soon for another step: only the final report may go, once nothing is left.
        waiting = await session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.batch == batch, OutboxMessage.state.in_(("pending", "sending")))
            .limit(1)
        )
        if waiting is not None:
            return None
    progress = await batch_progress(session, batch)
    handled = progress.sent + progress.unreachable + progress.failed
    if not progress.done and (
        handled <= broadcast.progress_done
        or (broadcast.progress_at is not None and now - broadcast.progress_at < every)
    ):
        return None
    account = (
        await session.execute(
            select(PlatformAccount.user_id, PlatformAccount.workspace)
            .where(
                PlatformAccount.member_id == broadcast.author_id,
                PlatformAccount.platform == broadcast.progress_platform,
            )
            .order_by(PlatformAccount.created_at.desc(), PlatformAccount.id.desc())
            .limit(1)
        )
    ).first()
    reached = await member_target(session, broadcast.author_id)
    if account is None or reached is None:
        return None
    with use_locale(reached[1]):
        reply = progress_reply(broadcast.id, progress, live=True)
    key = _report_key(broadcast.id, handled, final=progress.done)
    await enqueue(
        session,
        key=key,
        kind=EDIT_KIND,
        target=Target.user(broadcast.progress_platform, account.user_id, account.workspace),
        reply=reply,
        now=now,
        batch=f"{_REPORT_PREFIX}{broadcast.id}",
        not_before=min(now, broadcast.confirmed_at - _AHEAD),
        edit_of=broadcast.progress_message_id,
    )
    broadcast.progress_key = key
    broadcast.progress_done = max(broadcast.progress_done, handled)
    broadcast.progress_at = now
    return key


class BroadcastProgress:
    """The senders' progress callback (``Worker(on_progress=...)``) for broadcasts."""

    def __init__(self, db: Database, clock: Clock, *, every: dt.timedelta = REPORT_EVERY):
        self.db = db
        self.clock = clock
        self.every = every

    async def __call__(self, batches: frozenset[str]) -> None:
        for broadcast_id in sorted({b for b in map(_broadcast_id, batches) if b is not None}):
            async with self.db.sessions.begin() as session:
                await report_progress(session, broadcast_id, now=self.clock.now(), every=self.every)
