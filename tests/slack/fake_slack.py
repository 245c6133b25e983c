"""A fake Slack Web API on 127.0.0.1: the methods the adapter calls, a response_url sink,
every call recorded, and faults (429 with Retry-After, 5xx; through ``wire``, slow answers and
dropped connections) injected on demand."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from benchmarks.wire_faults import WireFaults

__all__ = ["BOT_TOKEN", "TEAM_ID", "Call", "FakeSlack"]

BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0ALUMNI"
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response" for a response_url post
    params: dict[str, Any]
    target: str = ""  # the response_url id


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int = 0
    error: str = ""


@dataclass
class FakeSlack:
    token: str = BOT_TOKEN
    team_id: str = TEAM_ID
    locales: dict[str, str] = field(default_factory=dict)  # user id -> "fr-FR"
    names: dict[str, str] = field(default_factory=dict)  # user id -> profile display name
    calls: list[Call] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)  # chat.postMessage, with "ts"
    _faults: dict[str, _Fault] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _changed: asyncio.Condition | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    wire: WireFaults = field(default_factory=WireFaults)  # slow answers, dropped connections

    # --- life cycle ---
    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application(middlewares=[self.wire.middleware])
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, name: str | None = None) -> str:
        return f"http://127.0.0.1:{self._port}/response/{name or next(self._ids)}"

    # --- misbehaviour ---
    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int = 0,
        error: str = "",
    ) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (429 with Retry-After);
        ``error`` (e.g. ``channel_not_found``, with status 200) is the body's ``error``."""
        self._faults[method] = _Fault(
            status=status, times=times, retry_after=retry_after, error=error
        )

    # --- what was called ---
    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[Call], bool] | None = None,
        within: float = 2.0,
    ) -> list[Call]:
        """The calls of ``method`` once there are ``count`` of them (``within`` s at most)."""
        assert self._changed is not None

        def matching() -> list[Call]:
            return [c for c in self.called(method) if where is None or where(c)]

        async def wait() -> None:
            async with self._changed:  # type: ignore[union-attr]
                await self._changed.wait_for(lambda: len(matching()) >= count)  # type: ignore[union-attr]

        try:
            await asyncio.wait_for(wait(), timeout=within)
        except TimeoutError:
            raise AssertionError(
                f"expected {count} {method} call(s), got {[c.method for c in self.calls]}"
            ) from None
        return matching()

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # --- handlers ---
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(parse_qsl(raw.decode()))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        fault = self._faults.get(method)
        if fault is not None and fault.times > 0:
            fault.times -= 1
            await self._record(Call(f"{method}!{fault.status}", params))
            headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
            default = "ratelimited" if fault.status == 429 else "fatal_error"
            body = {"ok": False, "error": fault.error or default}
            return web.json_response(body, status=fault.status, headers=headers)
        await self._record(Call(method, params))
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **answer(params)})

    async def _response(self, request: web.Request) -> web.Response:
        await self._record(Call("response", await request.json(), target=request.match_info["id"]))
        return web.Response(text="ok")

    # --- methods ---
    def _auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://alumni.slack.example/",
            "team": "Alumni",
            "user": "alumni",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel.startswith("U"):
            channel = "D" + channel[1:]  # posting to a user id opens the DM
        ts = f"{next(self._ids)}.000100"
        self.posted.append({**params, "channel": channel, "ts": ts})
        return {"channel": channel, "ts": ts, "message": params}

    def _chat_postEphemeral(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"{next(self._ids)}.000200"}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "channel": params.get("channel"),
            "ts": params.get("ts"),
            "text": params.get("text"),
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": params.get("channel"), "ts": params.get("ts")}

    def _conversations_kick(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": params.get("channel")}}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ids)}", **_json(params.get("view"))}}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ids)}", **_json(params.get("view"))}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user", ""))
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": user_id.lower(),
            "profile": {"display_name": self.names.get(user_id, ""), "real_name": ""},
        }
        if str(params.get("include_locale", "")).lower() in ("1", "true"):
            user["locale"] = self.locales.get(user_id, "en-US")
        return {"user": user}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        return {"channel": {"id": channel, "is_im": channel.startswith("D"), "name": "general"}}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", ""))
        return {"channel": {"id": "D" + users.split(",")[0][1:]}}


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}
