"""A fake Discord on 127.0.0.1: the REST API v10 and the gateway websocket, enough for discord.py.

REST answers carry ``Content-Type: application/json`` exactly (discord.py parses nothing
else). Every REST call is recorded; ``fail`` makes the next N calls of a route answer 429
(with ``retry_after``, the ``X-RateLimit-*`` headers and the ``Via`` header discord.py expects
from Discord's edge) or a 5xx. The gateway speaks plain JSON text frames: HELLO, IDENTIFY ->
READY (``resume_gateway_url`` back to this fake) -> GUILD_CREATE, heartbeats, and
``interact``/``message`` push INTERACTION_CREATE and MESSAGE_CREATE. Each session keeps its
events: ``request_reconnect`` (op 7), ``invalidate_session`` (op 9) and ``drop_gateway`` make
the client reconnect, and a RESUME gets the events it missed, then RESUMED; an invalidated
session answers RESUME with op 9, and the client identifies anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from benchmarks.wire_faults import WireFaults

BOT_TOKEN = "fake-discord-bot-token"
APPLICATION_ID = "1100000000000000001"
BOT_USER_ID = "1100000000000000002"
GUILD_ID = "1100000000000000003"
CHANNEL_ID = "1100000000000000004"
API = "/api/v10"
JSON = "application/json"

BODY: web.RequestKey[Any] = web.RequestKey("body", object)
EDITABLE = ("content", "embeds", "components")
_snowflakes = itertools.count(1200000000000000000)


MESSAGE_CONTENT = 1 << 15  # the privileged intent a bot needs to read guild messages


def snowflake() -> str:
    return str(next(_snowflakes))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user_payload(user_id: str, username: str, *, global_name: str | None = None) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "bot": user_id == BOT_USER_ID,
    }


@dataclass
class Call:
    method: str
    route: str  # "/interactions/{interaction_id}/{token}/callback"
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class Fault:
    status: int
    times: int
    retry_after: float = 0.05
    is_global: bool = False
    code: int = 0  # Discord's JSON error code, e.g. 50007 "Cannot send messages to this user"
    via: bool = True  # a 429 without ``Via`` is what Cloudflare answers


@dataclass
class Interaction:
    """One interaction pushed through the gateway, and what the bot answered."""

    id: str
    token: str
    payload: dict[str, Any]
    responses: list[dict[str, Any]] = field(default_factory=list)  # callback bodies
    original: dict[str, Any] | None = None  # the message the interaction response made
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH @original bodies

    @property
    def response(self) -> dict[str, Any]:
        assert self.responses, "the bot has not answered this interaction"
        return self.responses[0]


@dataclass
class Session:
    """A gateway session: its sequence and every event dispatched in it, for RESUME."""

    id: str
    shard: tuple[int, int]
    intents: int
    sequence: int = 0
    backlog: list[dict[str, Any]] = field(default_factory=list)  # frames, oldest first
    connection: Connection | None = None  # None while the client reconnects
    valid: bool = True


@dataclass
class Connection:
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None = None
    identified: asyncio.Event = field(default_factory=asyncio.Event)  # READY or RESUMED
    session: Session | None = None

    @property
    def shard(self) -> tuple[int, int]:
        return self.session.shard if self.session is not None else (0, 1)

    @property
    def intents(self) -> int:
        return self.session.intents if self.session is not None else 0


class FakeDiscord:
    def __init__(
        self, *, guilds: tuple[str, ...] = (GUILD_ID,), message_content_allowed: bool = True
    ) -> None:
        self.guilds = guilds
        # Whether the bot's owner enabled the privileged Message Content intent: if not, an
        # IDENTIFY asking for it is closed with 4014, as Discord does.
        self.message_content_allowed = message_content_allowed
        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] = []
        self.interactions: dict[str, Interaction] = {}
        self.channel_messages: list[dict[str, Any]] = []
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        # (channel id, member or role id) -> {"id", "type", "allow", "deny"}
        self.overwrites: dict[tuple[str, str], dict[str, Any]] = {}
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, nonce) -> message
        self.connections: list[Connection] = []
        self.identifies: list[dict[str, Any]] = []
        self.sessions: dict[str, Session] = {}
        self.resumes: list[dict[str, Any]] = []  # session_id, seq, replayed (events sent again)
        self.gateway_faults: Counter[str] = Counter()  # reconnect, invalid_session, drop
        self._faults: dict[tuple[str, str], Fault] = {}
        self.wire = WireFaults()  # slow answers, dropped connections
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[self.wire.middleware, self._record])
        r = app.router
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        r.add_get(f"{API}/users/@me", self._me)
        r.add_post(f"{API}/users/@me/channels", self._open_dm)
        r.add_get(f"{API}/gateway", self._gateway_url)
        r.add_get(f"{API}/gateway/bot", self._gateway_bot)
        r.add_put(f"{API}/applications/{{app_id}}/commands", self._put_commands)
        r.add_post(f"{API}/interactions/{{interaction_id}}/{{token}}/callback", self._callback)
        r.add_post(f"{API}/webhooks/{{app_id}}/{{token}}", self._followup)
        r.add_patch(f"{API}/webhooks/{{app_id}}/{{token}}/messages/@original", self._edit_original)
        r.add_post(f"{API}/channels/{{channel_id}}/messages", self._channel_message)
        message = f"{API}/channels/{{channel_id}}/messages/{{message_id}}"
        r.add_patch(message, self._edit_channel_message)
        r.add_delete(message, self._delete_channel_message)
        overwrite = f"{API}/channels/{{channel_id}}/permissions/{{target}}"
        r.add_put(overwrite, self._put_overwrite)
        r.add_delete(overwrite, self._delete_overwrite)
        r.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for connection in self.connections:
            await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- faults and records -------------------------------------------------------------------
    def fail(
        self,
        method: str,
        route: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        code: int = 0,
        via: bool = True,
    ) -> None:
        """The next ``times`` calls of ``method route`` (e.g. ``PUT
        /applications/{app_id}/commands``) answer ``status`` (with Discord's error ``code``)."""
        self._faults[(method.upper(), route)] = Fault(
            status, times, retry_after, is_global, code, via
        )

    def calls_to(self, method: str, route: str) -> list[Call]:
        return [c for c in self.calls if c.method == method.upper() and c.route == route]

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if request.path == "/gateway":
            response: web.StreamResponse = await handler(request)
            return response
        resource = request.match_info.route.resource
        route = resource.canonical.removeprefix(API) if resource is not None else request.path
        body: Any = None
        if request.can_read_body:
            text = await request.text()
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        fault = self._faults.get((request.method, route))
        if fault is not None and fault.times > 0:
            fault.times -= 1
            response = self._fault(fault)
        elif self._needs_auth(route) and request.headers.get("Authorization") != (
            f"Bot {BOT_TOKEN}"
        ):
            response = _json({"message": "401: Unauthorized", "code": 0}, status=401)
        else:
            request[BODY] = body
            response = await handler(request)
        self.calls.append(
            Call(request.method, route, request.path, dict(request.query), body, response.status)
        )
        return response

    @staticmethod
    def _needs_auth(route: str) -> bool:
        return not route.startswith(("/interactions/", "/webhooks/"))

    @staticmethod
    def _fault(fault: Fault) -> web.Response:
        if fault.status == 429:
            return _json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": fault.is_global,
                },
                status=429,
                headers={
                    **({"Via": "1.1 google"} if fault.via else {}),
                    **({"X-RateLimit-Global": "true"} if fault.is_global else {}),
                    "Retry-After": str(max(1, round(fault.retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(fault.retry_after),
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "global" if fault.is_global else "user",
                },
            )
        messages = {403: "Missing Access", 404: "Unknown Channel"}
        if fault.code == 50007:
            messages[fault.status] = "Cannot send messages to this user"
        message = messages.get(fault.status, "Server error" if fault.status >= 500 else "Error")
        return _json({"message": message, "code": fault.code}, status=fault.status)

    # --- REST ----------------------------------------------------------------------------------
    async def _application(self, _request: web.Request) -> web.Response:
        return _json(
            {
                "id": APPLICATION_ID,
                "name": "France Alumni",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user_payload("1100000000000000009", "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _me(self, _request: web.Request) -> web.Response:
        return _json(user_payload(BOT_USER_ID, "alumni-bot", global_name="France Alumni"))

    async def _gateway_url(self, _request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _gateway_bot(self, _request: web.Request) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 2,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        body = request[BODY]
        self.commands = [
            {**command, "id": snowflake(), "application_id": APPLICATION_ID, "version": "1"}
            for command in body
        ]
        return _json(self.commands)

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(request.match_info["interaction_id"])
        if interaction is None or interaction.token != request.match_info["token"]:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if interaction.responses:
            return _json(
                {"message": "Interaction has already been acknowledged.", "code": 40060},
                status=400,
            )
        body = request[BODY]
        interaction.responses.append(body)
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] in (4, 7):
            data = body.get("data") or {}
            previous = (interaction.payload.get("message") if body["type"] == 7 else None) or {}
            message = self._message(
                data, channel_id=interaction.payload["channel_id"], message_id=previous.get("id")
            )
            interaction.original = message
            resource["message"] = message
        return _json(
            {
                "interaction": {
                    "id": interaction.id,
                    "type": interaction.payload["type"],
                    "response_message_id": (interaction.original or {}).get("id"),
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(
                        (body.get("data") or {}).get("flags", 0) & 64
                    ),
                },
                "resource": resource,
            }
        )

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request.match_info["token"])
        if interaction is None or not interaction.responses:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        message = self._message(request[BODY], channel_id=interaction.payload["channel_id"])
        interaction.followups.append(message)
        return _json(message)

    async def _edit_original(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request.match_info["token"])
        if interaction is None or not interaction.responses:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        body = request[BODY]
        interaction.edits.append(body)
        base = interaction.original or (interaction.payload.get("message") or {})
        message = self._message(
            {**base, **body},
            channel_id=interaction.payload["channel_id"],
            message_id=base.get("id"),
        )
        interaction.original = message
        return _json(message)

    async def _open_dm(self, request: web.Request) -> web.Response:
        """``POST /users/@me/channels {"recipient_id"}``: the same DM channel every time."""
        user_id = str(request[BODY]["recipient_id"])
        channel_id = self.dm_channels.setdefault(user_id, snowflake())
        return _json(
            {
                "id": channel_id,
                "type": 1,
                "last_message_id": None,
                "recipients": [user_payload(user_id, f"user{user_id[-4:]}")],
            }
        )

    async def _channel_message(self, request: web.Request) -> web.Response:
        """A message in a channel; with ``enforce_nonce``, a nonce seen before in that channel
        answers the message it made, and nothing new is posted (as Discord does)."""
        body = request[BODY]
        channel_id = request.match_info["channel_id"]
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get((channel_id, str(nonce)))
            if earlier is not None:
                return _json(earlier)
        message = self._message(body, channel_id=channel_id)
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(channel_id, str(nonce))] = message
        self.channel_messages.append(message)
        return _json(message)

    def _posted(self, request: web.Request) -> dict[str, Any] | None:
        channel_id, message_id = request.match_info["channel_id"], request.match_info["message_id"]
        return next(
            (
                m
                for m in self.channel_messages
                if m["channel_id"] == channel_id and m["id"] == message_id
            ),
            None,
        )

    async def _edit_channel_message(self, request: web.Request) -> web.Response:
        message = self._posted(request)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        body = request[BODY]
        message.update({k: v for k, v in body.items() if k in EDITABLE})
        message["edited_timestamp"] = _now()
        return _json(message)

    async def _delete_channel_message(self, request: web.Request) -> web.Response:
        message = self._posted(request)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        self.channel_messages.remove(message)
        return web.Response(status=204)

    async def _put_overwrite(self, request: web.Request) -> web.Response:
        key = (request.match_info["channel_id"], request.match_info["target"])
        self.overwrites[key] = {"id": key[1], **request[BODY]}
        return web.Response(status=204)

    async def _delete_overwrite(self, request: web.Request) -> web.Response:
        key = (request.match_info["channel_id"], request.match_info["target"])
        if self.overwrites.pop(key, None) is None:
            return _json({"message": "Unknown Overwrite", "code": 10009}, status=404)
        return web.Response(status=204)

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        return [m for m in self.channel_messages if m["channel_id"] == channel_id]

    @staticmethod
    def _message(
        data: dict[str, Any], *, channel_id: str, message_id: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": message_id or snowflake(),
            "channel_id": channel_id,
            "type": 0,
            "content": data.get("content") or "",
            "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "attachments": [],
            "flags": data.get("flags", 0),
            "author": user_payload(BOT_USER_ID, "alumni-bot"),
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "application_id": APPLICATION_ID,
        }

    # --- gateway -------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = Connection(ws, request.transport)
        self.connections.append(connection)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            op = message.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(connection, message["d"])
            elif op == 6:
                await self._resume(connection, message["d"])
        if connection in self.connections:
            self.connections.remove(connection)
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None  # events wait in the backlog for a RESUME
        return ws

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        if data.get("token") != BOT_TOKEN:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & MESSAGE_CONTENT and not self.message_content_allowed:
            await connection.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(secrets.token_hex(8), (int(shard[0]), int(shard[1])), intents)
        self.sessions[session.id] = session
        session.connection, connection.session = connection, session
        mine = [g for g in self.guilds if self._shard_of(g, session.shard[1]) == shard[0]]
        ready: dict[str, Any] = {
            "v": 10,
            "user": user_payload(BOT_USER_ID, "alumni-bot", global_name="France Alumni"),
            "guilds": [{"id": g, "unavailable": True} for g in mine],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APPLICATION_ID, "flags": 0},
            "shard": list(session.shard),
        }
        await self._dispatch(session, "READY", ready)
        for guild_id in mine:
            await self._dispatch(session, "GUILD_CREATE", self._guild(guild_id))
        connection.identified.set()

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        """RESUME: the events after ``seq`` again, then RESUMED; an unknown or invalidated
        session gets op 9 (not resumable), after which the client identifies anew."""
        if data.get("token") != BOT_TOKEN:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.valid:
            await connection.ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        seq = int(data.get("seq") or 0)
        missed = [frame for frame in session.backlog if frame["s"] > seq]
        self.resumes.append({"session_id": session.id, "seq": seq, "replayed": len(missed)})
        session.connection, connection.session = connection, session
        for frame in missed:
            await connection.ws.send_str(json.dumps(frame))
        await self._dispatch(session, "RESUMED", {})
        connection.identified.set()

    # --- gateway faults ------------------------------------------------------------------------
    def _live(self, guild_id: str | None = None) -> Connection:
        connection = self._connection_for(guild_id).connection
        assert connection is not None, "the session has no connection right now"
        return connection

    async def request_reconnect(self, guild_id: str | None = None) -> None:
        """Op 7 RECONNECT, as Discord sends before moving a session: the client closes the
        connection and RESUMEs on ``resume_gateway_url``."""
        self.gateway_faults["reconnect"] += 1
        await self._live(guild_id).ws.send_str(json.dumps({"op": 7, "d": None}))

    async def invalidate_session(
        self, *, resumable: bool = False, guild_id: str | None = None
    ) -> None:
        """Op 9 INVALID_SESSION: a resumable one is resumed, another is identified anew."""
        self.gateway_faults["invalid_session"] += 1
        connection = self._live(guild_id)
        if not resumable and connection.session is not None:
            connection.session.valid = False
        await connection.ws.send_str(json.dumps({"op": 9, "d": resumable}))

    async def drop_gateway(self, guild_id: str | None = None) -> None:
        """The socket closes without a close frame; the client resumes."""
        self.gateway_faults["drop"] += 1
        transport = self._live(guild_id).transport
        if transport is not None:
            transport.close()

    @staticmethod
    def _shard_of(guild_id: str, count: int) -> int:
        return (int(guild_id) >> 22) % count

    @staticmethod
    def _guild(guild_id: str) -> dict[str, Any]:
        return {
            "id": guild_id,
            "name": "Alumni Vietnam",
            "unavailable": False,
            "member_count": 2,
            "owner_id": "1100000000000000009",
            "preferred_locale": "en-US",
            "features": [],
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "permissions": "1024",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "channels": [
                {
                    "id": CHANNEL_ID,
                    "type": 0,
                    "name": "general",
                    "position": 0,
                    "guild_id": guild_id,
                    "permission_overwrites": [],
                    "nsfw": False,
                }
            ],
            "threads": [],
            "members": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": _now(),
            "large": False,
        }

    async def _dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        """Send an event in ``session``; while it has no connection, the event waits in the
        backlog and goes out when the client RESUMEs."""
        session.sequence += 1
        frame = {"op": 0, "t": event, "s": session.sequence, "d": data}
        session.backlog.append(frame)
        connection = session.connection
        if connection is not None and not connection.ws.closed:
            # A client going away gets the event on RESUME.
            with contextlib.suppress(ConnectionError):
                await connection.ws.send_str(json.dumps(frame))

    async def wait_identified(self, count: int = 1, *, within: float = 5.0) -> None:
        await wait_for(
            lambda: sum(c.identified.is_set() for c in self.connections) >= count, within=within
        )

    def _connection_for(self, guild_id: str | None) -> Session:
        """The valid session that serves ``guild_id`` (its shard), connected or not."""
        live = [s for s in self.sessions.values() if s.valid]
        assert live, "no identified gateway session"
        if guild_id is None:
            return next((s for s in live if s.shard[0] == 0), live[0])
        count = live[0].shard[1]
        return next(s for s in live if s.shard[0] == self._shard_of(guild_id, count))

    # --- pushing events ------------------------------------------------------------------------
    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: str,
        username: str = "someone",
        global_name: str | None = None,
        locale: str = "en-US",
        guild_id: str | None = GUILD_ID,
        channel_id: str = CHANNEL_ID,
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        """Push an INTERACTION_CREATE (kind 2 command, 3 component, 4 autocomplete, 5 modal)."""
        interaction_id = snowflake()
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": APPLICATION_ID,
            "type": kind,
            "data": data,
            "token": "itok-" + secrets.token_urlsafe(24),
            "version": 1,
            "locale": locale,
            "channel_id": channel_id,
            "channel": {"id": channel_id, "type": 0 if guild_id else 1},
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0 if guild_id else 1,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        user = user_payload(user_id, username, global_name=global_name)
        if guild_id is not None:
            payload["guild_id"] = guild_id
            payload["guild_locale"] = "en-US"
            payload["member"] = {
                "user": user,
                "roles": [],
                "joined_at": _now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": "1024",
                "nick": None,
            }
        else:
            payload["user"] = user
            payload["channel"]["recipients"] = [user]
        if message is not None:
            payload["message"] = message
        interaction = Interaction(interaction_id, payload["token"], payload)
        self.interactions[interaction_id] = interaction
        await self._dispatch(self._connection_for(guild_id), "INTERACTION_CREATE", payload)
        return interaction

    async def message(
        self, content: str, *, user_id: str, username: str = "someone", channel_id: str
    ) -> None:
        """Push a MESSAGE_CREATE in a direct conversation with the bot."""
        payload = {
            **self._message({"content": content}, channel_id=channel_id),
            "author": user_payload(user_id, username),
        }
        payload["author"]["bot"] = False
        await self._dispatch(self._connection_for(None), "MESSAGE_CREATE", payload)

    async def guild_message(
        self,
        content: str,
        *,
        user_id: str,
        username: str = "someone",
        channel_id: str = CHANNEL_ID,
        guild_id: str = GUILD_ID,
        reply_to: str | None = None,
        message_id: str | None = None,
        bot: bool = False,
        kind: int = 0,
        attachments: tuple[str, ...] = (),
    ) -> str:
        """Push a MESSAGE_CREATE in a guild channel; returns the message id. Without the
        Message Content intent, Discord sends the content empty; so does this fake."""
        session = self._connection_for(guild_id)
        payload = {
            **self._message({"content": content}, channel_id=channel_id, message_id=message_id),
            "guild_id": guild_id,
            "type": 19 if reply_to else kind,
            "author": {**user_payload(user_id, username), "bot": bot},
            "member": {"roles": [], "joined_at": _now(), "deaf": False, "mute": False},
            "attachments": [
                {"id": snowflake(), "filename": url.rsplit("/", 1)[-1], "url": url,
                 "proxy_url": url, "size": 1}
                for url in attachments
            ],
        }  # fmt: skip
        if reply_to:
            payload["message_reference"] = {
                "message_id": reply_to, "channel_id": channel_id, "guild_id": guild_id,
            }  # fmt: skip
        if not session.intents & MESSAGE_CONTENT:
            payload["content"] = ""
        await self._dispatch(session, "MESSAGE_CREATE", payload)
        return str(payload["id"])

    async def guild_message_update(
        self,
        message_id: str,
        content: str,
        *,
        user_id: str,
        username: str = "someone",
        channel_id: str = CHANNEL_ID,
        guild_id: str = GUILD_ID,
    ) -> None:
        payload = {
            **self._message({"content": content}, channel_id=channel_id, message_id=message_id),
            "guild_id": guild_id,
            "author": {**user_payload(user_id, username), "bot": False},
            "edited_timestamp": _now(),
        }
        await self._dispatch(self._connection_for(guild_id), "MESSAGE_UPDATE", payload)

    async def guild_message_delete(
        self, message_id: str, *, channel_id: str = CHANNEL_ID, guild_id: str = GUILD_ID
    ) -> None:
        payload = {"id": message_id, "channel_id": channel_id, "guild_id": guild_id}
        await self._dispatch(self._connection_for(guild_id), "MESSAGE_DELETE", payload)


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with exactly ``Content-Type: application/json`` (discord.py checks it)."""
    response = web.Response(body=json.dumps(data).encode(), status=status, headers=headers or {})
    response.headers["Content-Type"] = JSON
    return response


async def wait_for(condition: Callable[[], object], *, within: float = 5.0) -> None:
    """Poll ``condition`` every 10 ms until it is true; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.01)
