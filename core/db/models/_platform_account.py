from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...domain import Platform
from ..base import Base, UTCDateTime
from ._types import PERSONAL, str_enum, utcnow


class PlatformAccount(Base):
    """One account on one platform (Telegram user, Slack user in a workspace...) -> a member."""

    __tablename__ = "platform_accounts"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[Platform] = mapped_column(str_enum(Platform, "platform"))
    # Slack team id or Discord guild id where the account lives; "" where accounts are global.
    workspace: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(320), info=PERSONAL)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # @username, shown only with consent
    handle: Mapped[str | None] = mapped_column(String(120), info=PERSONAL)
    display_name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    # the platform's locale for the user
    locale: Mapped[str | None] = mapped_column(String(16), info=PERSONAL)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
