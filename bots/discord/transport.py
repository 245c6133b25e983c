"""The REST calls that answer interactions and send messages, through discord.py's HTTP client.

``HTTPClient.request`` honours Discord's per-route buckets (``X-RateLimit-*``), the global
limit and ``retry_after`` of a 429, and retries 5xx answers. Interaction callbacks and webhook
follow-ups are keyed per interaction (``webhook_id``/``webhook_token``), so one busy
interaction never queues another. ``timeout`` bounds each HTTP exchange (not the waits for a
rate limit); without it aiohttp's default of five minutes applies.
"""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp
from discord.http import HTTPClient, Route

__all__ = ["HttpTransport", "Transport"]


class Transport(Protocol):
    async def callback(self, interaction_id: str, token: str, body: dict[str, Any]) -> None: ...

    async def edit_original(
        self, application_id: str, token: str, message: dict[str, Any]
    ) -> None: ...

    async def followup(self, application_id: str, token: str, message: dict[str, Any]) -> None: ...

    async def send(self, channel_id: str, message: dict[str, Any]) -> dict[str, Any]: ...


class HttpTransport:
    def __init__(self, http: HTTPClient, *, timeout: float | None = None) -> None:
        self._http = http
        self._options: dict[str, Any] = (
            {} if timeout is None else {"timeout": aiohttp.ClientTimeout(total=timeout)}
        )

    async def callback(self, interaction_id: str, token: str, body: dict[str, Any]) -> None:
        route = Route(
            "POST",
            "/interactions/{webhook_id}/{webhook_token}/callback",
            webhook_id=interaction_id,
            webhook_token=token,
        )
        await self._http.request(route, json=body, params={"with_response": "true"})

    async def edit_original(self, application_id: str, token: str, message: dict[str, Any]) -> None:
        route = Route(
            "PATCH",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            webhook_id=application_id,
            webhook_token=token,
        )
        await self._http.request(route, json=_without_flags(message))

    async def followup(self, application_id: str, token: str, message: dict[str, Any]) -> None:
        route = Route(
            "POST",
            "/webhooks/{webhook_id}/{webhook_token}",
            webhook_id=application_id,
            webhook_token=token,
        )
        await self._http.request(route, json=message, params={"wait": "true"})

    async def send(self, channel_id: str, message: dict[str, Any]) -> dict[str, Any]:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data: dict[str, Any] = await self._http.request(
            route, json=_without_flags(message), **self._options
        )
        return data

    async def edit(self, channel_id: str, message_id: str, message: dict[str, Any]) -> None:
        """Replace a message the bot posted in a channel (content, embeds, components)."""
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        await self._http.request(route, json=_without_flags(message), **self._options)


def _without_flags(message: dict[str, Any]) -> dict[str, Any]:
    """Editing a message or posting in a channel cannot make it ephemeral."""
    return {k: v for k, v in message.items() if k != "flags"}
