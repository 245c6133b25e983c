"""Coffee introductions: members of a chapter opt in and are paired every one, two or four
weeks (the chapter's choice), on Mondays at 10:00 in the chapter's time zone.

A round happens once: the scheduler's ``job_runs`` claim, the ``(country, local date)``
unique key of ``coffee_rounds`` and the outbox keys ``coffee:{round}:{member}`` each make a
repeated run a no-op. Pairs avoid the last ``RECENT_ROUNDS`` rounds while that is possible,
prefer people never met, and never join members who asked not to meet (or blocked one
another). Joining means a partner receives your chat handle each round: ``/coffee join``
says so.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..chat.callbacks import STALE_BUTTON
from ..chat.replies import Button, ButtonStyle, Reply
from ..db.base import insert_for, table_of
from ..db.models import (
    Chapter,
    CoffeeAvoid,
    CoffeeMatch,
    CoffeeMember,
    CoffeeRound,
    CoffeeSettings,
    Member,
    MemberBlock,
)
from ..delivery.fanout import Recipient, enqueue_many, recipients
from ..directory.introductions import contacts_of
from ..errors import UserError
from ..i18n import N_, country_name, gettext, isolate_for, use_locale
from .pairing import RECENT_ROUNDS, History, pair_members

__all__ = [
    "CADENCE_WEEKS",
    "DEFAULT_WEEKS",
    "HISTORY_ROUNDS",
    "ROUND_HOUR",
    "CoffeeStatus",
    "RoundResult",
    "avoid",
    "cadence_of",
    "coffee_status",
    "is_round_week",
    "join",
    "leave",
    "load_history",
    "mark_met",
    "next_round",
    "run_round",
    "set_cadence",
    "snooze",
]

CADENCE_WEEKS = (1, 2, 4)
DEFAULT_WEEKS = 2
ROUND_HOUR = 10  # local time, on Mondays
HISTORY_ROUNDS = 20  # rounds read back: the last RECENT_ROUNDS are avoided, the rest preferred
NOT_IN = N_("You are not in the coffee introductions of {country}.")


async def _chapter(session: AsyncSession, country_code: str) -> Chapter:
    chapter = await session.get(Chapter, country_code)
    if chapter is None:
        raise UserError(
            N_("The chapter of {country} is not open yet, so it has no coffee introductions."),
            country=country_name(country_code),
        )
    return chapter


async def cadence_of(session: AsyncSession, country_code: str) -> int:
    weeks = await session.scalar(
        select(CoffeeSettings.every_weeks).where(CoffeeSettings.country_code == country_code)
    )
    return weeks or DEFAULT_WEEKS


def is_round_week(local_day: dt.date, every_weeks: int) -> bool:
    """Rounds fall on the weeks counted from 1 January of year 1 that divide by the cadence,
    so every chapter with the same cadence meets the same weeks."""
    return ((local_day.toordinal() - 1) // 7) % every_weeks == 0


def next_round(chapter: Chapter, every_weeks: int, now: dt.datetime) -> dt.datetime:
    """The next round's time (UTC): a Monday at 10:00 local in a round week."""
    zone = zoneinfo.ZoneInfo(chapter.time_zone)
    local = now.astimezone(zone)
    day = local.date() - dt.timedelta(days=local.weekday())
    for _ in range(every_weeks + 2):
        moment = dt.datetime.combine(day, dt.time(ROUND_HOUR), tzinfo=zone)
        if moment > local and is_round_week(day, every_weeks):
            return moment.astimezone(dt.UTC)
        day += dt.timedelta(days=7)
    raise AssertionError("no round found")  # pragma: no cover


# --- a member's choices -------------------------------------------------------------------
async def join(
    session: AsyncSession, member_id: int, country_code: str, *, now: dt.datetime
) -> bool:
    """Opt in; False when the member was snoozed and is now back."""
    await _chapter(session, country_code)
    row = await session.get(CoffeeMember, (country_code, member_id), with_for_update=True)
    if row is not None:
        if row.snoozed_until is not None and row.snoozed_until > now:
            row.snoozed_until = None
            return False
        raise UserError(
            N_("You are already in the coffee introductions of {country}."),
            country=country_name(country_code),
        )
    session.add(CoffeeMember(country_code=country_code, member_id=member_id, joined_at=now))
    return True


async def leave(session: AsyncSession, member_id: int, country_code: str) -> None:
    result = await session.execute(
        delete(CoffeeMember).where(
            CoffeeMember.country_code == country_code, CoffeeMember.member_id == member_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise UserError(NOT_IN, country=country_name(country_code))


async def snooze(
    session: AsyncSession, member_id: int, country_code: str, weeks: int, *, now: dt.datetime
) -> dt.datetime:
    row = await session.get(CoffeeMember, (country_code, member_id), with_for_update=True)
    if row is None:
        raise UserError(NOT_IN, country=country_name(country_code))
    row.snoozed_until = now + dt.timedelta(weeks=weeks)
    return row.snoozed_until


async def set_cadence(
    session: AsyncSession, country_code: str, weeks: int, *, now: dt.datetime
) -> None:
    await _chapter(session, country_code)
    if weeks not in CADENCE_WEEKS:
        raise UserError(N_("Coffee rounds happen every 1, 2 or 4 weeks."))
    # One statement, so that two administrators choosing at once do not both insert the row.
    statement = insert_for(session)(CoffeeSettings).values(
        country_code=country_code, every_weeks=weeks, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CoffeeSettings.country_code],
            set_={"every_weeks": weeks, "updated_at": now},
        )
    )


@dataclass(frozen=True, slots=True)
class CoffeeStatus:
    country_code: str
    joined: bool
    snoozed_until: dt.datetime | None
    every_weeks: int
    next_round: dt.datetime
    time_zone: str
    last_partners: list[str]


async def coffee_status(
    session: AsyncSession, member_id: int, country_code: str, *, now: dt.datetime
) -> CoffeeStatus:
    chapter = await _chapter(session, country_code)
    row = await session.get(CoffeeMember, (country_code, member_id))
    weeks = await cadence_of(session, country_code)
    last = (
        await session.execute(
            select(CoffeeMatch.round_id, CoffeeMatch.group_no)
            .join(CoffeeRound, CoffeeRound.id == CoffeeMatch.round_id)
            .where(CoffeeMatch.member_id == member_id, CoffeeRound.country_code == country_code)
            .order_by(CoffeeRound.fired_at.desc())
            .limit(1)
        )
    ).first()
    partners: list[str] = []
    if last is not None:
        partners = list(
            (
                await session.scalars(
                    select(Member.full_name)
                    .join(CoffeeMatch, CoffeeMatch.member_id == Member.id)
                    .where(
                        CoffeeMatch.round_id == last.round_id,
                        CoffeeMatch.group_no == last.group_no,
                        Member.id != member_id,
                    )
                    .order_by(Member.id)
                )
            ).all()
        )
    snoozed = row.snoozed_until if row and row.snoozed_until and row.snoozed_until > now else None
    return CoffeeStatus(
        country_code=country_code,
        joined=row is not None,
        snoozed_until=snoozed,
        every_weeks=weeks,
        next_round=next_round(chapter, weeks, now),
        time_zone=chapter.time_zone,
        last_partners=partners,
    )


async def avoid(session: AsyncSession, member_id: int, other_id: int, *, now: dt.datetime) -> str:
    """Never pair ``member_id`` with ``other_id`` again; returns the other's name. Only a
    past partner can be named (the button is on the introduction)."""
    other = aliased(CoffeeMatch)
    shared = await session.scalar(
        select(func.count())
        .select_from(CoffeeMatch)
        .join(
            other,
            (other.round_id == CoffeeMatch.round_id) & (other.group_no == CoffeeMatch.group_no),
        )
        .where(CoffeeMatch.member_id == member_id, other.member_id == other_id)
    )
    person = await session.get(Member, other_id)
    if not shared or person is None or member_id == other_id:
        raise UserError(STALE_BUTTON)
    exists = await session.scalar(
        select(CoffeeAvoid.id).where(
            CoffeeAvoid.member_id == member_id, CoffeeAvoid.avoided_id == other_id
        )
    )
    if exists is None:
        session.add(CoffeeAvoid(member_id=member_id, avoided_id=other_id, created_at=now))
    return person.full_name


async def mark_met(session: AsyncSession, member_id: int, round_id: int) -> None:
    result = await session.execute(
        update(CoffeeMatch)
        .where(CoffeeMatch.round_id == round_id, CoffeeMatch.member_id == member_id)
        .values(met=True)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise UserError(STALE_BUTTON)


# --- a round ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RoundResult:
    round_id: int
    groups: list[list[int]]
    unmatched: list[int]
    queued: int


async def load_history(
    session: AsyncSession, country_code: str, before: dt.datetime
) -> list[list[list[int]]]:
    """The groups of the chapter's last ``HISTORY_ROUNDS`` rounds, newest first."""
    round_ids = (
        await session.scalars(
            select(CoffeeRound.id)
            .where(CoffeeRound.country_code == country_code, CoffeeRound.fired_at < before)
            .order_by(CoffeeRound.fired_at.desc())
            .limit(HISTORY_ROUNDS)
        )
    ).all()
    by_round: dict[int, dict[int, list[int]]] = {r: {} for r in round_ids}
    if round_ids:
        for round_id, group_no, member_id in await session.execute(
            select(CoffeeMatch.round_id, CoffeeMatch.group_no, CoffeeMatch.member_id).where(
                CoffeeMatch.round_id.in_(round_ids)
            )
        ):
            by_round[round_id].setdefault(group_no, []).append(member_id)
    return [list(by_round[r].values()) for r in round_ids]


async def _forbidden(session: AsyncSession, pool: Sequence[int]) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    members = set(pool)
    for start in range(0, len(pool), 500):
        chunk = pool[start : start + 500]
        for a, b in await session.execute(
            select(CoffeeAvoid.member_id, CoffeeAvoid.avoided_id).where(
                CoffeeAvoid.member_id.in_(chunk)
            )
        ):
            if b in members:
                pairs.append((a, b))
        for a, b in await session.execute(
            select(MemberBlock.blocker_id, MemberBlock.blocked_id).where(
                MemberBlock.blocker_id.in_(chunk)
            )
        ):
            if b in members:
                pairs.append((a, b))
    return pairs


async def run_round(
    session: AsyncSession, country_code: str, fire_time: dt.datetime, *, now: dt.datetime
) -> RoundResult | None:
    """Pair the chapter's members for the round of ``fire_time`` and queue the
    introductions; None when it is not a round week or the round exists already."""
    chapter = await session.get(Chapter, country_code)
    if chapter is None:
        return None
    local_day = fire_time.astimezone(zoneinfo.ZoneInfo(chapter.time_zone)).date()
    if not is_round_week(local_day, await cadence_of(session, country_code)):
        return None
    created = await session.execute(
        insert_for(session)(CoffeeRound)
        .values(
            country_code=country_code,
            round_key=local_day.isoformat(),
            fired_at=fire_time,
            groups=0,
        )
        .on_conflict_do_nothing(index_elements=["country_code", "round_key"])
    )
    if not created.rowcount:  # type: ignore[attr-defined]
        return None
    round_ = await session.scalar(
        select(CoffeeRound).where(
            CoffeeRound.country_code == country_code,
            CoffeeRound.round_key == local_day.isoformat(),
        )
    )
    assert round_ is not None
    names = dict(
        (
            await session.execute(
                select(Member.id, Member.full_name)
                .join(CoffeeMember, CoffeeMember.member_id == Member.id)
                .where(
                    CoffeeMember.country_code == country_code,
                    Member.erased_at.is_(None),
                    or_(
                        CoffeeMember.snoozed_until.is_(None),
                        CoffeeMember.snoozed_until <= fire_time,
                    ),
                )
            )
        ).all()
    )
    pool = sorted(names)
    history = History.from_rounds(
        await load_history(session, country_code, fire_time),
        forbidden=await _forbidden(session, pool),
        recent_rounds=RECENT_ROUNDS,
    )
    groups = pair_members(pool, history, seed=round_.id)
    paired = {m for g in groups for m in g}
    round_.groups = len(groups)
    rows = [
        {"round_id": round_.id, "member_id": m, "group_no": number, "met": None}
        for number, group in enumerate(groups, start=1)
        for m in group
    ]
    for start in range(0, len(rows), 2_000):
        await session.execute(insert(table_of(CoffeeMatch)), rows[start : start + 2_000])
    queued = await _introduce(session, round_.id, groups, names, now=now)
    return RoundResult(
        round_id=round_.id,
        groups=groups,
        unmatched=[m for m in pool if m not in paired],
        queued=queued,
    )


async def _introduce(
    session: AsyncSession,
    round_id: int,
    groups: list[list[int]],
    names: dict[int, str],
    *,
    now: dt.datetime,
) -> int:
    """One message per member: who they meet, how to reach them, and two buttons."""
    everyone = [m for g in groups for m in g]
    contacts = await contacts_of(session, everyone)
    partners = {m: [o for o in g if o != m] for g in groups for m in g}
    found = []
    for start in range(0, len(everyone), 2_000):
        chunk = everyone[start : start + 2_000]
        found.extend(await recipients(session, select(Member.id).where(Member.id.in_(chunk))))
    messages = []
    by_locale: dict[str, list[Recipient]] = {}
    for recipient in found:
        by_locale.setdefault(recipient.locale, []).append(recipient)
    for locale, group in by_locale.items():
        with use_locale(locale):  # once per language: entering a locale is not free
            for recipient in group:
                reply = _introduction(round_id, partners[recipient.member_id], names, contacts)
                key = f"coffee:{round_id}:{recipient.member_id}"
                messages.append((key, recipient.target, reply))
    return await enqueue_many(session, messages, kind="coffee", now=now, batch=f"coffee:{round_id}")


def _introduction(
    round_id: int, others: list[int], names: dict[int, str], contacts: dict[int, list[str]]
) -> Reply:
    shown = [isolate_for(names.get(o, "")) for o in others]
    lines = [
        gettext("Coffee introductions: this round you meet {names}.", names=", ".join(shown)),
        gettext("Reach them here:"),
    ]
    for other, name in zip(others, shown, strict=True):
        found = contacts.get(other) or [gettext("(no chat account linked yet)")]
        lines.extend(f"{name} · {line}" for line in found)
    lines.append(gettext("Suggest a coffee or a video call in the coming days."))
    buttons = [
        Button(
            gettext("We met"), action="coffee.met", payload=str(round_id), style=ButtonStyle.PRIMARY
        ),
        *(
            Button(
                gettext("Not again with {name}", name=name), action="coffee.avoid", payload=str(o)
            )
            for o, name in zip(others, shown, strict=True)
        ),
    ]
    return Reply(text="\n".join(lines), buttons=tuple(buttons))
