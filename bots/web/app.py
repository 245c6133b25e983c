"""The aiohttp application of a process: operations endpoints, public feeds, request ids.

Every process may serve ``/healthz``, ``/readyz`` and ``/metrics``; the ``web`` role also
serves the public feeds and, mounted by ``bots.run``, the Slack and Telegram webhooks. A
middleware gives each request an id (the caller's ``X-Request-Id`` when it is sane, else a new
one), puts it in every log line written while serving it and in the response, and counts the
request per route.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from core.bootstrap import App

from ..logs import REQUEST_ID
from .feeds import feed_routes
from .health import Readiness
from .metrics import CONTENT_TYPE, Metrics

__all__ = ["REQUEST_ID_HEADER", "build_web_app", "request_id_middleware"]

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _route(request: web.Request) -> str:
    """The route's pattern (``/chapters/{country}/events.ics``), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def request_id_middleware(
    metrics: Metrics | None, timer: Callable[[], float] = time.perf_counter
) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = timer()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = request_id
            return response
        except web.HTTPException as exc:
            status = exc.status
            exc.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            seconds = timer() - started
            route = _route(request)
            if metrics is not None:
                metrics.request_served(request.method, route, status, seconds)
            log.info(
                "%s %s %d %.1fms", request.method, request.rel_url.path, status, seconds * 1000
            )
            REQUEST_ID.reset(token)

    return middleware


def build_web_app(
    app: App, *, metrics: Metrics, readiness: Readiness, public: bool = True
) -> web.Application:
    """Operations endpoints, plus the public feeds when ``public``."""
    http_app = web.Application(middlewares=[request_id_middleware(metrics)])

    async def serve_metrics(_request: web.Request) -> web.Response:
        try:
            await metrics.read_outbox(app.db)
        except Exception:  # the counters are still worth serving without the depth
            log.warning("metrics: cannot read the outbox depth", exc_info=True)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    http_app.router.add_get("/healthz", readiness.healthz)
    http_app.router.add_get("/readyz", readiness.readyz)
    http_app.router.add_get("/metrics", serve_metrics)
    if public:
        http_app.add_routes(feed_routes(app))
    return http_app
