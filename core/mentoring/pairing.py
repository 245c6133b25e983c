"""Pairing a coffee round: pure Python, no database, so it can be tested and timed alone.

Every pair key is one integer (``pair_key``), so a chapter's history of 20 rounds of 50,000
pairs is one set of a million integers, and checking a candidate is one set lookup.

The members are shuffled (seeded by the round, so a re-run pairs the same way) and taken
greedily: each one is paired with the first of the next ``WINDOW`` members it has never been
paired with, else with one it met more than ``RECENT_ROUNDS`` rounds ago. Members left over
are repaired by swapping them into pairs already made; only when nothing else works is a
pair repeated from the recent rounds, and a "don't pair me with" (or a block) is never
broken. With an odd number of members one pair becomes a trio.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "RECENT_ROUNDS",
    "History",
    "pair_key",
    "pair_members",
    "repeats",
]

RECENT_ROUNDS = 6  # no repeat within this many rounds while it can be avoided
WINDOW = 64  # candidates looked at per member before it is set aside for the repair
REPAIR_TRIES = 400  # pairs tried when swapping a left-over member in

# What a pairing costs, lowest first.
_NEW, _OLDER, _RECENT, _FORBIDDEN = 0, 1, 2, 3

Cost = Callable[[int, int], int]


def pair_key(a: int, b: int) -> int:
    """One integer per unordered pair of member ids."""
    return (a << 32) | b if a < b else (b << 32) | a


@dataclass
class History:
    """Who met whom: ``recent`` within the last rounds, ``older`` before; ``forbidden``
    pairs are never made ("don't pair me with", blocks)."""

    recent: set[int] = field(default_factory=set)
    older: set[int] = field(default_factory=set)
    forbidden: set[int] = field(default_factory=set)

    @classmethod
    def from_rounds(
        cls,
        rounds: Sequence[Iterable[Sequence[int]]],
        forbidden: Iterable[tuple[int, int]] = (),
        recent_rounds: int = RECENT_ROUNDS,
    ) -> History:
        """``rounds`` newest first, each an iterable of groups (pairs or trios)."""
        history = cls(forbidden={pair_key(a, b) for a, b in forbidden})
        for index, groups in enumerate(rounds):
            target = history.recent if index < recent_rounds else history.older
            target.update(_keys(groups))
        return history

    def cost(self, a: int, b: int) -> int:
        key = pair_key(a, b)
        if key in self.forbidden:
            return _FORBIDDEN
        if key in self.recent:
            return _RECENT
        if key in self.older:
            return _OLDER
        return _NEW


def pair_members(members: Sequence[int], history: History, *, seed: int) -> list[list[int]]:
    """Groups of two (one of three when the count is odd) covering every member who can be
    paired; a member whom every other one refuses is left out."""
    pool = sorted(set(members))
    random.Random(seed).shuffle(pool)
    rng = random.Random(seed + 1)
    groups: list[list[int]] = []
    left: list[int] = []
    cost = history.cost
    while pool:
        a = pool.pop()
        best, best_cost = -1, _RECENT
        for k in range(len(pool) - 1, max(-1, len(pool) - 1 - WINDOW), -1):
            c = cost(a, pool[k])
            if c < best_cost:
                best, best_cost = k, c
                if c == _NEW:
                    break
        if best < 0:
            left.append(a)
            continue
        b = pool[best]
        pool[best] = pool[-1]
        pool.pop()
        groups.append([a, b])
    for allowed in (_RECENT, _FORBIDDEN):  # first without recent repeats, then with them
        left = _repair(left, groups, cost, allowed, rng)
    if len(left) == 1 and groups:
        _join_trio(left.pop(), groups, cost, rng)
    return groups


def _repair(
    left: list[int], groups: list[list[int]], cost: Cost, allowed: int, rng: random.Random
) -> list[int]:
    """Pair the left-over members with each other, or swap them into existing pairs: ``x``
    takes ``a`` from the pair ``(a, b)`` and ``b`` goes with another left-over ``y``.
    ``allowed`` is the first cost not accepted."""
    still: list[int] = []
    while left:
        x = left.pop()
        partner = next((y for y in left if cost(x, y) < allowed), None)
        if partner is not None:
            left.remove(partner)
            groups.append([x, partner])
            continue
        if _swap_in(x, left, groups, cost, allowed, rng):
            continue
        still.append(x)
    return still


def _swap_in(
    x: int,
    left: list[int],
    groups: list[list[int]],
    cost: Cost,
    allowed: int,
    rng: random.Random,
) -> bool:
    if not groups:
        return False
    tries = min(REPAIR_TRIES, len(groups) * 2)
    for _ in range(tries):
        group = groups[rng.randrange(len(groups))]
        if len(group) != 2:
            continue
        for a, b in ((group[0], group[1]), (group[1], group[0])):
            if cost(x, a) >= allowed:
                continue
            y = next((y for y in left if cost(y, b) < allowed), None)
            if y is not None:
                left.remove(y)
                group[:] = [x, a]
                groups.append([y, b])
                return True
    return False


def _join_trio(x: int, groups: list[list[int]], cost: Cost, rng: random.Random) -> None:
    """The odd one out joins the pair that suits it best (a fresh one if possible)."""
    best: list[int] | None = None
    best_cost = _FORBIDDEN
    order = list(range(len(groups)))
    rng.shuffle(order)
    for index in order[: REPAIR_TRIES * 4]:
        group = groups[index]
        if len(group) != 2:
            continue
        c = max(cost(x, group[0]), cost(x, group[1]))
        if c < best_cost:
            best, best_cost = group, c
            if c == _NEW:
                break
    if best is not None:
        best.append(x)


def _keys(groups: Iterable[Sequence[int]]) -> Iterable[int]:
    for group in groups:
        if len(group) == 2:
            a, b = group
            yield (a << 32) | b if a < b else (b << 32) | a
        else:
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    yield pair_key(a, b)


def repeats(groups: Iterable[Sequence[int]], seen: set[int]) -> int:
    """How many pairs of ``groups`` are in ``seen`` (a set of ``pair_key``)."""
    count = 0
    for group in groups:
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                count += pair_key(a, b) in seen
    return count
