"""Who is talking, from where, and what they sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from ..domain import Platform, Role
from .commands import Permission

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = ["Actor", "ChatKind", "CommandContext", "Grant", "Incoming"]


class ChatKind(StrEnum):
    PRIVATE = "private"  # a direct conversation with the bot
    GROUP = "group"  # a group chat or channel others read


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did on a platform: a command line, a button press or a form."""

    platform: Platform
    user_id: str
    workspace: str = ""
    chat_id: str = ""
    chat_kind: ChatKind = ChatKind.PRIVATE
    display_name: str = ""
    handle: str | None = None
    locale: str | None = None  # the platform's idea of the user's language
    text: str = ""  # a command line, or with is_message a plain message
    is_message: bool = False  # plain text, not a command (answers a form step by step)
    message_id: str | None = None  # the platform's id of the message (relays, edits)
    reply_to: str | None = None  # the platform's id of the message this one answers
    action: str | None = None  # a button's or a form's action
    payload: str = ""
    form_values: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    organisation_id: int | None = None
    country_code: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an ``Incoming``: a member, or a platform user who is not one yet."""

    platform: Platform
    user_id: str
    workspace: str = ""
    member_id: int | None = None
    country_code: str | None = None
    locale: str = "en"
    grants: frozenset[Grant] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        return self.member_id is not None

    def has_role(self, role: Role) -> bool:
        return any(g.role is role for g in self.grants)

    def may(self, permission: Permission) -> bool:
        """Whether the actor may run a command of this permission at all."""
        if permission is Permission.ANYONE:
            return True
        if not self.is_member:
            return False
        if self.has_role(Role.GLOBAL_ADMIN):
            return True
        match permission:
            case Permission.MEMBER:
                return True
            case Permission.REPRESENTATIVE:
                return self.has_role(Role.REPRESENTATIVE)
            case Permission.COUNTRY_ADMIN:
                return self.has_role(Role.COUNTRY_ADMIN)
            case _:
                return False

    def admin_of(self, country_code: str) -> bool:
        return self.has_role(Role.GLOBAL_ADMIN) or any(
            g.role is Role.COUNTRY_ADMIN and g.country_code == country_code for g in self.grants
        )

    def represents(self, organisation_id: int) -> bool:
        return any(
            g.role is Role.REPRESENTATIVE and g.organisation_id == organisation_id
            for g in self.grants
        )


@dataclass(frozen=True, slots=True)
class CommandContext:
    app: App
    actor: Actor
    incoming: Incoming
