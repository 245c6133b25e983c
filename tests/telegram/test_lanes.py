"""Chat lanes: one chat's updates in order, different chats at the same time."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bots.telegram.lanes import ChatLanes

from .fake_bot_api import wait_for


async def test_one_chats_work_runs_in_the_order_it_came() -> None:
    lanes = ChatLanes(limit=8)
    done: list[int] = []
    gate = asyncio.Event()

    async def step(n: int) -> None:
        if n == 0:
            await gate.wait()  # the first is slow: the others must still wait for it
        done.append(n)

    for n in range(5):
        lanes.submit("42", lambda n=n: step(n))
    await asyncio.sleep(0)
    assert done == []
    gate.set()
    await lanes.drain()
    assert done == [0, 1, 2, 3, 4]
    assert lanes.busy == 0


async def test_a_slow_chat_does_not_hold_up_another() -> None:
    lanes = ChatLanes(limit=8)
    gate = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        await gate.wait()
        done.append("slow")

    async def quick() -> None:
        done.append("quick")

    lanes.submit("1", slow)
    lanes.submit("2", quick)
    await wait_for(lambda: done == ["quick"], within=2)
    gate.set()
    await lanes.drain()
    assert done == ["quick", "slow"]


async def test_no_more_than_limit_pieces_of_work_run_at_once() -> None:
    lanes = ChatLanes(limit=3)
    running = 0
    seen = 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal running, seen
        running += 1
        seen = max(seen, running)
        await gate.wait()
        running -= 1

    for chat in range(10):
        lanes.submit(str(chat), work)
    await wait_for(lambda: running == 3, within=2)
    gate.set()
    await lanes.drain()
    assert seen == 3


async def test_a_failure_is_reported_and_the_chats_next_work_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reported: list[BaseException] = []
    lanes = ChatLanes(limit=2, on_error=reported.append)
    done: list[str] = []

    async def boom() -> None:
        raise RuntimeError("boom")

    async def after() -> None:
        done.append("after")

    with caplog.at_level(logging.ERROR):
        lanes.submit("7", boom)
        lanes.submit("7", after)
        await lanes.drain()
    assert [str(e) for e in reported] == ["boom"]
    assert done == ["after"]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ChatLanes(limit=0)
