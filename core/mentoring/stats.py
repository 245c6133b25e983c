"""Mentoring and coffee figures for a chapter's admins (or the whole network)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import CoffeeMatch, CoffeeRound, Member, MentorProfile, MentorRequest
from ..domain import Visibility
from .mentors import inactive_mentors

__all__ = ["MentoringStats", "mentoring_stats"]


@dataclass(frozen=True, slots=True)
class MentoringStats:
    mentors_active: int  # listed, not paused, answering their requests
    requests: int
    accepted: int
    answered: int
    coffee_pairs: int  # pairs and trios made, all rounds
    coffee_met: int  # of which at least one member said "we met"

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.answered if self.answered else None


async def mentoring_stats(
    session: AsyncSession, country_code: str | None, *, now: dt.datetime
) -> MentoringStats:
    mentors: list[Any] = [
        Member.erased_at.is_(None),
        Member.directory_consent.is_(True),
        Member.visibility == Visibility.LISTED,
    ]
    if country_code:
        mentors.append(Member.country_code == country_code)
    active = await session.scalar(
        select(func.count())
        .select_from(MentorProfile)
        .join(Member, Member.id == MentorProfile.member_id)
        .where(
            *mentors,
            MentorProfile.paused.is_(False),
            MentorProfile.member_id.not_in(inactive_mentors(now)),
        )
    )
    requests = select(MentorRequest.state, func.count()).join(
        Member, Member.id == MentorRequest.mentor_id
    )
    if country_code:
        requests = requests.where(Member.country_code == country_code)
    by_state = dict((await session.execute(requests.group_by(MentorRequest.state))).all())
    rounds = select(CoffeeRound.id)
    if country_code:
        rounds = rounds.where(CoffeeRound.country_code == country_code)
    pairs = await session.scalar(
        select(func.coalesce(func.sum(CoffeeRound.groups), 0)).where(
            CoffeeRound.id.in_(rounds.scalar_subquery())
        )
    )
    met_groups = (
        select(CoffeeMatch.round_id, CoffeeMatch.group_no)
        .where(CoffeeMatch.met.is_(True), CoffeeMatch.round_id.in_(rounds.scalar_subquery()))
        .distinct()
        .subquery()
    )
    met = await session.scalar(select(func.count()).select_from(met_groups))
    accepted = by_state.get("accepted", 0)
    return MentoringStats(
        mentors_active=active or 0,
        requests=sum(by_state.values()),
        accepted=accepted,
        answered=accepted + by_state.get("declined", 0),
        coffee_pairs=int(pairs or 0),
        coffee_met=met or 0,
    )
