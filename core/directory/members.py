"""Profiles: join the network, read and edit one's profile, choose what the directory shows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Education, Member, Organisation, PlatformAccount
from ..domain import OrganisationKind, Platform, Visibility, fold
from ..errors import UserError
from ..i18n import N_
from .countries import ensure_countries
from .documents import remember_terms, search_document

__all__ = [
    "Profile",
    "ProfileInput",
    "create_member",
    "find_or_create_institution",
    "load_profile",
    "refresh_search_document",
    "update_profile",
]


@dataclass(frozen=True, slots=True)
class ProfileInput:
    """Validated profile fields, as the onboarding form or an edit gives them."""

    full_name: str
    country_code: str | None = None
    city: str | None = None
    institution: str | None = None
    degree: str | None = None
    field: str | None = None
    graduation_year: int | None = None
    sector: str | None = None
    languages: tuple[str, ...] = ()
    preferred_language: str | None = None
    directory_consent: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    member_id: int
    full_name: str
    email: str | None
    country_code: str | None
    city: str | None
    sector: str | None
    languages: list[str]
    preferred_language: str | None
    directory_consent: bool
    visibility: Visibility
    studies: list[tuple[str, str | None, str | None, int | None]]  # school, degree, field, year
    accounts: list[tuple[Platform, str | None]]  # platform, handle


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:70] or "institution"


async def find_or_create_institution(session: AsyncSession, name: str) -> Organisation:
    """The institution whose folded name matches ``name``; a new one if none does."""
    key = fold(name)
    found = await session.scalar(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.INSTITUTION, Organisation.name_key == key)
        .limit(1)
    )
    if found is not None:
        return found
    slug = base = _slug(name)
    counter = 1
    while await session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        counter += 1
        slug = f"{base}-{counter}"
    await ensure_countries(session, ["FR"])
    organisation = Organisation(
        slug=slug,
        name=name.strip(),
        name_key=key,
        kind=OrganisationKind.INSTITUTION,
        country_code="FR",
        sector="education",
        descriptions={},
    )
    session.add(organisation)
    await session.flush()
    return organisation


async def refresh_search_document(session: AsyncSession, member: Member) -> None:
    rows = await session.execute(
        select(Organisation.name, Education.field)
        .join(Organisation, Organisation.id == Education.institution_id)
        .where(Education.member_id == member.id)
    )
    studies = [x for school, field_name in rows for x in (school, field_name)]
    member.name_key = fold(member.full_name)
    member.city_key = fold(member.city) if member.city else None
    member.search_document = search_document(member.full_name, member.city, member.sector, studies)
    await remember_terms(session, [member.search_document])


async def create_member(
    session: AsyncSession,
    data: ProfileInput,
    *,
    platform: Platform,
    workspace: str,
    user_id: str,
    handle: str | None,
    display_name: str | None,
    locale: str | None,
    now: dt.datetime,
) -> Member:
    """A new member with this platform account; refused if the account has a profile."""
    existing = await session.scalar(
        select(PlatformAccount.member_id).where(
            PlatformAccount.platform == platform,
            PlatformAccount.workspace == workspace,
            PlatformAccount.user_id == user_id,
        )
    )
    if existing is not None:
        raise UserError(N_("You are already a member. Send /profile to see your profile."))
    await ensure_countries(session, [data.country_code])
    member = Member(
        full_name=data.full_name.strip(),
        name_key=fold(data.full_name),
        country_code=data.country_code,
        city=data.city,
        sector=data.sector,
        languages=list(data.languages),
        preferred_language=data.preferred_language,
        directory_consent=data.directory_consent,
        consent_at=now if data.directory_consent else None,
        visibility=Visibility.LISTED,
        search_document="",
        created_at=now,
        updated_at=now,
    )
    session.add(member)
    await session.flush()
    if data.institution:
        institution = await find_or_create_institution(session, data.institution)
        session.add(
            Education(
                member_id=member.id,
                institution_id=institution.id,
                degree=data.degree,
                field=data.field,
                graduation_year=data.graduation_year,
            )
        )
    session.add(
        PlatformAccount(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            member_id=member.id,
            handle=handle,
            display_name=display_name,
            locale=locale,
        )
    )
    await session.flush()
    await refresh_search_document(session, member)
    return member


async def load_profile(session: AsyncSession, member_id: int) -> Profile:
    member = await session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    studies = [
        (school, degree, field_name, year)
        for school, degree, field_name, year in await session.execute(
            select(Organisation.name, Education.degree, Education.field, Education.graduation_year)
            .join(Organisation, Organisation.id == Education.institution_id)
            .where(Education.member_id == member_id)
            .order_by(Education.graduation_year.desc(), Education.id)
        )
    ]
    accounts = [
        (platform, handle)
        for platform, handle in await session.execute(
            select(PlatformAccount.platform, PlatformAccount.handle)
            .where(PlatformAccount.member_id == member_id)
            .order_by(PlatformAccount.id)
        )
    ]
    return Profile(
        member_id=member.id,
        full_name=member.full_name,
        email=member.email,
        country_code=member.country_code,
        city=member.city,
        sector=member.sector,
        languages=list(member.languages or []),
        preferred_language=member.preferred_language,
        directory_consent=member.directory_consent,
        visibility=member.visibility,
        studies=studies,
        accounts=accounts,
    )


async def update_profile(
    session: AsyncSession, member_id: int, changes: dict[str, Any], *, now: dt.datetime
) -> Member:
    """Apply validated changes; ``institution``/``degree``/``field``/``graduation_year``
    replace the member's first (most recent) study."""
    member = await session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    for name in (
        "full_name",
        "country_code",
        "city",
        "sector",
        "languages",
        "preferred_language",
        "visibility",
    ):
        if name in changes:
            setattr(member, name, changes[name])
    if "directory_consent" in changes:
        consent = bool(changes["directory_consent"])
        if consent and not member.directory_consent:
            member.consent_at = now
        member.directory_consent = consent
    study_keys = {"institution", "degree", "field", "graduation_year"}
    if study_keys & changes.keys():
        current = await session.scalar(
            select(Education)
            .where(Education.member_id == member_id)
            .order_by(Education.graduation_year.desc(), Education.id)
            .limit(1)
        )
        institution_name = changes.get("institution")
        if current is None and institution_name:
            institution = await find_or_create_institution(session, institution_name)
            current = Education(member_id=member_id, institution_id=institution.id)
            session.add(current)
        elif current is not None and institution_name:
            current.institution_id = (
                await find_or_create_institution(session, institution_name)
            ).id
        if current is not None:
            for name in ("degree", "field", "graduation_year"):
                if name in changes:
                    setattr(current, name, changes[name])
    member.updated_at = now
    await session.flush()
    await refresh_search_document(session, member)
    return member


async def remove_accounts(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(PlatformAccount).where(PlatformAccount.member_id == member_id))
