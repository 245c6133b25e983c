"""One-time codes that attach a platform account to a member.

``claim``: an alumna imported by her institution takes over her profile from any platform
(``alumni members claim-code EMAIL`` prints the code; ``/link CODE`` or Telegram's
``/start CODE`` redeems it). ``link``: a member adds another platform to the same profile.
Only a SHA-256 of each code is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import ClaimCode, Member, PlatformAccount
from ..domain import Platform
from ..errors import UserError
from ..i18n import N_

__all__ = ["CLAIM", "LINK", "issue_code", "looks_like_code", "normalize_code", "redeem_code"]

CLAIM = "claim"
LINK = "link"
LIFETIMES = {CLAIM: dt.timedelta(days=90), LINK: dt.timedelta(minutes=15)}
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
LENGTH = 10
_CODE_RE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def normalize_code(text: str) -> str:
    """``k7qf2-m9pxz`` -> ``K7QF2M9PXZ``: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]", "", text).upper()


def looks_like_code(text: str) -> bool:
    return bool(_CODE_RE.match(normalize_code(text)))


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


async def issue_code(
    session: AsyncSession, member_id: int, purpose: str, *, now: dt.datetime
) -> str:
    """A new one-time code, shown as two groups of five (``K7QF2-M9PXZ``)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session.add(
        ClaimCode(
            code_hash=_hash(code),
            member_id=member_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
            attempts=0,
        )
    )
    await session.flush()
    return f"{code[:5]}-{code[5:]}"


async def redeem_code(
    session: AsyncSession,
    code: str,
    *,
    platform: Platform,
    workspace: str,
    user_id: str,
    handle: str | None = None,
    display_name: str | None = None,
    locale: str | None = None,
    now: dt.datetime,
) -> Member:
    """Attach the platform account to the code's member; the code is then spent."""
    row = await session.get(ClaimCode, _hash(code), with_for_update=True)
    if row is None or row.used_at is not None or row.expires_at < now:
        raise UserError(N_("This code is not valid or has expired. Ask for a new one."))
    member = await session.get(Member, row.member_id)
    if member is None or member.erased_at is not None:
        raise UserError(N_("This code is not valid or has expired. Ask for a new one."))
    owner = await session.scalar(
        select(PlatformAccount.member_id).where(
            PlatformAccount.platform == platform,
            PlatformAccount.workspace == workspace,
            PlatformAccount.user_id == user_id,
        )
    )
    if owner == member.id:
        raise UserError(N_("This account is already linked to your profile."))
    if owner is not None:
        raise UserError(
            N_(
                "This account already belongs to another profile. Send /erase from it first "
                "if you want to move it."
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
    row.used_at = now
    await session.flush()
    return member
