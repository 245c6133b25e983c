"""Figures for admins: members by city and sector, growth per month, event attendance,
offer views; for one country or the whole network. A PNG chart when matplotlib is there."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Event, Member, Offer, OfferView, Rsvp
from ..domain import Visibility
from .events import RsvpStatus

__all__ = ["ChartPanel", "Stats", "chart_png", "network_stats"]

TOP = 10
MONTHS = 6


@dataclass(frozen=True, slots=True)
class Stats:
    country_code: str | None
    members: int
    by_city: list[tuple[str, int]]
    by_sector: list[tuple[str, int]]
    growth: list[tuple[dt.date, int]]  # first day of the month, new members
    attendance: list[tuple[int, dict[str, str], int]]  # event id, titles, going
    offer_views: int


def _month_starts(now: dt.datetime) -> list[dt.datetime]:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = [first]
    for _ in range(MONTHS - 1):
        previous = months[-1] - dt.timedelta(days=1)
        months.append(previous.replace(day=1))
    return list(reversed(months))


async def network_stats(
    session: AsyncSession, country_code: str | None, *, now: dt.datetime
) -> Stats:
    alive: list[Any] = [Member.erased_at.is_(None)]
    if country_code:
        alive.append(Member.country_code == country_code)
    members = await session.scalar(select(func.count()).select_from(Member).where(*alive)) or 0
    # A city is part of the directory profile: only members listed there are counted by
    # city, or a hidden member alone in a town would show in the figures.
    listed = [*alive, Member.directory_consent.is_(True), Member.visibility == Visibility.LISTED]
    by_city = [
        (city or "—", count)
        for city, count in await session.execute(
            select(Member.city, func.count())
            .where(*listed)
            .group_by(Member.city)
            .order_by(func.count().desc(), Member.city)
            .limit(TOP)
        )
    ]
    by_sector = [
        (sector or "—", count)
        for sector, count in await session.execute(
            select(Member.sector, func.count())
            .where(*alive)
            .group_by(Member.sector)
            .order_by(func.count().desc(), Member.sector)
            .limit(TOP)
        )
    ]
    starts = _month_starts(now)
    growth = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else now + dt.timedelta(seconds=1)
        count = await session.scalar(
            select(func.count())
            .select_from(Member)
            .where(*alive, Member.created_at >= start, Member.created_at < end)
        )
        growth.append((start.date(), count or 0))
    events = select(Event.id, Event.titles, func.count(Rsvp.member_id)).outerjoin(
        Rsvp, (Rsvp.event_id == Event.id) & (Rsvp.status == RsvpStatus.GOING)
    )
    if country_code:
        events = events.where(Event.country_code == country_code)
    attendance = [
        (event_id, dict(titles), going)
        for event_id, titles, going in await session.execute(
            events.where(Event.starts_at >= now - dt.timedelta(days=90))
            .group_by(Event.id, Event.titles)
            .order_by(Event.starts_at.desc())
            .limit(TOP)
        )
    ]
    views = (
        select(func.count())
        .select_from(OfferView)
        .where(OfferView.viewed_at >= now - dt.timedelta(days=30))
    )
    if country_code:
        views = views.join(Offer, Offer.id == OfferView.offer_id).where(
            Offer.country_code == country_code
        )
    return Stats(
        country_code=country_code,
        members=members,
        by_city=by_city,
        by_sector=by_sector,
        growth=growth,
        attendance=attendance,
        offer_views=await session.scalar(views) or 0,
    )


@dataclass(frozen=True, slots=True)
class ChartPanel:
    """One panel of the chart: a translated title and (label, value) bars."""

    title: str
    bars: list[tuple[str, int]]
    horizontal: bool = True


def chart_png(title: str, panels: list[ChartPanel]) -> bytes | None:
    """The figures as one PNG (a panel each, labels as given: already translated); None
    where matplotlib is not installed. Uses a ``Figure`` of its own (no pyplot state), so
    it can run in a worker thread."""
    if importlib.util.find_spec("matplotlib") is None:
        return None
    from matplotlib.figure import Figure  # type: ignore[import-not-found,unused-ignore]
    from matplotlib.ticker import MaxNLocator  # type: ignore[import-not-found,unused-ignore]

    figure = Figure(figsize=(11, 7.5), dpi=100)
    figure.suptitle(title)
    axes = figure.subplots(2, 2).flatten()
    for ax, panel in zip(axes, panels, strict=False):
        ax.set_title(panel.title, fontsize=10)
        labels = [_short(label) for label, _ in panel.bars] or ["—"]
        values = [value for _, value in panel.bars] or [0]
        if panel.horizontal:
            ax.barh(labels[::-1], values[::-1], color="#1f4e99")
        else:
            ax.bar(labels, values, color="#1f4e99")
            ax.tick_params(axis="x", labelrotation=45)
        ax.tick_params(labelsize=8)
        (ax.xaxis if panel.horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
