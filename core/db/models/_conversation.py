from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...domain import Platform
from ..base import Base, UTCDateTime
from ._types import PERSONAL, JSONType, str_enum, utcnow


class CallbackToken(Base):
    """A button's action and payload, kept server-side behind an unguessable token.

    Platforms limit what a button carries (Telegram 64 bytes, Discord 100 characters) and
    let clients forge it: a payload too long to travel signed in the button itself
    (core/chat/callbacks.py) is kept here, and the token is all the button holds.
    """

    __tablename__ = "callback_tokens"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SigningKey(Base):
    """A secret every process shares, by use: ``buttons`` signs button tokens that carry
    their own payload (core/chat/callbacks.py). Made by the first process that needs it."""

    __tablename__ = "signing_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FormSession(Base):
    """A form being answered one field at a time, on platforms without modals."""

    __tablename__ = "form_sessions"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[Platform] = mapped_column(str_enum(Platform, "platform"))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(320), info=PERSONAL)
    # The form as asked: its initial values may be the member's profile.
    form: Mapped[dict[str, Any]] = mapped_column(JSONType, info=PERSONAL)
    answers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict, info=PERSONAL)
    step: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeenRequest(Base):
    """A signed request already handled, remembered while its signature is still valid.

    Shared by every process, so a captured request replayed to another one behind the load
    balancer is refused too. Only a digest is kept, never the request.
    """

    __tablename__ = "seen_requests"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
