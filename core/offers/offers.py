"""Posting and managing offers: checked input, post, edit, close, repost, report, unpublish.

Only verified representatives of an organisation post, edit, close and repost its offers;
members report; global admins unpublish. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..chat.parser import resolve_country
from ..db.base import insert_for, table_of
from ..db.models import Offer, OfferReport, OfferView, Organisation, RoleGrant
from ..delivery.outbox import notify_member
from ..directory.countries import ensure_countries
from ..directory.vocabulary import resolve_language
from ..domain import Role, fold
from ..errors import CountedUserError, UserError
from ..i18n import N_, format_date, gettext
from . import cards
from .alerts import Notified, notify_matches
from .audit import audit
from .domain import OfferKind, OfferState
from .organisations import require_member
from .vocabulary import (
    APPLY_MAX,
    CITY_MAX,
    CONTRACT_MAX,
    DESCRIPTION_MAX,
    SECTORS,
    TITLE_MAX,
    resolve_kind,
    resolve_sector,
)

__all__ = [
    "DEFAULT_VALIDITY",
    "OfferDetails",
    "OfferInput",
    "OwnOffer",
    "close_offer",
    "edit_offer",
    "load_offer",
    "my_offers",
    "offer_input",
    "post_offer",
    "record_view",
    "report_offer",
    "repost_offer",
    "unpublish_offer",
]

DEFAULT_VALIDITY = dt.timedelta(days=30)
MAX_VALIDITY = dt.timedelta(days=366)
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_YES = {"yes", "y", "true", "1", "oui", "remote"}


@dataclass(frozen=True, slots=True)
class OfferInput:
    kind: OfferKind
    title: str
    country_code: str
    city: str | None
    remote: bool
    sector: str | None
    languages: tuple[str, ...]
    contract: str | None
    description: str
    apply_url: str | None
    apply_email: str | None
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class OfferDetails:
    offer: Offer
    organisation: str
    organisation_slug: str
    views: int = 0


@dataclass(frozen=True, slots=True)
class OwnOffer:
    offer: Offer
    organisation: str
    views: int
    reports: int


def _limited(label: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise CountedUserError(
            "{field} is too long ({count} character); the limit is {limit}.",
            "{field} is too long ({count} characters); the limit is {limit}.",
            len(value),
            field=label,
            limit=limit,
        )
    return value


def _expiry(raw: str, now: dt.datetime) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise UserError(
            N_("{field} must be a date written YYYY-MM-DD."), field=gettext("Expiry date")
        ) from None
    expires = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
    if expires <= now:
        raise UserError(
            N_("The expiry date {date} is already past; choose a later date."),
            date=format_date(day),
        )
    if expires - now > MAX_VALIDITY:
        raise UserError(
            N_("An offer stays online for a year at most; choose an expiry date before {date}."),
            date=format_date((now + MAX_VALIDITY).date()),
        )
    return expires


def _how_to_apply(raw: str) -> tuple[str | None, str | None]:
    value = _limited(gettext("How to apply"), raw.strip(), APPLY_MAX)
    if "@" in value and "://" not in value and not value.lower().startswith("mailto:"):
        if not _EMAIL_RE.match(value):
            raise UserError(N_("{value} is not a valid e-mail address."), value=value)
        return None, value
    if value.lower().startswith("mailto:"):
        return _how_to_apply(value[7:])
    if not _URL_RE.match(value):
        raise UserError(
            N_(
                "How to apply must be a web address starting with http:// or https://, "
                "or an e-mail address."
            )
        )
    return value, None


def offer_input(
    values: Mapping[str, str | None],
    *,
    organisation: Organisation,
    now: dt.datetime,
    current: OfferInput | None = None,
) -> OfferInput:
    """Check raw values (a one-line post, a form, an edit) into an OfferInput.

    Missing values come from ``current`` (an edit) or sensible defaults: the organisation's
    country and website, an expiry 30 days ahead.
    """

    def get(name: str) -> str:
        return (values.get(name) or "").strip()

    kind: OfferKind | None = current.kind if current else None
    if get("kind"):
        kind = resolve_kind(get("kind"))
        if kind is None:
            raise UserError(
                N_("Unknown kind of offer {value}. Choose one of: {choices}."),
                value=get("kind"),
                choices=", ".join(k.value for k in OfferKind),
            )
    if kind is None:
        raise UserError(N_("{field} is required."), field=gettext("Kind of offer"))
    title = _limited(gettext("Title"), get("title"), TITLE_MAX) or (
        current.title if current else ""
    )
    if not title:
        raise UserError(N_("{field} is required."), field=gettext("Title"))
    country = current.country_code if current else organisation.country_code
    if get("country"):
        country = resolve_country(get("country"))
        if country is None:
            raise UserError(
                N_("Unknown country {value}. Use a country name or a two-letter code such as BR."),
                value=get("country"),
            )
    if not country:
        raise UserError(N_("{field} is required."), field=gettext("Country"))
    city = _limited(gettext("City"), get("city"), CITY_MAX) or (current.city if current else None)
    remote = (get("remote").lower() in _YES) if get("remote") else bool(current and current.remote)
    sector = current.sector if current else organisation.sector
    if get("sector"):
        sector = resolve_sector(get("sector"))
        if sector is None:
            raise UserError(
                N_("Unknown sector {value}. Choose one of: {choices}."),
                value=get("sector"),
                choices=", ".join(SECTORS),
            )
    languages = current.languages if current else ()
    if get("languages"):
        codes = []
        for item in get("languages").replace(";", ",").split(","):
            if item.strip():
                code = resolve_language(item)
                if code is None:
                    raise UserError(N_("Unknown language {value}."), value=item.strip())
                codes.append(code)
        languages = tuple(dict.fromkeys(codes))[:8]
    contract = _limited(gettext("Contract"), get("contract"), CONTRACT_MAX) or (
        current.contract if current else None
    )
    description = _limited(gettext("Description"), get("description"), DESCRIPTION_MAX) or (
        current.description if current else ""
    )
    if get("apply"):
        apply_url, apply_email = _how_to_apply(get("apply"))
    elif current is not None:
        apply_url, apply_email = current.apply_url, current.apply_email
    elif organisation.website:
        apply_url, apply_email = organisation.website, None
    else:
        raise UserError(
            N_(
                "Say how to apply: add apply: with a web address or an e-mail, for example "
                "apply:https://example.org/jobs/42"
            )
        )
    if get("expires"):
        expires_at = _expiry(get("expires"), now)
    elif current is not None:
        expires_at = current.expires_at
    else:
        expires_at = now + DEFAULT_VALIDITY
    return OfferInput(
        kind=kind,
        title=title,
        country_code=country,
        city=city,
        remote=remote,
        sector=sector,
        languages=languages,
        contract=contract,
        description=description,
        apply_url=apply_url,
        apply_email=apply_email,
        expires_at=expires_at,
    )


def input_of(offer: Offer) -> OfferInput:
    return OfferInput(
        kind=offer.kind,
        title=offer.title,
        country_code=offer.country_code,
        city=offer.city,
        remote=offer.remote,
        sector=offer.sector,
        languages=tuple(offer.languages or ()),
        contract=offer.contract,
        description=offer.description,
        apply_url=offer.apply_url,
        apply_email=offer.apply_email,
        expires_at=offer.expires_at,
    )


def search_document(data: OfferInput, organisation_name: str) -> str:
    """Folded words a search or an alert matches, framed by spaces."""
    parts = [
        data.title,
        organisation_name,
        data.city,
        data.sector,
        data.contract,
        data.kind.value,
        data.description,
    ]
    return f" {fold(' '.join(p for p in parts if p))} "


def _apply(offer: Offer, data: OfferInput, organisation_name: str, now: dt.datetime) -> None:
    offer.kind = data.kind
    offer.title = data.title
    offer.title_key = f" {fold(data.title)}"[:TITLE_MAX]
    offer.country_code = data.country_code
    offer.city = data.city
    offer.remote = data.remote
    offer.sector = data.sector
    offer.languages = list(data.languages)
    offer.languages_key = " " + "".join(f"{c} " for c in data.languages)
    offer.contract = data.contract
    offer.description = data.description
    offer.apply_url = data.apply_url
    offer.apply_email = data.apply_email
    offer.expires_at = data.expires_at
    offer.search_document = search_document(data, organisation_name)
    offer.updated_at = now


def require_representative(actor: Actor, organisation: Organisation) -> int:
    member_id = require_member(actor)
    if not actor.represents(organisation.id):
        raise UserError(
            N_("Only verified representatives of {organisation} can do this."),
            organisation=organisation.name,
        )
    return member_id


async def post_offer(
    session: AsyncSession,
    actor: Actor,
    organisation: Organisation,
    data: OfferInput,
    *,
    now: dt.datetime,
) -> tuple[Offer, Notified]:
    """Publish an offer; returns it and what was done about the alerts it matches."""
    member_id = require_representative(actor, organisation)
    await ensure_countries(session, [data.country_code])
    offer = Offer(
        organisation_id=organisation.id,
        author_id=member_id,
        state=OfferState.OPEN,
        published_at=now,
        created_at=now,
    )
    _apply(offer, data, organisation.name, now)
    session.add(offer)
    await session.flush()
    await audit(
        session,
        actor_id=member_id,
        action="offer.post",
        subject="offer",
        subject_id=offer.id,
        organisation_id=organisation.id,
        now=now,
    )
    notified = await notify_matches(session, offer, now=now)
    return offer, notified


async def _owned(
    session: AsyncSession, actor: Actor, offer_id: int, *, lock: bool = True
) -> tuple[Offer, Organisation, int]:
    offer = await session.get(Offer, offer_id, with_for_update=lock)
    if offer is None:
        raise UserError(N_("There is no offer number {id}."), id=offer_id)
    organisation = await session.get(Organisation, offer.organisation_id)
    assert organisation is not None
    member_id = require_representative(actor, organisation)
    if offer.state is OfferState.UNPUBLISHED:
        raise UserError(
            N_("The moderators took this offer down; it cannot be changed or reposted.")
        )
    return offer, organisation, member_id


async def edit_offer(
    session: AsyncSession,
    actor: Actor,
    offer_id: int,
    values: Mapping[str, str | None],
    *,
    now: dt.datetime,
) -> Offer:
    offer, organisation, member_id = await _owned(session, actor, offer_id)
    current = input_of(offer)
    if values.get("expires") is None:
        # An expired offer can still be edited; its old expiry date is not re-checked.
        current = replace(current, expires_at=max(current.expires_at, now + dt.timedelta(days=1)))
    data = offer_input(values, organisation=organisation, now=now, current=current)
    if values.get("expires") is None:
        data = replace(data, expires_at=offer.expires_at)
    await ensure_countries(session, [data.country_code])
    changed = sorted(k for k, v in values.items() if v)
    _apply(offer, data, organisation.name, now)
    await session.flush()
    await audit(
        session,
        actor_id=member_id,
        action="offer.edit",
        subject="offer",
        subject_id=offer.id,
        organisation_id=organisation.id,
        now=now,
        fields=changed,
    )
    return offer


async def close_offer(
    session: AsyncSession, actor: Actor, offer_id: int, *, now: dt.datetime
) -> Offer:
    offer, organisation, member_id = await _owned(session, actor, offer_id)
    if offer.state is not OfferState.OPEN:
        raise UserError(N_("This offer is already closed."))
    offer.state = OfferState.CLOSED
    offer.updated_at = now
    await audit(
        session,
        actor_id=member_id,
        action="offer.close",
        subject="offer",
        subject_id=offer.id,
        organisation_id=organisation.id,
        now=now,
    )
    return offer


async def repost_offer(
    session: AsyncSession,
    actor: Actor,
    offer_id: int,
    *,
    expires: str | None,
    now: dt.datetime,
) -> tuple[Offer, Notified]:
    """Publish a closed or expired offer again, at the top of search, with a new expiry.

    Alerts that matched it before are not told twice."""
    offer, organisation, member_id = await _owned(session, actor, offer_id)
    offer.expires_at = _expiry(expires, now) if expires else now + DEFAULT_VALIDITY
    offer.state = OfferState.OPEN
    offer.published_at = now
    offer.updated_at = now
    await session.flush()
    await audit(
        session,
        actor_id=member_id,
        action="offer.repost",
        subject="offer",
        subject_id=offer.id,
        organisation_id=organisation.id,
        now=now,
    )
    notified = await notify_matches(session, offer, now=now)
    return offer, notified


async def unpublish_offer(
    session: AsyncSession, actor: Actor, offer_id: int, reason: str, *, now: dt.datetime
) -> Offer:
    """A global admin takes an offer down; its author is told why."""
    admin_id = require_member(actor)
    if not actor.has_role(Role.GLOBAL_ADMIN):
        raise UserError(N_("Only the network's administrators can do this."))
    offer = await session.get(Offer, offer_id, with_for_update=True)
    if offer is None:
        raise UserError(N_("There is no offer number {id}."), id=offer_id)
    if offer.state is OfferState.UNPUBLISHED:
        raise UserError(N_("This offer is already unpublished."))
    offer.state = OfferState.UNPUBLISHED
    offer.updated_at = now
    await audit(
        session,
        actor_id=admin_id,
        action="offer.unpublish",
        subject="offer",
        subject_id=offer.id,
        organisation_id=offer.organisation_id,
        now=now,
        reason=reason,
    )
    if offer.author_id is not None:
        title = offer.title
        await notify_member(
            session,
            offer.author_id,
            key=f"offer:{offer.id}:unpublished:{int(now.timestamp())}",
            kind="moderation",
            build=lambda: cards.unpublished_notice(title, reason),
            now=now,
        )
    return offer


async def report_offer(
    session: AsyncSession, actor: Actor, offer_id: int, reason: str, *, now: dt.datetime
) -> OfferReport:
    """A member flags an offer; the global admins are told."""
    member_id = require_member(actor)
    offer = await session.get(Offer, offer_id)
    if offer is None or offer.state is OfferState.UNPUBLISHED:
        raise UserError(N_("There is no offer number {id}."), id=offer_id)
    already = await session.scalar(
        select(OfferReport.id).where(
            OfferReport.offer_id == offer_id, OfferReport.member_id == member_id
        )
    )
    if already is not None:
        raise UserError(N_("You have already reported this offer; the moderators will look at it."))
    report = OfferReport(offer_id=offer_id, member_id=member_id, reason=reason, created_at=now)
    session.add(report)
    await session.flush()
    await audit(
        session,
        actor_id=member_id,
        action="offer.report",
        subject="offer",
        subject_id=offer_id,
        organisation_id=offer.organisation_id,
        now=now,
        report_id=report.id,
    )
    admins = await session.scalars(
        select(RoleGrant.member_id).where(RoleGrant.role == Role.GLOBAL_ADMIN).distinct()
    )
    title = offer.title
    for admin_id in sorted(admins.all()):
        await notify_member(
            session,
            admin_id,
            key=f"report:{report.id}:admin:{admin_id}",
            kind="moderation",
            build=lambda: cards.report_notice(offer_id, title, reason),
            now=now,
        )
    return report


async def load_offer(
    session: AsyncSession, actor: Actor, offer_id: int, now: dt.datetime
) -> OfferDetails:
    """An offer as a member may see it: online ones to everyone, the others to their
    organisation's representatives and the global admins."""
    row = (
        await session.execute(
            select(Offer, Organisation.name, Organisation.slug)
            .join(Organisation, Organisation.id == Offer.organisation_id)
            .where(Offer.id == offer_id)
        )
    ).first()
    if row is None:
        raise UserError(N_("There is no offer number {id}."), id=offer_id)
    offer, name, slug = row
    online = offer.state is OfferState.OPEN and offer.expires_at > now
    insider = actor.represents(offer.organisation_id) or actor.has_role(Role.GLOBAL_ADMIN)
    if not online and not insider:
        raise UserError(N_("This offer is no longer online."))
    views = 0
    if insider:
        views = int(
            await session.scalar(
                select(func.count()).select_from(OfferView).where(OfferView.offer_id == offer_id)
            )
            or 0
        )
    return OfferDetails(offer, name, slug, views)


async def record_view(
    session: AsyncSession, offer_id: int, member_id: int, *, now: dt.datetime
) -> None:
    """Remember that a member opened an offer (once per member)."""
    connection = await session.connection()
    await connection.execute(
        insert_for(connection)(table_of(OfferView))
        .values(offer_id=offer_id, member_id=member_id, viewed_at=now)
        .on_conflict_do_nothing()
    )


async def my_offers(session: AsyncSession, actor: Actor) -> list[OwnOffer]:
    """The offers of the organisations the actor represents, newest first, with how many
    distinct members opened each and how many reported it."""
    organisations = [g.organisation_id for g in actor.grants if g.role is Role.REPRESENTATIVE]
    if not organisations:
        return []
    views = (
        select(OfferView.offer_id, func.count().label("n")).group_by(OfferView.offer_id).subquery()
    )
    reports = (
        select(OfferReport.offer_id, func.count().label("n"))
        .group_by(OfferReport.offer_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Offer,
            Organisation.name,
            func.coalesce(views.c.n, 0),
            func.coalesce(reports.c.n, 0),
        )
        .join(Organisation, Organisation.id == Offer.organisation_id)
        .outerjoin(views, views.c.offer_id == Offer.id)
        .outerjoin(reports, reports.c.offer_id == Offer.id)
        .where(Offer.organisation_id.in_(organisations))
        .order_by(Offer.published_at.desc(), Offer.id.desc())
        .limit(25)
    )
    return [OwnOffer(o, name, int(v), int(r)) for o, name, v, r in rows.all()]
