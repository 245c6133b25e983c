"""``POST /slack/events`` on the project's aiohttp server: commands, interactivity, events.

Bolt verifies the signature and the timestamp of every request (401 before any listener),
the replay guard runs right after it (see ``replay``).
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

__all__ = ["EVENTS_PATH", "mount_slack", "slack_routes"]

EVENTS_PATH = "/slack/events"


def slack_routes(bolt_app: AsyncApp, path: str = EVENTS_PATH) -> list[web.RouteDef]:
    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await bolt_app.async_dispatch(await to_bolt_request(request))
        )

    return [web.post(path, slack_events)]


def mount_slack(http_app: web.Application, bolt_app: AsyncApp, path: str = EVENTS_PATH) -> None:
    http_app.add_routes(slack_routes(bolt_app, path))
