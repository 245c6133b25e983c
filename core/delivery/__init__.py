"""Everything the platform sends on its own initiative goes through the outbox."""

from __future__ import annotations

from .outbox import USER_PREFIX, Target, enqueue, member_target, notify_member
from .status import BatchProgress, batch_progress, outbox_counts

__all__ = [
    "USER_PREFIX",
    "BatchProgress",
    "Target",
    "batch_progress",
    "enqueue",
    "member_target",
    "notify_member",
    "outbox_counts",
]
