"""Organisation pages and their representatives: a member asks, an administrator decides.

A global admin decides for any organisation; a country admin for the organisations of their
country (the home country or a country the organisation is present in). A verified request
grants the member the representative role for that organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..chat.replies import Reply
from ..db.models import (
    Member,
    Offer,
    Organisation,
    OrganisationCountry,
    RepresentationRequest,
    RoleGrant,
)
from ..delivery.outbox import notify_member
from ..domain import Role
from ..errors import UserError
from ..i18n import N_, country_name
from .audit import audit
from .domain import OfferState, RequestState

__all__ = [
    "OrganisationPage",
    "PendingRequest",
    "decide_request",
    "find_organisation",
    "organisation_countries",
    "organisation_page",
    "pending_requests",
    "request_representation",
    "require_member",
]


@dataclass(frozen=True, slots=True)
class OrganisationPage:
    organisation: Organisation
    countries: list[str]
    open_offers: int


@dataclass(frozen=True, slots=True)
class PendingRequest:
    request_id: int
    organisation: str
    organisation_slug: str
    member_name: str
    note: str
    created_at: dt.datetime


def require_member(actor: Actor) -> int:
    if actor.member_id is None:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    return actor.member_id


async def find_organisation(session: AsyncSession, slug: str) -> Organisation:
    organisation = await session.scalar(
        select(Organisation).where(Organisation.slug == slug.strip().lower())
    )
    if organisation is None:
        raise UserError(
            N_(
                "No organisation is called {slug}. Its page address is a short name, "
                "such as airbus."
            ),
            slug=slug,
        )
    return organisation


async def organisation_countries(session: AsyncSession, organisation: Organisation) -> list[str]:
    """The home country first, then the countries it is present in."""
    present = await session.scalars(
        select(OrganisationCountry.country_code)
        .where(OrganisationCountry.organisation_id == organisation.id)
        .order_by(OrganisationCountry.country_code)
    )
    home = [organisation.country_code] if organisation.country_code else []
    return list(dict.fromkeys([*home, *present.all()]))


async def organisation_page(session: AsyncSession, slug: str, now: dt.datetime) -> OrganisationPage:
    organisation = await find_organisation(session, slug)
    open_offers = await session.scalar(
        select(func.count(Offer.id)).where(
            Offer.organisation_id == organisation.id,
            Offer.state == OfferState.OPEN,
            Offer.expires_at > now,
        )
    )
    return OrganisationPage(
        organisation=organisation,
        countries=await organisation_countries(session, organisation),
        open_offers=int(open_offers or 0),
    )


def _may_decide(actor: Actor, countries: list[str]) -> bool:
    return actor.has_role(Role.GLOBAL_ADMIN) or any(actor.admin_of(c) for c in countries)


async def _deciders(session: AsyncSession, countries: list[str]) -> list[int]:
    rows = await session.scalars(
        select(RoleGrant.member_id)
        .where(
            or_(
                RoleGrant.role == Role.GLOBAL_ADMIN,
                (RoleGrant.role == Role.COUNTRY_ADMIN) & RoleGrant.country_code.in_(countries),
            )
        )
        .distinct()
    )
    return sorted(rows.all())


async def request_representation(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    note: str,
    *,
    now: dt.datetime,
    announce: Callable[[RepresentationRequest, Organisation, str], Reply],
) -> tuple[RepresentationRequest, Organisation]:
    """Ask to represent an organisation; its administrators are told (``announce`` builds
    the message, in each administrator's language)."""
    member_id = require_member(actor)
    organisation = await find_organisation(session, slug)
    if actor.represents(organisation.id):
        raise UserError(N_("You already represent {organisation}."), organisation=organisation.name)
    pending = await session.scalar(
        select(RepresentationRequest.id).where(
            RepresentationRequest.member_id == member_id,
            RepresentationRequest.organisation_id == organisation.id,
            RepresentationRequest.state == RequestState.PENDING,
        )
    )
    if pending is not None:
        raise UserError(
            N_("Your request to represent {organisation} is already waiting for an administrator."),
            organisation=organisation.name,
        )
    request = RepresentationRequest(
        organisation_id=organisation.id,
        member_id=member_id,
        note=note.strip(),
        state=RequestState.PENDING,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    await audit(
        session,
        actor_id=member_id,
        action="request.create",
        subject="request",
        subject_id=request.id,
        organisation_id=organisation.id,
        now=now,
    )
    requester = await session.scalar(select(Member.full_name).where(Member.id == member_id)) or ""
    for admin_id in await _deciders(session, await organisation_countries(session, organisation)):
        await notify_member(
            session,
            admin_id,
            key=f"request:{request.id}:admin:{admin_id}",
            kind="verification",
            build=lambda: announce(request, organisation, requester),
            now=now,
        )
    return request, organisation


async def pending_requests(session: AsyncSession, actor: Actor) -> list[PendingRequest]:
    """The requests this administrator may decide, oldest first."""
    stmt = (
        select(
            RepresentationRequest.id,
            Organisation.name,
            Organisation.slug,
            Member.full_name,
            RepresentationRequest.note,
            RepresentationRequest.created_at,
        )
        .join(Organisation, Organisation.id == RepresentationRequest.organisation_id)
        .join(Member, Member.id == RepresentationRequest.member_id)
        .where(RepresentationRequest.state == RequestState.PENDING)
        .order_by(RepresentationRequest.id)
        .limit(20)
    )
    if not actor.has_role(Role.GLOBAL_ADMIN):
        countries = [
            g.country_code
            for g in actor.grants
            if g.role is Role.COUNTRY_ADMIN and g.country_code is not None
        ]
        stmt = stmt.where(
            or_(
                Organisation.country_code.in_(countries),
                Organisation.id.in_(
                    select(OrganisationCountry.organisation_id).where(
                        OrganisationCountry.country_code.in_(countries)
                    )
                ),
            )
        )
    return [PendingRequest(*row) for row in (await session.execute(stmt)).all()]


async def decide_request(
    session: AsyncSession,
    actor: Actor,
    request_id: int,
    *,
    verify: bool,
    reason: str,
    now: dt.datetime,
    tell_requester: Callable[[Organisation, bool, str], Reply],
) -> tuple[RepresentationRequest, Organisation]:
    """Verify (grant the representative role) or refuse a pending request; audited, and the
    requester is told."""
    admin_id = require_member(actor)
    request = await session.get(RepresentationRequest, request_id, with_for_update=True)
    if request is None:
        raise UserError(N_("There is no request number {id}."), id=request_id)
    organisation = await session.get(Organisation, request.organisation_id)
    assert organisation is not None
    countries = await organisation_countries(session, organisation)
    if not _may_decide(actor, countries):
        raise UserError(
            N_(
                "Only the network's administrators or the administrators of {countries} can "
                "decide for {organisation}."
            ),
            countries=", ".join(country_name(c) for c in countries) or "—",
            organisation=organisation.name,
        )
    if request.state is not RequestState.PENDING:
        raise UserError(N_("This request was already decided."))
    request.state = RequestState.VERIFIED if verify else RequestState.REFUSED
    request.decided_at = now
    request.decided_by_id = admin_id
    if verify:
        granted = await session.scalar(
            select(RoleGrant.id).where(
                RoleGrant.member_id == request.member_id,
                RoleGrant.role == Role.REPRESENTATIVE,
                RoleGrant.organisation_id == organisation.id,
            )
        )
        if granted is None:
            session.add(
                RoleGrant(
                    member_id=request.member_id,
                    role=Role.REPRESENTATIVE,
                    organisation_id=organisation.id,
                    granted_at=now,
                )
            )
    await session.flush()
    await audit(
        session,
        actor_id=admin_id,
        action="request.verify" if verify else "request.refuse",
        subject="request",
        subject_id=request.id,
        organisation_id=organisation.id,
        now=now,
        member_id=request.member_id,
        reason=reason,
    )
    await notify_member(
        session,
        request.member_id,
        key=f"request:{request.id}:decision",
        kind="verification",
        build=lambda: tell_requester(organisation, verify, reason),
        now=now,
    )
    return request, organisation
