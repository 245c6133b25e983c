"""Per-person limits on what reaches the dispatcher, so one person's flood neither slows the
others nor floods the bridged channels.

Two limits, each a GCRA bucket per key (the same algorithm the senders pace with):

* commands, buttons and form answers per person (platform, workspace, user);
* plain messages per person and group chat: those are relayed to every other platform.

They are checked before anything touches the database, so a refused request costs
microseconds. A person over the limit is told once ("wait N seconds"), then refused silently
until the bucket allows again: the answers themselves must not become a flood. The state is
per process (a few hundred bytes per active person, at most ``max_keys`` kept); with several
web processes behind a load balancer each allows its share.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .context import ChatKind, Incoming

__all__ = ["FloodGuard", "Limit", "Verdict"]


@dataclass(frozen=True, slots=True)
class Limit:
    """``per_minute`` sustained, up to ``burst`` at once; ``per_minute`` 0 turns it off."""

    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    wait: float = 0.0  # seconds until the next request would be allowed
    tell: bool = False  # the first refusal since the last allowed request: say why


@dataclass(slots=True)
class _Bucket:
    next_at: float  # GCRA: the theoretical arrival time of the next request
    told: bool = False


class FloodGuard:
    def __init__(
        self,
        now: Callable[[], dt.datetime],
        *,
        commands: Limit,
        group_messages: Limit,
        max_keys: int = 100_000,
    ) -> None:
        self._now = now
        self._commands = commands
        self._messages = group_messages
        self._max_keys = max_keys
        self._buckets: OrderedDict[tuple[str, ...], _Bucket] = OrderedDict()

    def admit(self, incoming: Incoming) -> Verdict:
        """Whether the dispatcher should handle this at all."""
        person = (incoming.platform.value, incoming.workspace, incoming.user_id)
        if incoming.is_message and incoming.chat_kind is ChatKind.GROUP:
            return self._take((*person, incoming.chat_id), self._messages)
        return self._take(person, self._commands)

    def _take(self, key: tuple[str, ...], limit: Limit) -> Verdict:
        if not limit.enabled:
            return Verdict(True)
        now = self._now().timestamp()
        interval = 60.0 / limit.per_minute
        tolerance = interval * (limit.burst - 1)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(next_at=now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        arrival = max(now, bucket.next_at)
        if arrival - now > tolerance:
            wait = arrival - tolerance - now
            tell = not bucket.told
            bucket.told = True
            return Verdict(False, wait=max(1.0, math.ceil(wait)), tell=tell)
        bucket.next_at = arrival + interval
        bucket.told = False
        return Verdict(True)
