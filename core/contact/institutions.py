"""The institution desk: an institution writes to the alumni it imported who claimed their
profile (e.g. to offer a complementary training programme), through the outbox; each of
them may stop the messages of that institution.

"Imported" is ``members.imported_by_id``; "claimed" is a redeemed claim code
(``core.directory.linking``): an imported profile nobody took over is never written to.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.callbacks import STALE_BUTTON
from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import ClaimCode, InstitutionMessage, InstitutionOptOut, Member, Organisation
from ..delivery import fanout
from ..directory.linking import CLAIM
from ..domain import OrganisationKind
from ..errors import CountedUserError, UserError
from ..i18n import N_, use_locale
from ..offers.audit import audit
from . import notices

__all__ = [
    "MAX_TEXT",
    "draft_message",
    "institution_for",
    "reachable_alumni",
    "send_message",
    "set_opt_out",
]

MAX_TEXT = 2000
PER_DAY = 1  # messages an institution sends to its alumni in 24 hours


async def institution_for(session: AsyncSession, actor: Actor, slug: str) -> Organisation:
    """The institution named, if the actor represents it."""
    found = await session.scalar(
        select(Organisation).where(Organisation.slug == slug.strip().lower())
    )
    if found is None or found.kind is not OrganisationKind.INSTITUTION:
        raise UserError(N_("No institution is called {slug}."), slug=slug)
    if not actor.represents(found.id):
        raise UserError(
            N_("Only the verified representatives of {organisation} can do this."),
            organisation=found.name,
        )
    return found


def _reachable(organisation_id: int) -> ColumnElement[bool]:
    claimed = exists().where(
        ClaimCode.member_id == Member.id,
        ClaimCode.purpose == CLAIM,
        ClaimCode.used_at.is_not(None),
    )
    opted_out = exists().where(
        InstitutionOptOut.member_id == Member.id,
        InstitutionOptOut.organisation_id == organisation_id,
    )
    return (
        (Member.imported_by_id == organisation_id)
        & Member.erased_at.is_(None)
        & claimed
        & ~opted_out
    )


async def reachable_alumni(session: AsyncSession, organisation_id: int) -> list[int]:
    """The institution's imported alumni who claimed their profile and did not opt out."""
    rows = await session.scalars(
        select(Member.id).where(_reachable(organisation_id)).order_by(Member.id)
    )
    return list(rows.all())


async def draft_message(
    session: AsyncSession, actor: Actor, organisation: Organisation, text: str, *, now: dt.datetime
) -> tuple[InstitutionMessage, int]:
    """Keep the message as a draft; returns it and how many alumni it would reach."""
    assert actor.member_id is not None
    text = text.strip()
    if not text:
        raise UserError(N_("Write the message your alumni will receive."))
    if len(text) > MAX_TEXT:
        raise CountedUserError(
            "Your message is too long ({count} character); the limit is {limit}.",
            "Your message is too long ({count} characters); the limit is {limit}.",
            len(text),
            limit=MAX_TEXT,
        )
    count = await session.scalar(
        select(func.count()).select_from(Member).where(_reachable(organisation.id))
    )
    message = InstitutionMessage(
        organisation_id=organisation.id,
        author_id=actor.member_id,
        text=text,
        state="draft",
        recipients=0,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message, int(count or 0)


async def send_message(
    session: AsyncSession, actor: Actor, message_id: int, *, now: dt.datetime
) -> tuple[InstitutionMessage, Organisation]:
    """Queue a draft to every reachable alumna and alumnus, once."""
    message = await session.get(InstitutionMessage, message_id, with_for_update=True)
    if message is None or message.author_id != actor.member_id:
        raise UserError(STALE_BUTTON)
    organisation = await session.get(Organisation, message.organisation_id)
    assert organisation is not None
    if not actor.represents(organisation.id):
        raise UserError(
            N_("Only the verified representatives of {organisation} can do this."),
            organisation=organisation.name,
        )
    if message.state != "draft":
        raise UserError(N_("This message was already sent."))
    sent_today = await session.scalar(
        select(func.count())
        .select_from(InstitutionMessage)
        .where(
            InstitutionMessage.organisation_id == organisation.id,
            InstitutionMessage.state == "sent",
            InstitutionMessage.sent_at > now - dt.timedelta(days=1),
        )
    )
    if (sent_today or 0) >= PER_DAY:
        raise UserError(
            N_("{organisation} already wrote to its alumni today. Try again tomorrow."),
            organisation=organisation.name,
        )
    # Set-based, as broadcasts: one query for who and where, one reply per language.
    people = await fanout.recipients(session, select(Member.id).where(_reachable(organisation.id)))
    by_locale: dict[str, Reply] = {}
    for person in people:
        if person.locale not in by_locale:
            with use_locale(person.locale):
                by_locale[person.locale] = notices.institution_notice(
                    organisation.name, organisation.slug, message.text
                )
    queued = await fanout.enqueue_many(
        session,
        (
            (f"institution:{message.id}:{p.member_id}", p.target, by_locale[p.locale])
            for p in people
        ),
        kind="institution",
        now=now,
        batch=f"institution:{message.id}",
    )
    message.state = "sent"
    message.sent_at = now
    message.recipients = queued
    await audit(
        session,
        actor_id=actor.member_id,
        action="institution.message",
        subject="institution_message",
        subject_id=message.id,
        organisation_id=organisation.id,
        now=now,
        recipients=queued,
    )
    return message, organisation


async def set_opt_out(
    session: AsyncSession, member_id: int, slug: str, *, muted: bool, now: dt.datetime
) -> Organisation:
    organisation = await session.scalar(
        select(Organisation).where(Organisation.slug == slug.strip().lower())
    )
    if organisation is None or organisation.kind is not OrganisationKind.INSTITUTION:
        raise UserError(N_("No institution is called {slug}."), slug=slug)
    row = await session.get(InstitutionOptOut, (member_id, organisation.id))
    if muted and row is None:
        session.add(
            InstitutionOptOut(member_id=member_id, organisation_id=organisation.id, created_at=now)
        )
    elif not muted and row is not None:
        await session.delete(row)
    await session.flush()
    return organisation
