"""GDPR rights: what is stored (export) and the right to be forgotten (erasure).

Columns holding personal data carry ``info={"personal": True}`` in the models; export writes
every one of them and erasure clears every one of them (tests walk the schema to prove it).

Rows reach a member in three ways, each listed here once:

* a column referencing ``members.id`` (``REFERENCES``: what export and erasure do with the
  rows it selects);
* the member's platform accounts: forms in progress, and outbox messages to their private
  chats;
* rows derived from the member's rows: the outbox messages about an introduction, a report,
  a representation request, an alert, a request to an organisation or a mentoring request,
  the coffee introductions naming them, the relayed copies of their group messages (and of
  their edits), and the messages taking their accounts out of a group's channels.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from ..db.base import Base
from ..db.models import (
    Alert,
    Article,
    AuditEntry,
    Broadcast,
    Chapter,
    ClaimCode,
    CoffeeAvoid,
    CoffeeMatch,
    CoffeeMember,
    ContactRequest,
    DigestSubscription,
    Education,
    EmbassyDesk,
    Event,
    FormSession,
    Group,
    GroupChannel,
    GroupMembership,
    GroupRelay,
    GroupReport,
    InstitutionMessage,
    InstitutionOptOut,
    Introduction,
    Member,
    MemberBlock,
    MemberReport,
    MentorProfile,
    MentorRequest,
    Offer,
    OfferReport,
    OfferView,
    Organisation,
    OrganisationBlock,
    OutboxMessage,
    PlatformAccount,
    RepresentationRequest,
    RoleGrant,
    Rsvp,
    SearchTerm,
)
from ..domain import Visibility
from ..errors import UserError
from ..i18n import N_
from .documents import terms_of

__all__ = ["REFERENCES", "Policy", "erase_member", "export_member"]


class Policy(StrEnum):
    """What export and erasure do with the rows a reference to the member selects."""

    OWN = "own"  # the member's own rows: exported in full, deleted on erasure
    KEEP = "keep"  # exported in full, kept on erasure as anonymous aggregates
    AUTHOR = "author"  # done for the network (offers, events...): ids exported, reference cleared
    OTHERS = "others"  # written by others about the member: not exported (it would expose
    # them), deleted on erasure
    MESSAGE = "message"  # a message posted in a group: exported, author and text cleared


# (section of the export, column referencing the member, policy); every column referencing
# ``members.id`` is here (a test checks it against the schema).
REFERENCES: tuple[tuple[str, InstrumentedAttribute[Any], Policy], ...] = (
    ("education", Education.member_id, Policy.KEEP),
    ("platform_accounts", PlatformAccount.member_id, Policy.OWN),
    ("roles", RoleGrant.member_id, Policy.OWN),
    ("claim_codes", ClaimCode.member_id, Policy.OWN),
    ("introductions_sent", Introduction.requester_id, Policy.OWN),
    ("introductions_received", Introduction.target_id, Policy.OWN),
    ("blocked_members", MemberBlock.blocker_id, Policy.OWN),
    ("blocked_by", MemberBlock.blocked_id, Policy.OTHERS),
    ("member_reports_made", MemberReport.reporter_id, Policy.OWN),
    ("member_reports_about", MemberReport.reported_id, Policy.OTHERS),
    ("offer_alerts", Alert.member_id, Policy.OWN),
    ("offers_viewed", OfferView.member_id, Policy.OWN),
    ("offer_reports", OfferReport.member_id, Policy.OWN),
    ("representation_requests", RepresentationRequest.member_id, Policy.OWN),
    ("representation_decisions", RepresentationRequest.decided_by_id, Policy.AUTHOR),
    ("event_answers", Rsvp.member_id, Policy.OWN),
    ("digest_subscription", DigestSubscription.member_id, Policy.OWN),
    ("group_memberships", GroupMembership.member_id, Policy.OWN),
    ("group_messages", GroupRelay.author_id, Policy.MESSAGE),
    ("group_reports", GroupReport.reporter_id, Policy.OWN),
    ("offers_posted", Offer.author_id, Policy.AUTHOR),
    ("events_created", Event.created_by_id, Policy.AUTHOR),
    ("broadcasts_sent", Broadcast.author_id, Policy.AUTHOR),
    ("articles_written", Article.author_id, Policy.AUTHOR),
    ("groups_owned", Group.owner_id, Policy.AUTHOR),
    ("group_channels_mapped", GroupChannel.mapped_by_id, Policy.AUTHOR),
    ("chapters_opened", Chapter.opened_by_id, Policy.AUTHOR),
    ("contact_requests_sent", ContactRequest.member_id, Policy.OWN),
    ("contact_requests_handled", ContactRequest.handled_by_id, Policy.AUTHOR),
    ("blocked_by_organisations", OrganisationBlock.member_id, Policy.OTHERS),
    ("organisation_blocks_made", OrganisationBlock.blocked_by_id, Policy.AUTHOR),
    ("institution_opt_outs", InstitutionOptOut.member_id, Policy.OWN),
    ("institution_messages_sent", InstitutionMessage.author_id, Policy.AUTHOR),
    ("embassy_desks_updated", EmbassyDesk.updated_by_id, Policy.AUTHOR),
    ("audit_trail", AuditEntry.actor_id, Policy.AUTHOR),
    ("mentor_profile", MentorProfile.member_id, Policy.OWN),
    ("mentoring_requests_sent", MentorRequest.mentee_id, Policy.OWN),
    ("mentoring_requests_received", MentorRequest.mentor_id, Policy.OWN),
    ("coffee_introductions", CoffeeMember.member_id, Policy.OWN),
    ("coffee_not_paired_with", CoffeeAvoid.member_id, Policy.OWN),
    ("coffee_avoided_by", CoffeeAvoid.avoided_id, Policy.OTHERS),
    # Who met whom in which round: the partners' history (no repeat pairs) and the
    # chapter's figures rely on it; the erased member's row no longer names anybody.
    ("coffee_rounds", CoffeeMatch.member_id, Policy.KEEP),
)

# Outbox messages about a deleted row, by key prefix (see the modules that enqueue them).
_DERIVED_KEYS: dict[type[Base], str] = {
    Introduction: "introduction",
    OfferReport: "report",
    RepresentationRequest: "request",
    GroupReport: "group_report",
    Alert: "alert",
    ContactRequest: "contact",
    MentorRequest: "mentoring",
}
_RELAY_KINDS = ("relay", "relay_edit", "relay_delete")
ERASURE_LOCK = 0x65726173  # the PostgreSQL advisory lock erasures take turns with ("eras")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: _jsonable(getattr(obj, c.key)) for c in obj.__table__.columns}


def _primary_key(obj: Any) -> Any:
    keys = [_jsonable(getattr(obj, c.key)) for c in obj.__table__.primary_key.columns]
    return keys[0] if len(keys) == 1 else keys


async def _accounts(session: AsyncSession, member_id: int) -> list[tuple[Any, str, str]]:
    rows = await session.execute(
        select(PlatformAccount.platform, PlatformAccount.workspace, PlatformAccount.user_id).where(
            PlatformAccount.member_id == member_id
        )
    )
    return [(platform, workspace, user_id) for platform, workspace, user_id in rows]


def _forms_of(accounts: list[tuple[Any, str, str]]) -> ColumnElement[bool]:
    if not accounts:
        return false()
    return tuple_(FormSession.platform, FormSession.workspace, FormSession.user_id).in_(accounts)


def _private_chats_of(accounts: list[tuple[Any, str, str]]) -> ColumnElement[bool]:
    from ..delivery.outbox import USER_PREFIX

    if not accounts:
        return false()
    return tuple_(OutboxMessage.platform, OutboxMessage.workspace, OutboxMessage.chat_id).in_(
        [(platform, workspace, USER_PREFIX + user_id) for platform, workspace, user_id in accounts]
    )


async def export_member(session: AsyncSession, member_id: int) -> dict[str, Any]:
    member = await session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    data: dict[str, Any] = {"format": "france-alumni-export/2", "member": _columns(member)}
    for section, column, policy in REFERENCES:
        if policy is Policy.OTHERS:
            continue
        model: Any = column.class_
        rows = (await session.scalars(select(model).where(column == member_id))).all()
        if policy is Policy.AUTHOR:
            data[section] = [_primary_key(row) for row in rows]
        else:
            data[section] = [_columns(row) for row in rows]
    institutions = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_({e["institution_id"] for e in data["education"]})
                )
            )
        ).all()
    )
    for study in data["education"]:
        study["institution"] = institutions.get(study["institution_id"])
    accounts = await _accounts(session, member_id)
    forms = await session.scalars(select(FormSession).where(_forms_of(accounts)))
    data["forms_in_progress"] = [_columns(f) for f in forms]
    messages = await session.scalars(
        select(OutboxMessage).where(_private_chats_of(accounts)).order_by(OutboxMessage.id)
    )
    changes = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.key.in_(await _channel_changes_of(session, member_id)))
        .order_by(OutboxMessage.id)
    )
    data["group_channel_changes"] = [
        {
            key: _jsonable(getattr(m, key))
            for key in ("platform", "chat_id", "reply", "state", "created_at", "sent_at")
        }
        for m in changes
    ]
    data["messages_to_you"] = [
        {
            key: _jsonable(getattr(m, key))
            for key in ("kind", "platform", "chat_id", "reply", "state", "created_at", "sent_at")
        }
        for m in messages
    ]
    return data


async def erase_member(session: AsyncSession, member_id: int, *, now: dt.datetime) -> None:
    """Remove the person; keep anonymous aggregates (country, sector, schools and years)."""
    if session.get_bind().dialect.name == "postgresql":
        # An erasure deletes rows two people share (a request and its notices to the other):
        # two erasures at once could lock them in opposite orders and deadlock. Erasures
        # are rare, so they take turns, until this transaction ends.
        await session.execute(select(func.pg_advisory_xact_lock(ERASURE_LOCK)))
    member = await session.get(Member, member_id, with_for_update=True)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    own_terms = set(terms_of(member.search_document))
    accounts = await _accounts(session, member_id)
    await session.execute(delete(FormSession).where(_forms_of(accounts)))
    await session.execute(delete(OutboxMessage).where(_private_chats_of(accounts)))
    await _erase_group_messages(session, member_id)
    await _erase_coffee_introductions(session, member_id)
    await _leave_events(session, member_id, now=now)
    for _section, column, policy in REFERENCES:
        model: Any = column.class_
        if policy in (Policy.OWN, Policy.OTHERS):
            prefix = _DERIVED_KEYS.get(model)
            if prefix is not None:
                ids = (await session.scalars(select(model.id).where(column == member_id))).all()
                await _delete_outbox_about(session, prefix, ids)
            await session.execute(delete(model).where(column == member_id))
        elif policy is Policy.AUTHOR:
            await session.execute(update(model).where(column == member_id).values({column: None}))
    member.full_name = ""
    member.name_key = ""
    member.email = None
    member.city = None
    member.city_key = None
    member.languages = []
    member.preferred_language = None
    member.directory_consent = False
    member.consent_at = None
    member.visibility = Visibility.HIDDEN
    member.search_document = ""
    member.imported_by_id = None
    member.erased_at = now
    member.updated_at = now
    await session.flush()
    # Words of the vocabulary that were only this member's go too.
    for term in sorted(own_terms):
        still_used = await session.scalar(
            select(Member.id).where(Member.search_document.contains(term)).limit(1)
        )
        if still_used is None:
            await session.execute(delete(SearchTerm).where(SearchTerm.term == term))


async def _delete_outbox_about(session: AsyncSession, prefix: str, ids: Any) -> None:
    """The notifications about deleted rows go with them (sent or not: they name the member)."""
    for chunk_start in range(0, len(ids), 200):
        chunk = ids[chunk_start : chunk_start + 200]
        await session.execute(
            delete(OutboxMessage).where(
                or_(*(OutboxMessage.key.startswith(f"{prefix}:{row_id}:") for row_id in chunk))
            )
        )


async def _erase_coffee_introductions(session: AsyncSession, member_id: int) -> None:
    """The coffee introductions sent to the member's partners name the member: they go
    (``coffee:<round id>:<recipient id>``)."""
    mine = aliased(CoffeeMatch)
    partners = (
        await session.execute(
            select(CoffeeMatch.round_id, CoffeeMatch.member_id)
            .join(
                mine,
                (mine.round_id == CoffeeMatch.round_id) & (mine.group_no == CoffeeMatch.group_no),
            )
            .where(mine.member_id == member_id, CoffeeMatch.member_id != member_id)
        )
    ).all()
    keys = [f"coffee:{round_id}:{partner}" for round_id, partner in partners]
    for start in range(0, len(keys), 500):
        await session.execute(
            delete(OutboxMessage).where(OutboxMessage.key.in_(keys[start : start + 500]))
        )


async def _leave_events(session: AsyncSession, member_id: int, *, now: dt.datetime) -> None:
    """A place the member held at a coming event goes to the first on its waiting list."""
    from ..events import cards
    from ..events.events import RsvpStatus, rsvp

    coming = (
        await session.scalars(
            select(Rsvp.event_id)
            .join(Event, Event.id == Rsvp.event_id)
            .where(
                Rsvp.member_id == member_id,
                Rsvp.status == RsvpStatus.GOING,
                Event.ends_at > now,
            )
        )
    ).all()
    for event_id in coming:
        await rsvp(
            session,
            member_id,
            event_id,
            RsvpStatus.NOT_GOING,
            now=now,
            promoted_notice=cards.promoted_notice,
        )


async def _channel_changes_of(session: AsyncSession, member_id: int) -> list[str]:
    """Keys of the outbox messages taking the member's accounts out of (or back into) a
    group's channels."""
    keys = (
        await session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.startswith("group_member:"))
        )
    ).all()
    return [key for key in keys if key.split(":")[3:4] == [str(member_id)]]


async def _erase_group_messages(session: AsyncSession, member_id: int) -> None:
    """The member's group messages stay as empty rows (replies and threads refer to them);
    their copies not yet sent are withdrawn, the sent ones lose the author and the text.
    Requests to join a group, sent to its moderators, named the member: they go."""
    requests = (
        await session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.startswith("group_request:"))
        )
    ).all()
    # group_request:<group id>:<member id>:<time>:<moderator id>
    theirs = [key for key in requests if key.split(":")[2:3] == [str(member_id)]]
    # group_member:<action>:<group id>:<member id>:<channel id>:<since>: name their accounts
    theirs += await _channel_changes_of(session, member_id)
    if theirs:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.key.in_(theirs)))
    relays = (
        await session.scalars(select(GroupRelay.digest).where(GroupRelay.author_id == member_id))
    ).all()
    for digest in relays:
        copies = or_(*(OutboxMessage.key.startswith(f"{kind}:{digest}:") for kind in _RELAY_KINDS))
        await session.execute(delete(OutboxMessage).where(copies, OutboxMessage.state == "pending"))
        for message in await session.scalars(select(OutboxMessage).where(copies)):
            reply = dict(message.reply)
            reply["text"] = ""
            if isinstance(reply.get("relay"), dict):
                reply["relay"] = {**reply["relay"], "author": ""}
            message.reply = reply
    await session.execute(
        update(GroupRelay)
        .where(GroupRelay.author_id == member_id)
        .values(author_id=None, author_name="", text="")
    )
