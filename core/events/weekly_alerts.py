"""Weekly offer alerts for the members no chapter digest reaches.

A weekly alert is answered inside the member's chapter digest when they receive one. Members
who do not (no ``/digest on``, or no chapter open in their country yet) get one message a
week with the offers of the week matching their weekly alerts, computed like the digests:
the week's offers are loaded once and indexed by alert key, then each alert looks only at
its own key.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.replies import Card, Reply
from ..db.models import Alert, Chapter, DigestSubscription, Member
from ..delivery.outbox import notify_member
from ..i18n import gettext, isolate_for, ngettext
from ..offers.domain import AlertFrequency
from .digests import OFFERS_PER_DIGEST, OfferLine, load_offer_index

__all__ = ["WEEK", "queue_weekly_alerts", "weekly_alerts_reply"]

WEEK = dt.timedelta(days=7)


def weekly_alerts_reply(offers: list[OfferLine]) -> Reply:
    """The week's matching offers, in the current locale."""
    return Reply(
        text=ngettext(
            "{count} new offer this week matches your weekly alerts (/alerts to manage them):",
            "{count} new offers this week match your weekly alerts (/alerts to manage them):",
            len(offers),
        ),
        cards=(
            Card(
                title=gettext("New offers matching your alerts"),
                body="\n".join(
                    f"• {isolate_for(o.title)} — {isolate_for(o.organisation)} "
                    f"(/offers show {o.id})"
                    for o in offers
                ),
            ),
        ),
    )


async def queue_weekly_alerts(session: AsyncSession, *, fire_time: dt.datetime) -> int:
    """Queue this week's message for every member with matching weekly alerts whom no
    digest reaches; at most once per member and ISO week (the outbox key). The count."""
    index = await load_offer_index(session, fire_time - WEEK, now=fire_time)
    if not index.by_key:
        return 0
    in_a_digest = (
        select(DigestSubscription.member_id)
        .join(Member, Member.id == DigestSubscription.member_id)
        .join(Chapter, Chapter.country_code == Member.country_code)
    )
    rows = await session.execute(
        select(Alert.member_id, Alert.match_key, Alert.match_word, Alert.terms)
        .join(Member, Member.id == Alert.member_id)
        .where(
            Alert.frequency == AlertFrequency.WEEKLY,
            Member.erased_at.is_(None),
            Alert.member_id.not_in(in_a_digest),
        )
        .order_by(Alert.member_id, Alert.id)
    )
    found: dict[int, list[OfferLine]] = {}
    for member_id, match_key, match_word, terms in rows:
        lines = found.setdefault(member_id, [])
        for line in index.matches(match_key, match_word, terms):
            if len(lines) >= OFFERS_PER_DIGEST:
                break
            if all(line.id != seen.id for seen in lines):
                lines.append(line)
    year, week, _ = fire_time.isocalendar()
    queued = 0
    for member_id, lines in found.items():
        if lines:
            queued += await notify_member(
                session,
                member_id,
                key=f"weekly-alerts:{member_id}:{year}-W{week:02d}",
                kind="alert",
                build=partial(weekly_alerts_reply, lines),
                now=fire_time,
            )
    return queued
