"""A loopback messaging platform that enforces limits, and the sender that speaks to it.

The fake answers ``POST /send`` with 200, or 429 + ``retry_after`` past its global rate or a
chat's rate, or 403 for chats listed as blocked. It drops a message whose ``key`` it has
seen (as Discord does with ``nonce`` + ``enforce_nonce``), and counts what it received, so a
test or benchmark can check that every recipient got each message exactly once.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any

import aiohttp
from aiohttp import web

from core.delivery.limits import PlatformLimits
from core.delivery.outbox import Target
from core.delivery.senders import Delivery, Outcome, SendResult
from core.domain import Platform

__all__ = ["FakePlatform", "HttpSender"]


class FakePlatform:
    def __init__(
        self,
        per_second: int,
        per_chat: float = 1.0,
        blocked: set[str] | None = None,
        deduplicate: bool = True,
    ) -> None:
        self.per_second = per_second
        self.per_chat = per_chat
        self.blocked = blocked or set()
        self.deduplicate = deduplicate
        self.received: Counter[str] = Counter()  # key -> deliveries that reached a chat
        self.requests = 0
        self.too_many = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.longest_pause = 0.0  # the longest time between two deliveries (a restart)
        self._window: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/send"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        now = time.monotonic()
        self.requests += 1
        chat, key = str(body["chat"]), str(body["key"])
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.per_second:
            self.too_many += 1
            retry = max(0.001, self._window[0] + 1.0 - now)
            return web.json_response({"retry_after": retry, "global": True}, status=429)
        last = self._last_by_chat.get(chat)
        if last is not None and now - last < 1.0 / self.per_chat:
            self.too_many += 1
            return web.json_response(
                {"retry_after": 1.0 / self.per_chat - (now - last)}, status=429
            )
        if chat in self.blocked:
            return web.json_response({"error": "bot was blocked by the user"}, status=403)
        self._window.append(now)
        self._last_by_chat[chat] = now
        if self.deduplicate and self.received[key]:
            return web.json_response({"id": key, "duplicate": True})
        self.received[key] += 1
        self.first_at = self.first_at or now
        if self.last_at is not None:
            self.longest_pause = max(self.longest_pause, now - self.last_at)
        self.last_at = now
        return web.json_response({"id": key})


class HttpSender:
    """A Sender for the fake platform (the shape every platform sender has)."""

    platform = Platform.TELEGRAM
    deduplicates = True

    def __init__(self, url: str, limits: PlatformLimits, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.limits = limits
        self.session = session

    def is_group(self, target: Target) -> bool:
        return target.chat_id.startswith("-")

    async def send(self, delivery: Delivery) -> SendResult:
        payload = {
            "chat": delivery.target.chat_id,
            "key": delivery.key,
            "text": delivery.reply.text,
        }
        try:
            async with self.session.post(self.url, json=payload) as response:
                data = await response.json()
                if response.status == 200:
                    return SendResult(Outcome.SENT, platform_message_id=str(data.get("id")))
                if response.status == 429:
                    return SendResult(
                        Outcome.RATE_LIMITED,
                        retry_after=float(data["retry_after"]),
                        whole_platform=bool(data.get("global")),
                    )
                if response.status == 403:
                    return SendResult(Outcome.UNREACHABLE, detail=str(data.get("error")))
                return SendResult(Outcome.TRANSIENT, detail=f"HTTP {response.status}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            return SendResult(Outcome.TRANSIENT, detail=repr(exc))
