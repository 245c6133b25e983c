from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...domain import Role
from ..base import Base, UTCDateTime
from ._types import str_enum, utcnow


class RoleGrant(Base):
    """A role given to a member: representative of an organisation, admin of a country, global.

    ``organisation_id`` is set for representatives, ``country_code`` for country admins.
    """

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("member_id", "role", "organisation_id", "country_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    country_code: Mapped[str | None] = mapped_column(String(2))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
