"""A fake Telegram Bot API on 127.0.0.1, speaking the wire protocol python-telegram-bot uses.

Shared by the Telegram tests (``tests/telegram``) and the benchmarks, which import it from
here so that no benchmark imports the test suite.

``POST /bot<TOKEN>/<method>`` with form-encoded, multipart or JSON bodies (PTB sends strings
raw and other values JSON-encoded). Every call is recorded with its decoded parameters.
Updates for ``getUpdates`` (long polling with offsets and timeout, at most ``limit`` per
answer, 100 by default, as Telegram hands them out) come from a queue the test pushes to, in
increasing ``update_id`` order; faults (429 with ``retry_after``, 5xx, 403) are injected for
the next N calls of a method, and ``wire`` (``wire_faults.WireFaults``) holds answers back or
drops connections. A wrong token gets 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .wire_faults import WireFaults

__all__ = [
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USERNAME",
    "Call",
    "FakeBotApi",
    "wait_for",
]

BOT_ID = 7000000001
BOT_TOKEN = f"{BOT_ID}:AAFakeTokenForTests_abcdefghijklmnopq"
BOT_USERNAME = "france_alumni_test_bot"
# Parameters the Bot API takes as strings: kept raw, never JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token",
        "language_code", "inline_message_id", "description", "short_description", "data",
    }
)  # fmt: skip
_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot can't initiate conversation with a user",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: int | None = None
    chat_id: int | None = None
    description: str = ""


@dataclass
class FakeBotApi:
    token: str = BOT_TOKEN
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    banned: set[tuple[int, int]] = field(default_factory=set)  # (chat id, user id)

    def __post_init__(self) -> None:
        self._updates: deque[dict[str, Any]] = deque()  # update_id increasing
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._callback_ids = itertools.count(1)
        self._faults: dict[str, list[_Fault]] = {}
        self._new_update = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.received: list[str] = []  # method names as requests arrive (calls: as answered)
        self.wire = WireFaults()  # slow answers, dropped connections
        self.port = 0

    # --- server -----------------------------------------------------------------------------
    async def start(self) -> None:
        http_app = web.Application(middlewares=[self.wire.middleware])
        http_app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(http_app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self._closing = True
        async with self._new_update:
            self._new_update.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What python-telegram-bot takes as ``base_url``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- faults -----------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
        description: str = "",
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) answer ``status``."""
        self._faults.setdefault(method, []).append(
            _Fault(status, times, retry_after, chat_id, description)
        )

    def _fault_for(self, method: str, params: dict[str, Any]) -> _Fault | None:
        for fault in self._faults.get(method, []):
            if fault.times > 0 and fault.chat_id in (None, params.get("chat_id")):
                fault.times -= 1
                return fault
        return None

    # --- what the bot did -------------------------------------------------------------------
    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(c.params["text"])
            for c in self.calls_to("sendMessage")
            if chat_id is None or c.params.get("chat_id") == chat_id
        ]

    # --- updates ----------------------------------------------------------------------------
    @staticmethod
    def user(
        user_id: int, *, language_code: str | None = "en", username: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        if username:
            data["username"] = username
        if language_code:
            data["language_code"] = language_code
        return {**data, **extra}

    @staticmethod
    def chat(chat_id: int, *, group: bool = False) -> dict[str, Any]:
        if group:
            return {"id": chat_id, "type": "group", "title": "Alumni group"}
        return {"id": chat_id, "type": "private", "first_name": "User"}

    def message_update(
        self,
        text: str,
        *,
        user_id: int,
        chat_id: int | None = None,
        language_code: str | None = "en",
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A text message; a leading /command gets its ``bot_command`` entity at offset 0.

        ``chat_id`` below zero is a group chat; by default the user's private chat.
        """
        chat_id = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, group=chat_id < 0),
            "from": user or self.user(user_id, language_code=language_code),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self,
        data: str,
        *,
        user_id: int,
        message: dict[str, Any] | None = None,
        language_code: str | None = "en",
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A press on a button of ``message`` (one the bot sent, from ``self.messages``)."""
        query: dict[str, Any] = {
            "id": str(next(self._callback_ids)),
            "from": user or self.user(user_id, language_code=language_code),
            "chat_instance": "42",
            "data": data,
        }
        if message is not None:
            query["message"] = message
        return {"update_id": next(self._update_ids), "callback_query": query}

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()
        return update

    async def push_all(self, updates: list[dict[str, Any]]) -> None:
        """Queue many updates at once (a benchmark's load)."""
        async with self._new_update:
            self._updates.extend(updates)
            self._new_update.notify_all()

    async def push_message(self, text: str, **options: Any) -> dict[str, Any]:
        return await self.push(self.message_update(text, **options))

    async def push_callback(self, data: str, **options: Any) -> dict[str, Any]:
        return await self.push(self.callback_update(data, **options))

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The latest message the bot sent (or edited) in ``chat_id``."""
        found = [m for (chat, _), m in self.messages.items() if chat == chat_id]
        assert found, f"the bot sent nothing to {chat_id}"
        return max(found, key=lambda m: m["message_id"])

    # --- the wire ---------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.received.append(method)
        params = await _decode(request)
        if request.match_info["token"] != self.token:
            self.calls.append(Call(method, params, 401))
            return _error(401, _DESCRIPTIONS[401])
        fault = self._fault_for(method, params)
        if fault is not None:
            self.calls.append(Call(method, params, fault.status))
            description = fault.description or _DESCRIPTIONS.get(fault.status, "Error")
            if fault.retry_after is not None:
                description = f"Too Many Requests: retry after {fault.retry_after}"
            return _error(fault.status, description, fault.retry_after)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            self.calls.append(Call(method, params, 404))
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        self.calls.append(Call(method, params))
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "France Alumni",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        return True

    async def _api_setWebhook(self, _params: dict[str, Any]) -> bool:
        return True

    async def _api_setMyCommands(self, _params: dict[str, Any]) -> bool:
        return True

    async def _api_answerCallbackQuery(self, _params: dict[str, Any]) -> bool:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)

        def ready() -> bool:
            return bool(self._updates) or self._closing

        async with self._new_update:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()  # confirmed by the offset: Telegram forgets them
            if not self._updates and timeout > 0 and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait_for(ready), timeout)
            return list(itertools.islice(self._updates, limit))

    def _store(self, chat_id: int, extra: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, group=chat_id < 0),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "France Alumni"},
            **extra,
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        extra = {"text": params["text"]}
        if params.get("reply_markup"):
            extra["reply_markup"] = params["reply_markup"]
        answered = (params.get("reply_parameters") or {}).get("message_id")
        if answered is not None and (chat_id, int(answered)) in self.messages:
            extra["reply_to_message"] = self.messages[(chat_id, int(answered))]
        return self._store(chat_id, extra)

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self.messages.pop((int(params["chat_id"]), int(params["message_id"])), None)
        return True

    async def _api_banChatMember(self, params: dict[str, Any]) -> bool:
        self.banned.add((int(params["chat_id"]), int(params["user_id"])))
        return True

    async def _api_unbanChatMember(self, params: dict[str, Any]) -> bool:
        self.banned.discard((int(params["chat_id"]), int(params["user_id"])))
        return True

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages[key]
        message["text"] = params["text"]
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params["document"]
        return self._store(
            int(params["chat_id"]),
            {
                "document": {
                    "file_id": f"doc{len(self.messages)}",
                    "file_unique_id": f"udoc{len(self.messages)}",
                    "file_name": document.get("filename") if isinstance(document, dict) else None,
                }
            },
        )

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        size = {"file_id": "photo", "file_unique_id": "uphoto", "width": 1, "height": 1}
        return self._store(int(params["chat_id"]), {"photo": [size]})


async def _decode(request: web.Request) -> dict[str, Any]:
    """Form, multipart or JSON bodies; files become ``{"filename", "content"}``."""
    if request.content_type == "application/json":
        data = await request.json() if request.body_exists else {}
        return dict(data) if isinstance(data, dict) else {}
    decoded: dict[str, Any] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            decoded[name] = {"filename": value.filename, "content": value.file.read()}
        elif name in _STRING_PARAMS:
            decoded[name] = value
        else:
            try:
                decoded[name] = json.loads(value)
            except ValueError:
                decoded[name] = value
    return decoded


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def wait_for(predicate: Callable[[], object], within: float = 5.0) -> None:
    """Poll ``predicate`` every 10 ms until it is true; fail after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate!r}")
        await asyncio.sleep(0.01)
