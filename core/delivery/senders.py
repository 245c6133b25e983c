"""What a platform sender does, and what it can answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ..chat.replies import Reply
from ..domain import Platform
from .limits import PlatformLimits
from .outbox import Target

__all__ = ["DISCORD", "SLACK", "TELEGRAM", "Delivery", "Outcome", "SendResult", "Sender"]


class Outcome(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # 429: wait retry_after, then again
    TRANSIENT = "transient"  # 5xx, timeout, connection reset: back off, then again
    UNREACHABLE = "unreachable"  # the user blocked the bot, the channel is gone: never again
    FAILED = "failed"  # the platform refuses this message for good


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    retry_after: float | None = None
    whole_platform: bool = False  # a 429 for every chat, not just this one
    platform_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox message handed to a sender."""

    id: int
    key: str  # stable across retries: platforms that deduplicate get it
    target: Target
    reply: Reply
    attempt: int
    in_doubt: bool = False  # a previous attempt may have reached the platform
    # An edit in place: the platform's id of the message in the target chat to replace with
    # ``reply`` (Telegram editMessageText, Slack chat.update, Discord message edit).
    edit_of: str | None = None
    kind: str = ""  # the outbox kind: "relay", "group_member"... (empty: a plain message)
    # What the stored message holds besides the reply, e.g. {"relay": {...}}: the
    # instructions of messages that are not plain posts (edits, removals...).
    extras: Mapping[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    platform: Platform
    limits: PlatformLimits
    deduplicates: bool  # the platform drops a second message with the same key
    # ``send`` replaces ``Delivery.edit_of`` when it is set, never posts anew

    def is_group(self, target: Target) -> bool: ...

    async def send(self, delivery: Delivery) -> SendResult: ...


# Published limits (see ../shared/PLATFORMS.md): Telegram about 30 messages/s overall, 1/s per
# chat, 20/min per group; Slack about 1/s per channel; Discord 50 requests/s.
TELEGRAM = PlatformLimits(per_second=30, per_chat=((1, 1.0),), per_group=((20, 60.0),))
SLACK = PlatformLimits(per_second=50, per_chat=((1, 1.0),))
DISCORD = PlatformLimits(per_second=50, per_chat=((5, 5.0),))
