"""Mentors: profiles, finding one, requests with accept or decline, the two-week follow-up.

A mentor is found through the directory, so only a member listed there can be one, and a
request to a mentor who is hidden, erased or who blocked the asker looks like one to nobody.
Contacts pass only on acceptance (``contacts_of``, as for introductions). A mentor with a
request left unanswered for ``INACTIVE_AFTER`` is hidden from searches until they answer it:
a rule applied when searching, so there is no job to run and nothing to undo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.callbacks import STALE_BUTTON
from ..chat.replies import Button, ButtonStyle, Reply
from ..db.models import (
    Education,
    MemberBlock,
    MentorProfile,
    MentorRequest,
    Organisation,
)
from ..db.models import Member as MemberRow
from ..delivery import notify_member
from ..directory.introductions import MAX_MESSAGE, contacts_of
from ..domain import Visibility, fold
from ..errors import CountedUserError, UserError
from ..i18n import N_, gettext, isolate_for
from .vocabulary import CADENCES, TOPICS, topic_label

__all__ = [
    "FOLLOW_UP_AFTER",
    "INACTIVE_AFTER",
    "MENTORSHIP_LENGTH",
    "MentorMatch",
    "MentorQuery",
    "answer_request",
    "find_mentors",
    "first_step",
    "inactive_mentors",
    "load_mentor",
    "queue_follow_ups",
    "record_meeting",
    "request_mentoring",
    "save_mentor",
    "set_paused",
]

INACTIVE_AFTER = dt.timedelta(days=14)  # a request unanswered this long hides the mentor
FOLLOW_UP_AFTER = dt.timedelta(days=14)  # "did you meet?"
MENTORSHIP_LENGTH = dt.timedelta(days=90)  # an accepted mentee holds a place this long
MAX_CAPACITY = 10
MAX_ABOUT = 300
RESULTS = 10
NOT_A_MENTOR = N_("This member is not a mentor, or cannot be found.")
NOT_TAKING = N_("{name} is not taking new mentees right now.")


def _listed() -> list[ColumnElement[bool]]:
    return [
        MemberRow.erased_at.is_(None),
        MemberRow.directory_consent.is_(True),
        MemberRow.visibility == Visibility.LISTED,
    ]


def inactive_mentors(now: dt.datetime) -> Any:
    """Mentors with a request older than ``INACTIVE_AFTER`` still waiting for an answer."""
    return select(MentorRequest.mentor_id).where(
        MentorRequest.state == "pending", MentorRequest.created_at < now - INACTIVE_AFTER
    )


def _ongoing(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        MentorRequest.state == "accepted",
        MentorRequest.answered_at > now - MENTORSHIP_LENGTH,
    ]


async def load_mentor(session: AsyncSession, member_id: int) -> MentorProfile | None:
    return await session.get(MentorProfile, member_id)


async def save_mentor(
    session: AsyncSession,
    member_id: int,
    *,
    topics: Sequence[str],
    languages: Sequence[str],
    capacity: int,
    cadence: str,
    about: str,
    now: dt.datetime,
) -> tuple[MentorProfile, bool]:
    """Create or update the member's mentor profile; True when it is new."""
    member = await session.get(MemberRow, member_id)
    if member is None or not all(
        (member.erased_at is None, member.directory_consent, member.visibility is Visibility.LISTED)
    ):
        raise UserError(
            N_(
                "Mentors are found through the directory: first list yourself with "
                "/profile visibility listed."
            )
        )
    if not 1 <= capacity <= MAX_CAPACITY:
        raise UserError(
            N_("The number of mentees is a whole number from 1 to {limit}."), limit=MAX_CAPACITY
        )
    if cadence not in CADENCES or any(t not in TOPICS for t in topics) or not topics:
        raise UserError(STALE_BUTTON)
    about = about.strip()
    if len(about) > MAX_ABOUT:
        raise CountedUserError(
            "Your message is too long ({count} character); the limit is {limit}.",
            "Your message is too long ({count} characters); the limit is {limit}.",
            len(about),
            limit=MAX_ABOUT,
        )
    profile = await session.get(MentorProfile, member_id, with_for_update=True)
    created = profile is None
    if profile is None:
        profile = MentorProfile(member_id=member_id, created_at=now, paused=False)
        session.add(profile)
    profile.topics = list(topics)
    profile.languages = list(languages) or list(member.languages or [])
    profile.capacity = capacity
    profile.cadence = cadence
    profile.about = about
    profile.updated_at = now
    await session.flush()
    return profile, created


async def set_paused(
    session: AsyncSession, member_id: int, paused: bool, *, now: dt.datetime
) -> MentorProfile:
    profile = await session.get(MentorProfile, member_id, with_for_update=True)
    if profile is None:
        raise UserError(
            N_("You are not a mentor yet: send /mentor become. To find one: /mentor find.")
        )
    profile.paused = paused
    profile.updated_at = now
    return profile


# --- finding ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MentorQuery:
    topic: str | None = None
    school: str | None = None
    country: str | None = None
    language: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class MentorMatch:
    member_id: int
    full_name: str
    country_code: str | None
    topics: list[str]
    languages: list[str]
    cadence: str
    about: str
    free: int  # places left
    schools: list[str] = field(default_factory=list)
    score: int = 0


async def find_mentors(
    session: AsyncSession, query: MentorQuery, asker_id: int, *, now: dt.datetime
) -> list[MentorMatch]:
    """Mentors for ``query``, best first: the topic must match; school, field, country and
    language rank (as does a language shared with the asker); those with a free place
    first. Paused, inactive, unlisted mentors and those who blocked the asker are left out."""
    blocked_me = select(MemberBlock.blocker_id).where(MemberBlock.blocked_id == asker_id)
    rows = (
        await session.execute(
            select(MentorProfile, MemberRow.full_name, MemberRow.country_code)
            .join(MemberRow, MemberRow.id == MentorProfile.member_id)
            .where(
                *_listed(),
                MentorProfile.paused.is_(False),
                MentorProfile.member_id != asker_id,
                MentorProfile.member_id.not_in(inactive_mentors(now)),
                MentorProfile.member_id.not_in(blocked_me),
            )
        )
    ).all()
    candidates = [
        (p, name, country)
        for p, name, country in rows
        if not query.topic or query.topic in p.topics
    ]
    if not candidates:
        return []
    ids = [p.member_id for p, _, _ in candidates]
    busy = dict(
        (
            await session.execute(
                select(MentorRequest.mentor_id, func.count())
                .where(MentorRequest.mentor_id.in_(ids), *_ongoing(now))
                .group_by(MentorRequest.mentor_id)
            )
        ).all()
    )
    studies: dict[int, list[tuple[str, str]]] = {}
    for member_id, school, study_field in await session.execute(
        select(Education.member_id, Organisation.name, Education.field)
        .join(Organisation, Organisation.id == Education.institution_id)
        .where(Education.member_id.in_(ids))
        .order_by(Education.id)
    ):
        studies.setdefault(member_id, []).append((school, study_field or ""))
    asker = await session.get(MemberRow, asker_id)
    spoken = set(asker.languages or []) if asker else set()
    if asker and asker.preferred_language:
        spoken.add(asker.preferred_language.split("_")[0])
    school_key = fold(query.school) if query.school else ""
    field_key = fold(query.field) if query.field else ""
    matches = []
    for profile, name, country in candidates:
        free = max(0, profile.capacity - busy.get(profile.member_id, 0))
        own = studies.get(profile.member_id, [])
        score = 2 if free else -100
        if school_key and any(school_key in fold(s) for s, _ in own):
            score += 4
        if field_key and any(field_key in fold(f) for _, f in own):
            score += 3
        if query.country and country == query.country:
            score += 3
        if query.language and query.language in profile.languages:
            score += 3
        if spoken & set(profile.languages):
            score += 1
        matches.append(
            MentorMatch(
                member_id=profile.member_id,
                full_name=name,
                country_code=country,
                topics=list(profile.topics),
                languages=list(profile.languages),
                cadence=profile.cadence,
                about=profile.about,
                free=free,
                schools=[s for s, _ in own],
                score=score,
            )
        )
    matches.sort(key=lambda m: (-m.score, -m.free, fold(m.full_name), m.member_id))
    return matches[:RESULTS]


# --- requests -----------------------------------------------------------------------------
def first_step(mentee: str, topic: str) -> str:
    return gettext(
        "Suggested first step: a 30-minute call within a week; {mentee} sends two or three "
        "questions about {topic} beforehand.",
        mentee=isolate_for(mentee),
        topic=topic_label(topic),
    )


async def request_mentoring(
    session: AsyncSession,
    mentee_id: int,
    mentor_id: int,
    topic: str | None,
    message: str,
    *,
    now: dt.datetime,
) -> tuple[MentorRequest, str]:
    """Record the request and queue it to the mentor; returns it and the mentor's name."""
    if mentee_id == mentor_id:
        raise UserError(N_("You cannot be your own mentee."))
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise CountedUserError(
            "Your message is too long ({count} character); the limit is {limit}.",
            "Your message is too long ({count} characters); the limit is {limit}.",
            len(message),
            limit=MAX_MESSAGE,
        )
    row = (
        await session.execute(
            select(MentorProfile, MemberRow)
            .join(MemberRow, MemberRow.id == MentorProfile.member_id)
            .where(MentorProfile.member_id == mentor_id, *_listed())
        )
    ).first()
    blocked = await session.scalar(
        select(MemberBlock.id).where(
            MemberBlock.blocker_id == mentor_id, MemberBlock.blocked_id == mentee_id
        )
    )
    if row is None or blocked is not None:
        raise UserError(NOT_A_MENTOR)
    profile, mentor = row
    name = mentor.full_name
    inactive = await session.scalar(
        inactive_mentors(now).where(MentorRequest.mentor_id == mentor_id).limit(1)
    )
    if profile.paused or inactive is not None:
        raise UserError(NOT_TAKING, name=name)
    earlier = (
        await session.execute(
            select(MentorRequest.state, MentorRequest.answered_at).where(
                MentorRequest.mentor_id == mentor_id,
                MentorRequest.mentee_id == mentee_id,
                or_(
                    MentorRequest.state == "pending",
                    and_(*_ongoing(now)),
                ),
            )
        )
    ).first()
    if earlier is not None:
        if earlier.state == "pending":
            raise UserError(N_("You already asked {name}; they have not answered yet."), name=name)
        raise UserError(N_("{name} is already your mentor."), name=name)
    ongoing = await session.scalar(
        select(func.count())
        .select_from(MentorRequest)
        .where(MentorRequest.mentor_id == mentor_id, *_ongoing(now))
    )
    if (ongoing or 0) >= profile.capacity:
        raise UserError(N_("{name} has no free place for a new mentee right now."), name=name)
    if topic not in profile.topics:
        topic = profile.topics[0]
    mentee = await session.get(MemberRow, mentee_id)
    assert mentee is not None
    request = MentorRequest(
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        topic=topic,
        message=message,
        state="pending",
        created_at=now,
        follow_up_sent=False,
    )
    session.add(request)
    await session.flush()
    request_id = str(request.id)
    chosen = topic

    def build() -> Reply:
        lines = [
            gettext(
                "{name} asks you to be their mentor about {topic}.",
                name=isolate_for(mentee.full_name),
                topic=topic_label(chosen),
            )
        ]
        if message:
            lines.append(gettext("Their message: {message}", message=isolate_for(message)))
        lines.append(gettext("If you accept, you both receive each other's contact."))
        return Reply(
            text="\n".join(lines),
            buttons=(
                Button(
                    gettext("Accept"),
                    action="mentor.accept",
                    payload=request_id,
                    style=ButtonStyle.PRIMARY,
                ),
                Button(gettext("Decline"), action="mentor.decline", payload=request_id),
            ),
        )

    queued = await notify_member(
        session,
        mentor_id,
        key=f"mentoring:{request.id}:request",
        kind="mentoring",
        build=build,
        now=now,
    )
    if not queued:
        raise UserError(N_("This member cannot be reached on any platform yet."))
    return request, name


async def answer_request(
    session: AsyncSession, request_id: int, mentor_id: int, accept: bool, *, now: dt.datetime
) -> tuple[MentorRequest, MemberRow, list[str]]:
    """Accept or decline; returns the request, the mentee and (on accept) their contact."""
    request = await session.get(MentorRequest, request_id, with_for_update=True)
    if request is None or request.mentor_id != mentor_id:
        raise UserError(STALE_BUTTON)
    if request.state != "pending":
        raise UserError(N_("You already answered this request."))
    mentee = await session.get(MemberRow, request.mentee_id)
    mentor = await session.get(MemberRow, mentor_id)
    if mentee is None or mentee.erased_at is not None or mentor is None:
        raise UserError(N_("This member does not exist."))
    if accept:
        profile = await session.get(MentorProfile, mentor_id)
        capacity = profile.capacity if profile else 0
        ongoing = await session.scalar(
            select(func.count())
            .select_from(MentorRequest)
            .where(MentorRequest.mentor_id == mentor_id, *_ongoing(now))
        )
        if (ongoing or 0) >= capacity:
            raise CountedUserError(
                "You already mentor {count} person, your capacity: raise it with /mentor edit "
                "first, or decline.",
                "You already mentor {count} people, your capacity: raise it with /mentor edit "
                "first, or decline.",
                ongoing or 0,
            )
    request.state = "accepted" if accept else "declined"
    request.answered_at = now
    topic = request.topic
    if accept:
        request.follow_up_at = now + FOLLOW_UP_AFTER
        contacts = await contacts_of(session, [mentor_id, mentee.id])
        theirs = contacts.get(mentor_id, [])

        def build() -> Reply:
            lines = [
                gettext(
                    "{name} accepted to be your mentor about {topic}.",
                    name=isolate_for(mentor.full_name),
                    topic=topic_label(topic),
                ),
                gettext("Reach them here:"),
                *(theirs or [gettext("(no chat account linked yet)")]),
                first_step(mentee.full_name, topic),
            ]
            return Reply(text="\n".join(lines))

        mentee_contact = contacts.get(mentee.id, [])
    else:
        mentee_contact = []

        def build() -> Reply:
            return Reply(
                text=gettext(
                    "{name} cannot take a new mentee right now; /mentor find shows other mentors.",
                    name=isolate_for(mentor.full_name),
                )
            )

    await notify_member(
        session,
        mentee.id,
        key=f"mentoring:{request.id}:answer",
        kind="mentoring",
        build=build,
        now=now,
    )
    return request, mentee, mentee_contact


async def queue_follow_ups(
    session: AsyncSession, *, now: dt.datetime, horizon: dt.timedelta
) -> int:
    """Queue "did you meet?" to both sides of every mentorship whose two weeks end before
    ``now + horizon``, each to be sent at its exact time."""
    due = (
        await session.scalars(
            select(MentorRequest)
            .where(
                MentorRequest.state == "accepted",
                MentorRequest.follow_up_sent.is_(False),
                MentorRequest.follow_up_at <= now + horizon,
            )
            .order_by(MentorRequest.follow_up_at, MentorRequest.id)
            .with_for_update()
        )
    ).all()
    queued = 0
    for request in due:
        request.follow_up_sent = True
        names = dict(
            (
                await session.execute(
                    select(MemberRow.id, MemberRow.full_name).where(
                        MemberRow.id.in_((request.mentor_id, request.mentee_id))
                    )
                )
            ).all()
        )
        for member_id, other_id in (
            (request.mentee_id, request.mentor_id),
            (request.mentor_id, request.mentee_id),
        ):
            other = names.get(other_id, "")
            request_id = str(request.id)

            def build(other: str = other, request_id: str = request_id) -> Reply:
                return Reply(
                    text=gettext(
                        "Two weeks ago you and {name} agreed on mentoring. Did you meet?",
                        name=isolate_for(other),
                    ),
                    buttons=(
                        Button(
                            gettext("Yes, we met"),
                            action="mentor.met",
                            payload=f"{request_id}:yes",
                            style=ButtonStyle.PRIMARY,
                        ),
                        Button(gettext("Not yet"), action="mentor.met", payload=f"{request_id}:no"),
                    ),
                )

            queued += await notify_member(
                session,
                member_id,
                key=f"mentoring:{request.id}:follow-up:{member_id}",
                kind="mentoring",
                build=build,
                now=now,
                not_before=request.follow_up_at,
            )
    return queued


async def record_meeting(session: AsyncSession, request_id: int, member_id: int, met: bool) -> str:
    """Store the answer to "did you meet?"; returns the other person's name."""
    request = await session.get(MentorRequest, request_id, with_for_update=True)
    if request is None or member_id not in (request.mentor_id, request.mentee_id):
        raise UserError(STALE_BUTTON)
    if request.state != "accepted":
        raise UserError(STALE_BUTTON)
    request.met = met or bool(request.met)
    other = await session.get(
        MemberRow, request.mentee_id if member_id == request.mentor_id else request.mentor_id
    )
    return other.full_name if other else ""
