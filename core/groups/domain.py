"""The groups vocabulary. Standard library only: the models and the use cases share it."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["GroupKind", "GroupRole", "GroupVisibility", "MembershipState"]


class GroupKind(StrEnum):
    SECTOR = "sector"  # an economic sector
    CULTURE = "culture"  # an interest in French culture
    REGION = "region"
    SCHOOL = "school"  # the alumni of one school
    OTHER = "other"


class GroupVisibility(StrEnum):
    OPEN = "open"  # anyone joins
    CLOSED = "closed"  # moderators approve requests


class GroupRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"


class MembershipState(StrEnum):
    PENDING = "pending"  # asked to join a closed group
    ACTIVE = "active"
    BANNED = "banned"  # may not join again; their messages are not relayed
