"""The privacy audit: every column of the schema is classified here, by hand, and every
personal one is proved to be in ``/export`` and gone after ``/erase``.

A column added to any table fails ``test_every_column_of_the_schema_is_classified`` until it
is reviewed and written into ``CLASSIFICATION``; a personal column fails the footprint tests
until a member's footprint holds a value in it that export shows and erasure removes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.bootstrap import App
from core.chat import callbacks
from core.db import Base
from core.db.models import (
    Alert,
    Article,
    AuditEntry,
    Broadcast,
    Chapter,
    ClaimCode,
    CoffeeAvoid,
    CoffeeMatch,
    CoffeeMember,
    CoffeeRound,
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
)
from core.demo.data import DEMO_EMAIL
from core.directory.documents import remember_terms
from core.directory.privacy import REFERENCES, Policy
from core.domain import OrganisationKind, Platform, Role, Visibility
from core.events.events import RsvpStatus
from core.groups.domain import GroupKind, MembershipState
from core.offers.domain import OfferKind
from tests.helpers import press, say

# --- the reviewed classification ------------------------------------------------------------
PERSONAL = "personal"  # identifies or describes a person, or is text they wrote:
# exported with the member's data, cleared by erasure (``info={"personal": True}`` in the model)
MEMBER = "member"  # refers to a member: the row is part of their footprint; what export and
# erasure do with it is ``core.directory.privacy.REFERENCES``
TRANSIENT = "transient"  # may hold personal text but is tied to nobody: dropped on expiry
NOT = "not personal"

CLASSIFICATION: dict[str, dict[str, str]] = {
    "alerts": {
        "id": NOT,
        "member_id": MEMBER,
        "kind": NOT,
        "country_code": NOT,
        "sector": NOT,
        "language": NOT,
        "text": PERSONAL,  # what the member looks for
        "terms": PERSONAL,
        "frequency": NOT,
        "match_key": NOT,  # kind|country|sector|language: the vocabulary's codes
        "match_word": PERSONAL,
        "created_at": NOT,
    },
    "alert_matches": {  # a queue, emptied within minutes; the job drops erased alerts' ids
        "offer_id": NOT,
        "alert_ids": NOT,  # ids of alerts, whose criteria and member are in ``alerts``
        "matched": NOT,
        "queued": NOT,
    },
    "articles": {
        "id": NOT,
        "country_code": NOT,
        "author_id": MEMBER,
        "organisation_id": NOT,
        "title": NOT,  # published for a chapter, in an official capacity
        "body": NOT,
        "published_at": NOT,
    },
    "audit_entries": {
        "id": NOT,
        "actor_id": MEMBER,
        "action": NOT,
        "subject": NOT,
        "subject_id": NOT,
        "organisation_id": NOT,
        "detail": NOT,  # ids and states of the decision
        "created_at": NOT,
    },
    "broadcasts": {
        "id": NOT,
        "country_code": NOT,
        "author_id": MEMBER,
        "text": NOT,  # an embassy's announcement
        "filters": NOT,
        "state": NOT,
        "recipients": NOT,
        "created_at": NOT,
        "confirmed_at": NOT,
        "progress_platform": NOT,
        "progress_message_id": NOT,  # the platform's id of the author's progress message
        "progress_done": NOT,
        "progress_key": NOT,
        "progress_at": NOT,
    },
    "callback_tokens": {
        "token": NOT,
        "action": NOT,
        # A button's payload may hold text typed by someone (an introduction message waiting
        # for confirmation, a search query) but no column ties it to a member: it expires
        # after ``callbacks.LIFETIME`` and the scheduled purge drops it.
        "payload": TRANSIENT,
        "created_at": NOT,
    },
    "signing_keys": {
        "name": NOT,
        "secret": NOT,  # the platform's own key, no one's data
        "created_at": NOT,
    },
    "chapter_channels": {
        "id": NOT,
        "country_code": NOT,
        "platform": NOT,
        "workspace": NOT,
        "chat_id": NOT,  # a channel, not a person
        "created_at": NOT,
    },
    "chapters": {
        "country_code": NOT,
        "languages": NOT,
        "time_zone": NOT,
        "digest_day": NOT,
        "digest_hour": NOT,
        "opened_by_id": MEMBER,
        "opened_at": NOT,
    },
    "claim_codes": {
        "code_hash": NOT,  # a hash of a one-time code
        "member_id": MEMBER,
        "purpose": NOT,
        "created_at": NOT,
        "expires_at": NOT,
        "used_at": NOT,
        "attempts": NOT,
    },
    "contact_requests": {
        "id": NOT,
        "organisation_id": NOT,
        "member_id": MEMBER,
        "offer_id": NOT,
        "message": PERSONAL,
        "state": NOT,
        "handled_by_id": MEMBER,
        "answer": PERSONAL,  # the representative's answer, written to the member
        "created_at": NOT,
        "delivered_at": NOT,
        "answered_at": NOT,
    },
    "countries": {"code": NOT, "languages": NOT, "time_zone": NOT, "default_language": NOT},
    "digest_subscriptions": {"member_id": MEMBER, "created_at": NOT},
    "education": {
        # Kept after erasure as an anonymous aggregate (schools and years), with the
        # anonymised member: nothing here names anyone.
        "id": NOT,
        "member_id": MEMBER,
        "institution_id": NOT,
        "degree": NOT,
        "field": NOT,
        "graduation_year": NOT,
    },
    # The embassy's public contact card.
    "embassy_desks": {
        "country_code": NOT,
        "address": NOT,
        "website": NOT,
        "consular_url": NOT,
        "campus_france_url": NOT,
        "hours": NOT,
        "languages": NOT,
        "updated_by_id": MEMBER,
        "updated_at": NOT,
    },
    "events": {
        "id": NOT,
        "country_code": NOT,
        "organisation_id": NOT,
        "organiser": NOT,  # an organisation's name
        "titles": NOT,
        "descriptions": NOT,
        "place": NOT,
        "online_url": NOT,
        "starts_at": NOT,
        "ends_at": NOT,
        "time_zone": NOT,
        "capacity": NOT,
        "remind_day_at": NOT,
        "remind_hour_at": NOT,
        "day_reminder_sent": NOT,
        "hour_reminder_sent": NOT,
        "created_by_id": MEMBER,
        "created_at": NOT,
    },
    "form_sessions": {
        "id": NOT,
        "platform": NOT,
        "workspace": NOT,
        "user_id": PERSONAL,
        "form": PERSONAL,  # its initial values may be the member's profile
        "answers": PERSONAL,
        "step": NOT,
        "updated_at": NOT,
    },
    "group_channels": {
        "id": NOT,
        "group_id": NOT,
        "platform": NOT,
        "workspace": NOT,
        "chat_id": NOT,  # a channel
        "invite_url": NOT,
        "mapped_by_id": MEMBER,
        "created_at": NOT,
    },
    "group_memberships": {
        "group_id": NOT,
        "member_id": MEMBER,
        "role": NOT,
        "state": NOT,
        "created_at": NOT,
        "updated_at": NOT,
    },
    "group_relays": {
        "id": NOT,
        "digest": NOT,  # a hash of the source message's address
        "group_id": NOT,
        "channel_id": NOT,
        "source_message_id": NOT,
        "author_id": MEMBER,
        "author_name": PERSONAL,
        "text": PERSONAL,
        "reply_to_id": NOT,
        "created_at": NOT,
    },
    "group_reports": {
        "id": NOT,
        "group_id": NOT,
        "reporter_id": MEMBER,
        "relay_id": NOT,
        "reason": PERSONAL,
        "state": NOT,
        "created_at": NOT,
    },
    "groups": {
        "id": NOT,
        "slug": NOT,
        "names": NOT,
        "descriptions": NOT,
        "name_keys": NOT,
        "search_document": NOT,  # the group's names and descriptions
        "kind": NOT,
        "country_code": NOT,
        "visibility": NOT,
        "owner_id": MEMBER,
        "weekly_digest": NOT,
        "created_at": NOT,
    },
    "institution_messages": {
        "id": NOT,
        "organisation_id": NOT,
        "author_id": MEMBER,
        "text": NOT,  # an institution's announcement to its alumni
        "state": NOT,
        "recipients": NOT,
        "created_at": NOT,
        "sent_at": NOT,
    },
    "institution_opt_outs": {"member_id": MEMBER, "organisation_id": NOT, "created_at": NOT},
    "introductions": {
        "id": NOT,
        "requester_id": MEMBER,
        "target_id": MEMBER,
        "message": PERSONAL,
        "state": NOT,
        "created_at": NOT,
        "answered_at": NOT,
    },
    "job_runs": {"run_key": NOT, "started_at": NOT, "runner": NOT},
    # a digest of a platform's request signature, kept while the signature is valid
    "seen_requests": {"digest": NOT, "expires_at": NOT},
    "member_blocks": {"id": NOT, "blocker_id": MEMBER, "blocked_id": MEMBER, "created_at": NOT},
    "member_reports": {
        "id": NOT,
        "reporter_id": MEMBER,
        "reported_id": MEMBER,
        "reason": PERSONAL,
        "created_at": NOT,
    },
    "members": {
        "id": NOT,
        "full_name": PERSONAL,
        "name_key": PERSONAL,
        "email": PERSONAL,
        "country_code": NOT,  # kept as an anonymous aggregate
        "city": PERSONAL,
        "city_key": PERSONAL,
        "sector": NOT,  # kept as an anonymous aggregate
        "languages": PERSONAL,
        "preferred_language": PERSONAL,
        "directory_consent": NOT,  # false after erasure
        "consent_at": NOT,  # cleared by erasure
        "visibility": NOT,  # hidden after erasure
        "search_document": PERSONAL,
        "imported_by_id": NOT,  # cleared by erasure
        "erased_at": NOT,
        "created_at": NOT,
        "updated_at": NOT,
    },
    "offer_reports": {
        "id": NOT,
        "offer_id": NOT,
        "member_id": MEMBER,
        "reason": PERSONAL,
        "created_at": NOT,
    },
    "offer_views": {"offer_id": NOT, "member_id": MEMBER, "viewed_at": NOT},
    "offers": {
        "id": NOT,
        "organisation_id": NOT,
        "author_id": MEMBER,
        "kind": NOT,
        "title": NOT,
        "title_key": NOT,
        "country_code": NOT,
        "city": NOT,
        "remote": NOT,
        "sector": NOT,
        "languages": NOT,
        "languages_key": NOT,
        "contract": NOT,
        "description": NOT,
        "apply_url": NOT,
        "apply_email": NOT,  # the organisation's published contact for applications
        "expires_at": NOT,
        "state": NOT,
        "search_document": NOT,
        "published_at": NOT,
        "created_at": NOT,
        "updated_at": NOT,
    },
    "organisation_blocks": {
        "id": NOT,
        "organisation_id": NOT,
        "member_id": MEMBER,
        "blocked_by_id": MEMBER,
        "created_at": NOT,
    },
    "organisation_countries": {"organisation_id": NOT, "country_code": NOT},
    "organisations": {
        "id": NOT,
        "slug": NOT,
        "name": NOT,
        "name_key": NOT,
        "kind": NOT,
        "country_code": NOT,
        "sector": NOT,
        "website": NOT,
        "descriptions": NOT,
        "created_at": NOT,
    },
    "outbox_messages": {
        "id": NOT,
        "key": NOT,  # kind and ids
        "kind": NOT,
        "batch": NOT,
        "platform": NOT,
        "workspace": NOT,
        "chat_id": PERSONAL,  # "user:<id>" is a person's private chat
        "reply": PERSONAL,  # may name people
        "state": NOT,
        "attempts": NOT,
        "next_attempt_at": NOT,
        "claimed_by": NOT,
        "lease_until": NOT,
        "history": NOT,  # attempts: times, outcomes, platform error codes
        "last_error": NOT,
        "platform_message_id": NOT,
        "edit_of": NOT,  # a platform's message id, like platform_message_id
        "created_at": NOT,
        "sent_at": NOT,
    },
    "platform_accounts": {
        "id": NOT,
        "platform": NOT,
        "workspace": NOT,
        "user_id": PERSONAL,
        "member_id": MEMBER,
        "handle": PERSONAL,
        "display_name": PERSONAL,
        "locale": PERSONAL,
        "created_at": NOT,
    },
    "representation_requests": {
        "id": NOT,
        "organisation_id": NOT,
        "member_id": MEMBER,
        "note": PERSONAL,
        "state": NOT,
        "created_at": NOT,
        "decided_at": NOT,
        "decided_by_id": MEMBER,
    },
    "role_grants": {
        "id": NOT,
        "member_id": MEMBER,
        "role": NOT,
        "organisation_id": NOT,
        "country_code": NOT,
        "granted_at": NOT,
    },
    "rsvps": {"event_id": NOT, "member_id": MEMBER, "status": NOT, "updated_at": NOT},
    "mentor_profiles": {
        "member_id": MEMBER,
        "topics": NOT,  # codes of the vocabulary
        "languages": PERSONAL,  # as members.languages
        "capacity": NOT,
        "cadence": NOT,
        "about": PERSONAL,  # text the mentor wrote
        "paused": NOT,
        "created_at": NOT,
        "updated_at": NOT,
    },
    "mentor_requests": {
        "id": NOT,
        "mentor_id": MEMBER,
        "mentee_id": MEMBER,
        "topic": NOT,
        "message": PERSONAL,
        "state": NOT,
        "created_at": NOT,
        "answered_at": NOT,
        "follow_up_at": NOT,
        "follow_up_sent": NOT,
        "met": NOT,
    },
    "coffee_members": {
        "country_code": NOT,
        "member_id": MEMBER,
        "snoozed_until": NOT,
        "joined_at": NOT,
    },
    "coffee_avoids": {"id": NOT, "member_id": MEMBER, "avoided_id": MEMBER, "created_at": NOT},
    "coffee_settings": {"country_code": NOT, "every_weeks": NOT, "updated_at": NOT},
    "coffee_rounds": {
        "id": NOT,
        "country_code": NOT,
        "round_key": NOT,
        "fired_at": NOT,
        "groups": NOT,
    },
    "coffee_matches": {"round_id": NOT, "member_id": MEMBER, "group_no": NOT, "met": NOT},
    # Words of the members' search documents, for spelling correction: erasure drops the
    # words only the erased member had (the footprint sweep below proves it), each row whole.
    "search_terms": {"term": NOT, "without_third_letter": NOT},
}


def _schema() -> dict[str, dict[str, Any]]:
    return {t.name: {c.name: c for c in t.columns} for t in Base.metadata.sorted_tables}


def _refers_to_member(column: Any) -> bool:
    return any(fk.target_fullname == "members.id" for fk in column.foreign_keys)


def test_every_column_of_the_schema_is_classified() -> None:
    schema = {table: set(columns) for table, columns in _schema().items()}
    reviewed = {table: set(columns) for table, columns in CLASSIFICATION.items()}
    unreviewed = {f"{t}.{c}" for t, cols in schema.items() for c in cols - reviewed.get(t, set())}
    gone = {f"{t}.{c}" for t, cols in reviewed.items() for c in cols - schema.get(t, set())}
    assert not unreviewed, f"classify these columns in CLASSIFICATION: {sorted(unreviewed)}"
    assert not gone, f"these columns no longer exist: {sorted(gone)}"


def test_the_models_mark_exactly_the_columns_classified_personal() -> None:
    marked = {
        f"{t}.{c}"
        for t, cols in _schema().items()
        for c, col in cols.items()
        if col.info.get("personal")
    }
    classified = {
        f"{t}.{c}" for t, cols in CLASSIFICATION.items() for c, k in cols.items() if k == PERSONAL
    }
    assert marked == classified


def test_every_reference_to_a_member_has_an_export_and_erasure_policy() -> None:
    references = {
        f"{t}.{c}"
        for t, cols in _schema().items()
        for c, col in cols.items()
        if _refers_to_member(col)
    }
    classified = {
        f"{t}.{c}" for t, cols in CLASSIFICATION.items() for c, k in cols.items() if k == MEMBER
    }
    with_policy = [f"{col.class_.__tablename__}.{col.key}" for _s, col, _p in REFERENCES]
    assert references == classified
    assert sorted(with_policy) == sorted(references)  # each once


def test_transient_personal_text_expires() -> None:
    transient = [c for cols in CLASSIFICATION.values() for c, k in cols.items() if k == TRANSIENT]
    assert transient == ["payload"]  # callback_tokens only; a new one needs its own expiry
    assert dt.timedelta(days=30) >= callbacks.LIFETIME


# --- a member's footprint in every table ----------------------------------------------------
SENTINEL = "zqx"  # every personal value of the footprint contains it, and nothing else does


@dataclass
class Footprint:
    member_id: int
    console_user: str
    other_id: int
    # (table, column) -> a value the member's rows hold there; in the export or not.
    exported: dict[tuple[str, str], str] = field(default_factory=dict)
    withheld: dict[tuple[str, str], str] = field(default_factory=dict)
    waiting_id: int = 0  # a member on the waiting list of the member's full event
    event_id: int = 0


def _s(table: str, column: str) -> str:
    return f"{SENTINEL}-{table}-{column}".replace("_", "-")


async def _footprint(app: App) -> Footprint:
    """A member who did everything there is to do, with a sentinel in every personal field."""
    now = app.clock.now()
    personal: dict[tuple[str, str], str] = {}

    def s(table: str, column: str) -> str:
        personal[(table, column)] = value = _s(table, column)
        return value

    async with app.db.sessions.begin() as session:
        other = await session.scalar(select(Member).where(Member.email == DEMO_EMAIL))
        assert other is not None
        school = await session.scalar(
            select(Organisation).where(Organisation.kind == OrganisationKind.INSTITUTION).limit(1)
        )
        assert school is not None
        member = Member(
            full_name=s("members", "full_name"),
            name_key=s("members", "name_key"),
            email=s("members", "email") + "@example.org",
            country_code="BR",
            city=s("members", "city"),
            city_key=s("members", "city_key"),
            sector="digital",
            languages=[s("members", "languages")],
            preferred_language=s("members", "preferred_language")[:16],
            directory_consent=True,
            consent_at=now,
            visibility=Visibility.LISTED,
            search_document=s("members", "search_document") + " paris",
            created_at=now,
            updated_at=now,
        )
        personal[("members", "preferred_language")] = member.preferred_language or ""
        personal[("members", "search_document")] = member.search_document
        session.add(member)
        waiting = Member(full_name="Waiting Person", name_key="waiting person", country_code="BR")
        session.add(waiting)
        await session.flush()
        mid, oid = member.id, other.id
        await remember_terms(session, [member.search_document])
        session.add(
            Education(
                member_id=mid, institution_id=school.id, degree="master", graduation_year=2019
            )
        )
        tg_user = s("platform_accounts", "user_id")
        console_user = tg_user + "-console"
        for platform, user in ((Platform.TELEGRAM, tg_user), (Platform.CONSOLE, console_user)):
            session.add(
                PlatformAccount(
                    platform=platform,
                    user_id=user,
                    member_id=mid,
                    handle=s("platform_accounts", "handle"),
                    display_name=s("platform_accounts", "display_name"),
                    locale=s("platform_accounts", "locale")[:16],
                    created_at=now,
                )
            )
        personal[("platform_accounts", "locale")] = s("platform_accounts", "locale")[:16]
        session.add(RoleGrant(member_id=mid, role=Role.REPRESENTATIVE, organisation_id=school.id))
        session.add(ClaimCode(code_hash="0" * 64, member_id=mid, purpose="link", expires_at=now))
        session.add(
            FormSession(
                platform=Platform.TELEGRAM,
                user_id=tg_user,
                form={"title": s("form_sessions", "form")},
                answers={"name": s("form_sessions", "answers")},
            )
        )
        personal[("form_sessions", "user_id")] = tg_user
        sent = Introduction(
            requester_id=mid, target_id=oid, message=s("introductions", "message"), created_at=now
        )
        received = Introduction(
            requester_id=oid, target_id=mid, message=_s("introductions", "received"), created_at=now
        )
        session.add_all([sent, received])
        session.add(MemberBlock(blocker_id=mid, blocked_id=oid))
        session.add(MemberBlock(blocker_id=oid, blocked_id=mid))
        session.add(
            MemberReport(reporter_id=mid, reported_id=oid, reason=s("member_reports", "reason"))
        )
        about = MemberReport(reporter_id=oid, reported_id=mid, reason=_s("member_reports", "about"))
        session.add(about)
        offer = Offer(
            organisation_id=school.id,
            author_id=mid,
            kind=OfferKind.JOB,
            title="Data analyst",
            title_key=" data analyst",
            country_code="BR",
            expires_at=now + dt.timedelta(days=30),
        )
        session.add(offer)
        await session.flush()
        alert = Alert(
            member_id=mid,
            text=s("alerts", "text"),
            terms=s("alerts", "terms"),
            match_key="*|*|*|*",
            match_word=s("alerts", "match_word"),
        )
        report = OfferReport(offer_id=offer.id, member_id=mid, reason=s("offer_reports", "reason"))
        request = RepresentationRequest(
            organisation_id=school.id, member_id=mid, note=s("representation_requests", "note")
        )
        decided = RepresentationRequest(
            organisation_id=school.id, member_id=oid, note="please", decided_by_id=mid
        )
        session.add_all(
            [alert, report, request, decided, OfferView(offer_id=offer.id, member_id=mid)]
        )
        session.add(Chapter(country_code="BR", time_zone="America/Sao_Paulo", opened_by_id=mid))
        await session.flush()
        session.add(EmbassyDesk(country_code="BR", address="Brasília", updated_by_id=mid))
        contact = ContactRequest(
            organisation_id=school.id,
            member_id=mid,
            message=s("contact_requests", "message"),
            answer=s("contact_requests", "answer"),
            state="answered",
            handled_by_id=oid,
        )
        session.add_all(
            [
                contact,
                ContactRequest(
                    organisation_id=school.id,
                    member_id=oid,
                    message="hello",
                    answer="",
                    state="accepted",
                    handled_by_id=mid,
                ),
                OrganisationBlock(organisation_id=school.id, member_id=mid, blocked_by_id=oid),
                OrganisationBlock(organisation_id=school.id, member_id=oid, blocked_by_id=mid),
                InstitutionOptOut(member_id=mid, organisation_id=school.id),
                InstitutionMessage(organisation_id=school.id, author_id=mid, text="New master"),
            ]
        )
        await session.flush()
        event = Event(
            country_code="BR",
            organiser="France Alumni BR",
            titles={"en": "Meetup"},
            starts_at=now + dt.timedelta(days=3),
            ends_at=now + dt.timedelta(days=3, hours=2),
            time_zone="America/Sao_Paulo",
            capacity=1,
            remind_day_at=now + dt.timedelta(days=2),
            remind_hour_at=now + dt.timedelta(days=3, hours=-1),
            created_by_id=mid,
        )
        session.add(event)
        session.add(Broadcast(country_code="BR", author_id=mid, text="Hello Brazil"))
        session.add(Article(country_code="BR", author_id=mid, title="News"))
        session.add(DigestSubscription(member_id=mid))
        session.add(
            AuditEntry(actor_id=mid, action="offer.post", subject="offer", subject_id=offer.id)
        )
        group = Group(
            slug="zz-privacy", names={"en": "Privacy"}, kind=GroupKind.OTHER, owner_id=mid
        )
        session.add(group)
        await session.flush()
        session.add(Rsvp(event_id=event.id, member_id=mid, status=RsvpStatus.GOING, updated_at=now))
        session.add(
            Rsvp(
                event_id=event.id,
                member_id=waiting.id,
                status=RsvpStatus.WAITING,
                updated_at=now,
            )
        )
        session.add(GroupMembership(group_id=group.id, member_id=mid))
        session.add(
            GroupMembership(group_id=group.id, member_id=oid, state=MembershipState.PENDING)
        )
        here = GroupChannel(
            group_id=group.id, platform=Platform.TELEGRAM, chat_id="-100", mapped_by_id=mid
        )
        there = GroupChannel(
            group_id=group.id, platform=Platform.SLACK, workspace="T1", chat_id="C1"
        )
        elsewhere = GroupChannel(
            group_id=group.id, platform=Platform.DISCORD, workspace="G1", chat_id="9"
        )
        session.add_all([here, there, elsewhere])
        await session.flush()
        relay = GroupRelay(
            digest="d" * 32,
            group_id=group.id,
            channel_id=here.id,
            source_message_id="1",
            author_id=mid,
            author_name=s("group_relays", "author_name"),
            text=s("group_relays", "text"),
        )
        session.add(relay)
        await session.flush()
        answer = GroupRelay(
            digest="e" * 32,
            group_id=group.id,
            channel_id=there.id,
            source_message_id="2",
            author_id=oid,
            author_name="Demo",
            text="a reply",
            reply_to_id=relay.id,
        )
        group_report = GroupReport(
            group_id=group.id, reporter_id=mid, relay_id=None, reason=s("group_reports", "reason")
        )
        session.add_all([answer, group_report])
        await session.flush()
        copy_text = f"{_s('group_relays', 'author_name')} (Telegram): {_s('group_relays', 'text')}"

        def copy(channel: GroupChannel, state: str) -> OutboxMessage:
            return OutboxMessage(
                key=f"relay:{relay.digest}:{channel.id}",
                kind="relay",
                platform=channel.platform,
                workspace=channel.workspace,
                chat_id=channel.chat_id,
                reply={"text": copy_text, "relay": {"author": _s("group_relays", "author_name")}},
                state=state,
                platform_message_id="m1" if state == "sent" else None,
            )

        private = s("outbox_messages", "reply")
        session.add_all(
            [
                copy(there, "sent"),
                copy(elsewhere, "pending"),
                OutboxMessage(  # an edit of the member's relayed message, delivered
                    key=f"relay_edit:{relay.digest}:{there.id}:e1",
                    kind="relay_edit",
                    platform=there.platform,
                    workspace=there.workspace,
                    chat_id=there.chat_id,
                    reply={"text": copy_text, "relay": {"relay_id": relay.id}},
                    state="sent",
                ),
                OutboxMessage(  # the member taken out of a group's channel: names their account
                    key=f"group_member:ban:{group.id}:{mid}:{there.id}:1",
                    kind="group_member",
                    platform=there.platform,
                    workspace=there.workspace,
                    chat_id=there.chat_id,
                    reply={"text": "", "membership": {"action": "ban", "user_id": tg_user}},
                    state="sent",
                ),
                OutboxMessage(
                    key=f"alert:{alert.id}:offer:{offer.id}",
                    kind="alert",
                    platform=Platform.TELEGRAM,
                    chat_id="user:" + tg_user,
                    reply={"text": private},
                    state="sent",
                ),
                *(
                    OutboxMessage(
                        key=key,
                        kind=key.split(":")[0],
                        platform=Platform.CONSOLE,
                        chat_id="user:demo",
                        reply={"text": f"{_s('members', 'full_name')} {key}"},
                        state=state,
                    )
                    for key, state in (
                        (f"introduction:{sent.id}:request", "sent"),
                        (f"contact:{contact.id}:to:{oid}", "sent"),
                        (f"report:{report.id}:admin:{oid}", "pending"),
                        (f"request:{request.id}:admin:{oid}", "sent"),
                        (f"group_report:{group_report.id}:{oid}", "sent"),
                        (f"group_request:{group.id}:{mid}:1772442000:{oid}", "sent"),
                    )
                ),
            ]
        )
        session.add(
            MentorProfile(
                member_id=mid,
                topics=["visas"],
                languages=[s("mentor_profiles", "languages")],
                about=s("mentor_profiles", "about"),
            )
        )
        asked = MentorRequest(
            mentor_id=oid, mentee_id=mid, topic="visas", message=s("mentor_requests", "message")
        )
        session.add_all(
            [
                asked,
                MentorRequest(
                    mentor_id=mid,
                    mentee_id=oid,
                    topic="school",
                    message=_s("mentor_requests", "received"),
                ),
                CoffeeMember(country_code="BR", member_id=mid),
                CoffeeAvoid(member_id=mid, avoided_id=oid),
                CoffeeAvoid(member_id=oid, avoided_id=mid),
            ]
        )
        coffee = CoffeeRound(country_code="BR", round_key="2026-03-02", fired_at=now, groups=1)
        session.add(coffee)
        await session.flush()
        session.add_all(
            [
                CoffeeMatch(round_id=coffee.id, member_id=mid, group_no=1),
                CoffeeMatch(round_id=coffee.id, member_id=oid, group_no=1),
                *(
                    OutboxMessage(
                        key=key,
                        kind=key.split(":")[0],
                        platform=Platform.CONSOLE,
                        chat_id="user:demo",
                        reply={"text": f"{_s('members', 'full_name')} {key}"},
                        state="sent",
                    )
                    for key in (f"coffee:{coffee.id}:{oid}", f"mentoring:{asked.id}:request")
                ),
            ]
        )
        personal[("outbox_messages", "chat_id")] = "user:" + tg_user
        withheld = {
            ("member_reports", "about"): _s("member_reports", "about"),
        }
        exported = {
            **personal,
            ("introductions", "received"): _s("introductions", "received"),
            ("mentor_requests", "received"): _s("mentor_requests", "received"),
        }
    return Footprint(
        member_id=mid,
        console_user=console_user,
        other_id=oid,
        exported=exported,
        withheld=withheld,
        waiting_id=waiting.id,
        event_id=event.id,
    )


async def _export(app: App, user: str) -> tuple[dict[str, Any], str]:
    [reply] = await say(app, user, "/export")
    assert not reply.error, reply.text
    content = reply.attachments[0].content.decode()
    return json.loads(content), content


async def _erase(app: App, user: str) -> None:
    [confirm] = await say(app, user, "/erase")
    [button] = confirm.buttons
    [done] = await press(app, user, button.action, button.payload)
    assert not done.error, done.text


async def _database_text(app: App) -> str:
    """Every value of every row of every table, as text."""
    parts = []
    async with app.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


async def test_the_footprint_fills_every_personal_column_of_the_schema(seeded: App) -> None:
    footprint = await _footprint(seeded)
    personal = {
        (t, c) for t, cols in CLASSIFICATION.items() for c, k in cols.items() if k == PERSONAL
    }
    assert personal <= set(footprint.exported)
    database = await _database_text(seeded)
    for value in footprint.exported.values():
        assert value in database


async def test_export_holds_every_personal_value_of_the_member_and_nothing_others_wrote(
    seeded: App,
) -> None:
    footprint = await _footprint(seeded)
    data, text = await _export(seeded, footprint.console_user)
    missing = {key: v for key, v in footprint.exported.items() if v not in text}
    assert not missing
    for value in footprint.withheld.values():
        assert value not in text
    for section, _column, policy in REFERENCES:
        if policy is Policy.OTHERS:
            assert section not in data
        else:
            assert data[section], section  # the footprint has a row behind every reference
    assert data["forms_in_progress"][0]["answers"] == {"name": _s("form_sessions", "answers")}
    assert [m["kind"] for m in data["messages_to_you"]] == ["alert"]


async def test_erasure_leaves_no_personal_value_and_no_reference_to_the_member(
    seeded: App,
) -> None:
    footprint = await _footprint(seeded)
    await _erase(seeded, footprint.console_user)
    database = await _database_text(seeded)
    assert SENTINEL not in database.lower()
    async with seeded.db.sessions() as session:
        for section, column, policy in REFERENCES:
            left = await session.scalar(select(column).where(column == footprint.member_id))
            if policy is Policy.KEEP:
                assert left is not None, section  # anonymous aggregates stay
            else:
                assert left is None, section
        member = await session.get(Member, footprint.member_id)
        assert member is not None and member.erased_at is not None
        assert not member.directory_consent and member.visibility is Visibility.HIDDEN


async def test_erasure_keeps_what_others_rely_on(seeded: App) -> None:
    footprint = await _footprint(seeded)
    await _erase(seeded, footprint.console_user)
    async with seeded.db.sessions() as session:
        # The erased member's seat goes to the first on the waiting list.
        seat = await session.get(Rsvp, (footprint.event_id, footprint.waiting_id))
        assert seat is not None and seat.status == RsvpStatus.GOING
        # A reply to the member's group message still knows what it answers; the sent copy
        # keeps the platform message id that threads refer to, without the words.
        answer = await session.scalar(select(GroupRelay).where(GroupRelay.digest == "e" * 32))
        assert answer is not None and answer.reply_to_id is not None
        copies = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "relay"))
        ).all()
        assert [(c.state, c.platform_message_id, c.reply["text"]) for c in copies] == [
            ("sent", "m1", "")
        ]
        # What the member did for the network stays, without their name on it.
        offer = await session.scalar(select(Offer).where(Offer.title == "Data analyst"))
        assert offer is not None and offer.author_id is None
    [after] = await say(seeded, footprint.console_user, "/profile")
    assert after.error
