"""Contact requests: a member writes to an organisation; its representatives share one inbox.

The request reaches every representative through the outbox, in the same transaction that
records it; the first to accept, answer or decline takes it, and the others are told who
did. An organisation without a representative keeps the request (``waiting``) until one is
verified; a request nobody took expires after ``LIFETIME``. Every step is audited for the
organisation's administrators. Handles pass only on acceptance, as for introductions
(``core.directory.introductions.contact_lines``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.callbacks import STALE_BUTTON
from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import (
    ContactRequest,
    Member,
    MemberReport,
    Offer,
    Organisation,
    OrganisationBlock,
    RoleGrant,
)
from ..delivery import notify_member
from ..directory.introductions import contact_lines
from ..domain import OrganisationKind, Role, fold
from ..errors import CountedUserError, UserError
from ..i18n import N_
from ..offers.audit import audit
from . import notices

__all__ = [
    "ANSWERS",
    "DAILY_LIMIT",
    "LIFETIME",
    "MAX_ANSWER",
    "MAX_MESSAGE",
    "Handled",
    "State",
    "answer_request",
    "check_can_contact",
    "deliver_waiting",
    "embassy_of",
    "find_contactable",
    "is_embassy",
    "open_requests",
    "recipients",
    "request_contact",
]

DAILY_LIMIT = 3  # requests to organisations per member in 24 hours
LIFETIME = dt.timedelta(days=30)
MAX_MESSAGE = 500
MAX_ANSWER = 1000
ANSWERS = ("accept", "answer", "decline", "block", "report")


class State:
    WAITING = "waiting"  # nobody to deliver it to yet
    PENDING = "pending"  # delivered, nobody took it yet
    ACCEPTED = "accepted"
    ANSWERED = "answered"
    DECLINED = "declined"
    EXPIRED = "expired"
    OPEN = (WAITING, PENDING)


def is_embassy(organisation: Organisation) -> bool:
    """The French embassy of a chapter's country: its country admins answer for it."""
    return (
        organisation.kind is OrganisationKind.PUBLIC_BODY
        and organisation.country_code is not None
        and organisation.slug == embassy_slug(organisation.country_code)
    )


def embassy_slug(country_code: str) -> str:
    return f"embassy-{country_code.lower()}"


async def embassy_of(session: AsyncSession, country_code: str) -> Organisation:
    """The embassy's organisation for this country, created the first time it is needed."""
    from babel import Locale

    code = country_code.upper()
    found = await session.scalar(
        select(Organisation).where(Organisation.slug == embassy_slug(code))
    )
    if found is not None:
        return found
    name = f"Ambassade de France — {Locale('fr').territories.get(code, code)}"
    organisation = Organisation(
        slug=embassy_slug(code),
        name=name,
        name_key=fold(name),
        kind=OrganisationKind.PUBLIC_BODY,
        country_code=code,
        sector="public sector",
        descriptions={},
    )
    session.add(organisation)
    await session.flush()
    return organisation


async def recipients(session: AsyncSession, organisation: Organisation) -> list[int]:
    """Who answers for the organisation: its verified representatives, and for an embassy
    the country's administrators too."""
    answers_for: ColumnElement[bool] = (RoleGrant.role == Role.REPRESENTATIVE) & (
        RoleGrant.organisation_id == organisation.id
    )
    if is_embassy(organisation):
        answers_for = or_(
            answers_for,
            (RoleGrant.role == Role.COUNTRY_ADMIN)
            & (RoleGrant.country_code == organisation.country_code),
        )
    rows = await session.scalars(
        select(RoleGrant.member_id)
        .join(Member, Member.id == RoleGrant.member_id)
        .where(answers_for, Member.erased_at.is_(None))
        .distinct()
    )
    return sorted(rows.all())


async def find_contactable(session: AsyncSession, name: str) -> Organisation | None:
    """The organisation a member means by a short name (``airbus``) or its full name."""
    cleaned = name.strip()
    found = await session.scalar(select(Organisation).where(Organisation.slug == cleaned.lower()))
    if found is None and cleaned:
        found = await session.scalar(
            select(Organisation)
            .where(Organisation.name_key == fold(cleaned))
            .order_by(Organisation.id)
            .limit(1)
        )
    return found


def _check_message(message: str, limit: int) -> str:
    message = message.strip()
    if len(message) > limit:
        raise CountedUserError(
            "Your message is too long ({count} character); the limit is {limit}.",
            "Your message is too long ({count} characters); the limit is {limit}.",
            len(message),
            limit=limit,
        )
    return message


async def check_can_contact(
    session: AsyncSession, actor: Actor, organisation: Organisation, *, now: dt.datetime
) -> int:
    """The member's id if they may write to the organisation now, else a UserError."""
    if actor.member_id is None:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    member_id = actor.member_id
    if member_id in await recipients(session, organisation):
        raise UserError(
            N_("You answer for {organisation} yourself: its requests reach you in /inbox."),
            organisation=organisation.name,
        )
    blocked = await session.scalar(
        select(OrganisationBlock.id).where(
            OrganisationBlock.organisation_id == organisation.id,
            OrganisationBlock.member_id == member_id,
        )
    )
    if blocked is not None:
        raise UserError(
            N_("{organisation} does not take requests from you."), organisation=organisation.name
        )
    waiting = await session.scalar(
        select(ContactRequest.id).where(
            ContactRequest.member_id == member_id,
            ContactRequest.organisation_id == organisation.id,
            ContactRequest.state.in_(State.OPEN),
        )
    )
    if waiting is not None:
        raise UserError(
            N_("You already wrote to {organisation}; it has not answered yet."),
            organisation=organisation.name,
        )
    today = await session.scalar(
        select(func.count())
        .select_from(ContactRequest)
        .where(
            ContactRequest.member_id == member_id,
            ContactRequest.created_at > now - dt.timedelta(days=1),
        )
    )
    if (today or 0) >= DAILY_LIMIT:
        raise CountedUserError(
            "You reached {count} request to organisations in a day. Try again tomorrow.",
            "You reached {count} requests to organisations in a day. Try again tomorrow.",
            DAILY_LIMIT,
        )
    return member_id


async def _deliver(
    session: AsyncSession,
    request: ContactRequest,
    organisation: Organisation,
    *,
    now: dt.datetime,
) -> int:
    """Queue the request to every representative; how many were reachable."""
    requester = await session.get(Member, request.member_id)
    assert requester is not None
    offer_title = None
    if request.offer_id is not None:
        offer_title = await session.scalar(select(Offer.title).where(Offer.id == request.offer_id))
    request_id, name, city, message = (
        request.id,
        requester.full_name,
        requester.city,
        request.message,
    )
    org_name = organisation.name
    queued = 0
    for rep_id in await recipients(session, organisation):
        queued += await notify_member(
            session,
            rep_id,
            key=f"contact:{request_id}:to:{rep_id}",
            kind="contact",
            build=lambda: notices.request_notice(
                request_id, org_name, name, city, message, offer_title
            ),
            now=now,
        )
    if queued:
        request.state = State.PENDING
        request.delivered_at = now
    return queued


async def request_contact(
    session: AsyncSession,
    actor: Actor,
    organisation: Organisation,
    message: str,
    *,
    offer_id: int | None = None,
    now: dt.datetime,
) -> ContactRequest:
    """Record the request and queue it to the representatives; ``state`` says whether it
    was delivered (``pending``) or waits for a representative (``waiting``)."""
    message = _check_message(message, MAX_MESSAGE)
    member_id = await check_can_contact(session, actor, organisation, now=now)
    request = ContactRequest(
        organisation_id=organisation.id,
        member_id=member_id,
        offer_id=offer_id,
        message=message,
        state=State.WAITING,
        answer="",
        created_at=now,
    )
    session.add(request)
    await session.flush()
    await _deliver(session, request, organisation, now=now)
    await audit(
        session,
        actor_id=member_id,
        action="contact.request",
        subject="contact",
        subject_id=request.id,
        organisation_id=organisation.id,
        now=now,
        offer=offer_id,
        delivered=request.state == State.PENDING,
    )
    return request


async def deliver_waiting(
    session: AsyncSession, *, now: dt.datetime, organisation_id: int | None = None
) -> int:
    """Deliver the waiting requests of organisations that have a representative now (of one
    organisation, e.g. right after verifying its representative, or of all)."""
    stmt = select(ContactRequest).where(ContactRequest.state == State.WAITING)
    if organisation_id is not None:
        stmt = stmt.where(ContactRequest.organisation_id == organisation_id)
    delivered = 0
    for request in (await session.scalars(stmt.order_by(ContactRequest.id))).all():
        organisation = await session.get(Organisation, request.organisation_id)
        assert organisation is not None
        if await _deliver(session, request, organisation, now=now):
            delivered += 1
            await audit(
                session,
                actor_id=None,
                action="contact.deliver",
                subject="contact",
                subject_id=request.id,
                organisation_id=organisation.id,
                now=now,
            )
    return delivered


async def expire_requests(session: AsyncSession, *, now: dt.datetime) -> int:
    """Requests nobody took within ``LIFETIME`` expire; their members are told."""
    stale = (
        await session.scalars(
            select(ContactRequest)
            .where(
                ContactRequest.state.in_(State.OPEN),
                ContactRequest.created_at <= now - LIFETIME,
            )
            .order_by(ContactRequest.id)
        )
    ).all()
    count = 0
    for request in stale:
        organisation = await session.get(Organisation, request.organisation_id)
        assert organisation is not None
        expired = await session.execute(
            update(ContactRequest)
            .where(ContactRequest.id == request.id, ContactRequest.state.in_(State.OPEN))
            .values(state=State.EXPIRED, answered_at=now)
            .execution_options(synchronize_session=False)
        )
        if not expired.rowcount:  # type: ignore[attr-defined]
            continue  # a representative took it meanwhile
        name, sent = organisation.name, request.created_at

        def build(name: str = name, sent: dt.datetime = sent) -> Reply:
            return notices.expired_notice(name, sent)

        await notify_member(
            session,
            request.member_id,
            key=f"contact:{request.id}:expired",
            kind="contact",
            build=build,
            now=now,
        )
        await audit(
            session,
            actor_id=None,
            action="contact.expire",
            subject="contact",
            subject_id=request.id,
            organisation_id=organisation.id,
            now=now,
        )
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class Handled:
    request: ContactRequest
    organisation: str
    requester: str
    requester_contacts: list[str]  # on acceptance only


async def _handler_of(session: AsyncSession, request: ContactRequest) -> str:
    if request.handled_by_id is None:
        return "—"
    return (
        await session.scalar(select(Member.full_name).where(Member.id == request.handled_by_id))
        or "—"
    )


async def load_open(
    session: AsyncSession, request_id: int, member_id: int, *, lock: bool = False
) -> tuple[ContactRequest, Organisation]:
    """A request this member answers for, still open to be taken; else why not."""
    request = await session.get(ContactRequest, request_id, with_for_update=lock)
    if request is None:
        raise UserError(STALE_BUTTON)
    organisation = await session.get(Organisation, request.organisation_id)
    assert organisation is not None
    if member_id not in await recipients(session, organisation):
        raise UserError(STALE_BUTTON)
    if request.state == State.EXPIRED:
        raise UserError(N_("This request expired."))
    if request.state not in State.OPEN:
        raise UserError(
            N_("This request was already handled by {name}."),
            name=await _handler_of(session, request),
        )
    return request, organisation


async def answer_request(
    session: AsyncSession,
    request_id: int,
    member_id: int,
    answer: str,
    *,
    text: str = "",
    now: dt.datetime,
) -> Handled:
    """``answer`` is one of ``ANSWERS``; the first representative to answer takes it.

    Block and report also work on a request someone else took: the organisation then
    receives nothing more from that member.
    """
    assert answer in ANSWERS
    request = await session.get(ContactRequest, request_id, with_for_update=True)
    if request is None:
        raise UserError(STALE_BUTTON)
    organisation = await session.get(Organisation, request.organisation_id)
    assert organisation is not None
    if answer in ("block", "report"):
        if member_id not in await recipients(session, organisation):
            raise UserError(STALE_BUTTON)
        await _block(session, request, organisation, member_id, answer, now=now)
        if request.state in State.OPEN:
            await _take(session, request, organisation, member_id, State.DECLINED, now=now)
    else:
        request, organisation = await load_open(session, request_id, member_id)
        if answer == "answer":
            text = _check_message(text, MAX_ANSWER)
            if not text:
                raise UserError(N_("Write the answer the member will receive."))
        state = {"accept": State.ACCEPTED, "answer": State.ANSWERED}.get(answer, State.DECLINED)
        written = text if answer == "answer" else ""
        if not await _take(
            session, request, organisation, member_id, state, answer_text=written, now=now
        ):
            await load_open(session, request_id, member_id)  # says who took it
            raise UserError(STALE_BUTTON)
    await audit(
        session,
        actor_id=member_id,
        action=f"contact.{answer}",
        subject="contact",
        subject_id=request.id,
        organisation_id=organisation.id,
        now=now,
    )
    requester = (
        await session.scalar(select(Member.full_name).where(Member.id == request.member_id)) or "—"
    )
    contacts = []
    if request.state == State.ACCEPTED and request.handled_by_id == member_id:
        contacts = await contact_lines(session, request.member_id)
    return Handled(request, organisation.name, requester, contacts)


async def _take(
    session: AsyncSession,
    request: ContactRequest,
    organisation: Organisation,
    member_id: int,
    state: str,
    *,
    answer_text: str = "",
    now: dt.datetime,
) -> bool:
    """Close the request in ``state`` unless someone closed it first (False); tell the
    member and the other representatives.

    One conditional UPDATE decides who takes it: on PostgreSQL after the row lock, on SQLite
    (whose FOR UPDATE is a no-op) because the UPDATE reads the last committed state.
    """
    taken = await session.execute(
        update(ContactRequest)
        .where(ContactRequest.id == request.id, ContactRequest.state.in_(State.OPEN))
        .values(state=state, handled_by_id=member_id, answered_at=now, answer=answer_text)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(request)
    if not taken.rowcount:  # type: ignore[attr-defined]
        return False
    handler = await session.scalar(select(Member.full_name).where(Member.id == member_id)) or ""
    requester = (
        await session.scalar(select(Member.full_name).where(Member.id == request.member_id)) or ""
    )
    org_name, answer, request_id = organisation.name, request.answer, request.id
    contacts = await contact_lines(session, member_id) if state == State.ACCEPTED else []

    def build() -> Reply:
        if state == State.ACCEPTED:
            return notices.accepted_notice(org_name, handler, contacts)
        if state == State.ANSWERED:
            return notices.answered_notice(org_name, handler, answer)
        return notices.declined_notice(org_name)

    await notify_member(
        session,
        request.member_id,
        key=f"contact:{request_id}:answer",
        kind="contact",
        build=build,
        now=now,
    )
    for rep_id in await recipients(session, organisation):
        if rep_id == member_id:
            continue
        await notify_member(
            session,
            rep_id,
            key=f"contact:{request_id}:taken:{rep_id}",
            kind="contact",
            build=lambda: notices.taken_notice(request_id, requester, handler),
            now=now,
        )
    return True


async def _block(
    session: AsyncSession,
    request: ContactRequest,
    organisation: Organisation,
    member_id: int,
    answer: str,
    *,
    now: dt.datetime,
) -> None:
    exists = await session.scalar(
        select(OrganisationBlock.id).where(
            OrganisationBlock.organisation_id == organisation.id,
            OrganisationBlock.member_id == request.member_id,
        )
    )
    if exists is None:
        session.add(
            OrganisationBlock(
                organisation_id=organisation.id,
                member_id=request.member_id,
                blocked_by_id=member_id,
                created_at=now,
            )
        )
    if answer == "report":
        session.add(
            MemberReport(
                reporter_id=member_id,
                reported_id=request.member_id,
                reason=f"contact request {request.id} to {organisation.slug}",
                created_at=now,
            )
        )
    await session.flush()


async def open_requests(
    session: AsyncSession, actor: Actor
) -> list[tuple[ContactRequest, str, str]]:
    """The requests waiting for this representative's organisations (and embassies of the
    countries they administer): (request, organisation, member), oldest first."""
    if actor.member_id is None:
        return []
    organisation_ids = {
        g.organisation_id
        for g in actor.grants
        if g.role is Role.REPRESENTATIVE and g.organisation_id is not None
    }
    admin_of = [
        g.country_code
        for g in actor.grants
        if g.role is Role.COUNTRY_ADMIN and g.country_code is not None
    ]
    if admin_of:
        organisation_ids.update(
            (
                await session.scalars(
                    select(Organisation.id).where(
                        Organisation.slug.in_([embassy_slug(c) for c in admin_of])
                    )
                )
            ).all()
        )
    if not organisation_ids:
        return []
    rows = await session.execute(
        select(ContactRequest, Organisation.name, Member.full_name)
        .join(Organisation, Organisation.id == ContactRequest.organisation_id)
        .join(Member, Member.id == ContactRequest.member_id)
        .where(
            ContactRequest.organisation_id.in_(organisation_ids),
            ContactRequest.state == State.PENDING,
        )
        .order_by(ContactRequest.id)
        .limit(20)
    )
    return [(r, o, m) for r, o, m in rows.all()]
