"""python-telegram-bot's requests over aiohttp, the HTTP client the rest of the platform uses.

``BaseRequest`` is python-telegram-bot's documented interface for plugging in another asyncio
HTTP library; the library's ``Bot`` still builds every request and reads every answer. Its
default, ``HTTPXRequest``, cost most of a bot's time per answer: profiled in
``benchmarks/telegram_throughput``, a ``sendMessage`` took 3.5 times the CPU over httpx that
it takes over aiohttp.

Bodies go out as JSON (the Bot API takes ``application/json``), or as ``multipart/form-data``
when a file is attached. Timeouts keep python-telegram-bot's meaning: ``connect`` covers
waiting for a free pooled connection (``pool``) and opening one (``connect``), ``read`` the
wait for each chunk of the answer, and the whole request is bounded by their sum with
``write`` (aiohttp has no separate write timeout). As with httpx, a timeout becomes
``TimedOut`` and any other transport failure ``NetworkError``; HTTP error statuses are left
to python-telegram-bot, which turns them into its own errors (``RetryAfter``, ``Forbidden``…).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]


def _chosen(value: Any, default: float | None) -> float | None:
    """python-telegram-bot passes ``DEFAULT_NONE`` for "the default of this request object"."""
    if isinstance(value, type(BaseRequest.DEFAULT_NONE)):
        return default
    return value  # type: ignore[no-any-return]


def _sum(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


class AiohttpRequest(BaseRequest):
    """One aiohttp ``ClientSession`` with at most ``connections`` open connections, opened
    by ``initialize()`` or by the first request."""

    __slots__ = (
        "_connect_timeout",
        "_connections",
        "_media_write_timeout",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connections: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                # Errors are python-telegram-bot's to read from the status and the body.
                raise_for_status=False,
                # HTTPS_PROXY and kin apply, as they did with httpx.
                trust_env=True,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:  # a Bot used without ``initialize()``, as httpx allows
            await self.initialize()
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is shut down")
        files = request_data.multipart_data if request_data is not None else None
        read = _chosen(read_timeout, self._read_timeout)
        write = _chosen(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _chosen(connect_timeout, self._connect_timeout)
        pool = _chosen(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=_sum(pool, connect, write, read),
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None and files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            # Nested values (keyboards, reply parameters) as JSON objects, not as strings of
            # JSON inside JSON as ``RequestData.json_payload`` has them.
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json"}
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The request URL holds the bot token: never part of the message.
            detail = str(exc).replace(url, "<request URL>")
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {detail}") from exc
