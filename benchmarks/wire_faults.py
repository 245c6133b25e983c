"""Transport faults for the loopback fakes: a response that comes too late, a connection that
drops mid-request.

The fakes (``fake_bot_api.py`` here, ``tests/slack/fake_slack.py``,
``tests/discord/fake_discord.py``) put ``WireFaults.middleware`` outermost, so a faulty
request never reaches the fake's own handlers: it is neither answered nor recorded, as when
a proxy in front of the platform gives up before the platform saw the request.

* ``slow(path, seconds)``: the server holds the request for ``seconds`` before handling it;
  a client that gave up in the meantime gets nothing and the request is not handled.
* ``drop(path)``: the server reads the request, then closes the socket without an answer.
* ``lose_answer(path)``: the server handles the request (the message is posted), then closes
  the socket before answering: the client cannot tell it from ``drop``.

``injected`` counts the faults actually served, per kind.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

__all__ = ["WireFaults"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_POLL = 0.005  # how often a held request looks whether its client is still there


@dataclass
class _Fault:
    kind: str  # "slow", "drop" or "lose_answer"
    path: str  # a part of the request path, e.g. "/sendMessage"
    times: int
    seconds: float = 0.0


@dataclass
class WireFaults:
    injected: Counter[str] = field(default_factory=Counter)
    _faults: list[_Fault] = field(default_factory=list)

    def slow(self, path: str, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``path`` wait ``seconds`` first."""
        self._faults.append(_Fault("slow", path, times, seconds))

    def drop(self, path: str, *, times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``path`` lose their connection."""
        self._faults.append(_Fault("drop", path, times))

    def lose_answer(self, path: str, *, times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``path`` are handled, then their
        connection closes before the answer."""
        self._faults.append(_Fault("lose_answer", path, times))

    def _take(self, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.path in path:
                fault.times -= 1
                return fault
        return None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = self._take(request.path)
        if fault is None:
            return await handler(request)
        await request.read()
        self.injected[fault.kind] += 1
        if fault.kind == "lose_answer":
            await handler(request)
        if fault.kind in ("drop", "lose_answer"):
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=499)  # never written: the socket is gone
        deadline = asyncio.get_running_loop().time() + fault.seconds
        while asyncio.get_running_loop().time() < deadline:
            if _gone(request):
                return web.Response(status=499)
            await asyncio.sleep(_POLL)
        if _gone(request):
            return web.Response(status=499)
        return await handler(request)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()
