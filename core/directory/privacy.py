"""GDPR rights: what is stored (export) and the right to be forgotten (erasure).

Columns holding personal data carry ``info={"personal": True}`` in the models; export writes
every one of them and erasure clears every one of them (tests walk the schema to prove it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import (
    ClaimCode,
    Education,
    FormSession,
    Member,
    Organisation,
    PlatformAccount,
    RoleGrant,
    SearchTerm,
)
from ..domain import Visibility
from ..errors import UserError
from ..i18n import N_
from .documents import terms_of

__all__ = ["erase_member", "export_member"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: _jsonable(getattr(obj, c.key)) for c in obj.__table__.columns}


async def export_member(session: AsyncSession, member_id: int) -> dict[str, Any]:
    member = await session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    studies = await session.execute(
        select(Education, Organisation.name)
        .join(Organisation, Organisation.id == Education.institution_id)
        .where(Education.member_id == member_id)
    )
    accounts = await session.scalars(
        select(PlatformAccount).where(PlatformAccount.member_id == member_id)
    )
    roles = await session.scalars(select(RoleGrant).where(RoleGrant.member_id == member_id))
    return {
        "format": "france-alumni-export/1",
        "member": _columns(member),
        "education": [{**_columns(e), "institution": name} for e, name in studies],
        "platform_accounts": [_columns(a) for a in accounts],
        "roles": [_columns(r) for r in roles],
    }


async def erase_member(session: AsyncSession, member_id: int, *, now: dt.datetime) -> None:
    """Remove the person; keep anonymous aggregates (country, sector, schools and years)."""
    member = await session.get(Member, member_id, with_for_update=True)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    own_terms = set(terms_of(member.search_document))
    accounts = (
        await session.execute(
            select(
                PlatformAccount.platform, PlatformAccount.workspace, PlatformAccount.user_id
            ).where(PlatformAccount.member_id == member_id)
        )
    ).all()
    for platform, workspace, user_id in accounts:
        await session.execute(
            delete(FormSession).where(
                FormSession.platform == platform,
                FormSession.workspace == workspace,
                FormSession.user_id == user_id,
            )
        )
    await session.execute(delete(PlatformAccount).where(PlatformAccount.member_id == member_id))
    await session.execute(delete(ClaimCode).where(ClaimCode.member_id == member_id))
    await session.execute(delete(RoleGrant).where(RoleGrant.member_id == member_id))
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
