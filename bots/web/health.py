"""``GET /healthz`` (the process answers) and ``GET /readyz`` (it can do its work).

Ready means: the database answers, its schema is at the migrations' head, and every part this
process runs (a platform's bot, a sender) has started and is still running. A load balancer
sends traffic only to ready processes; an orchestrator restarts those that are not alive.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import text

from core.db import Database, current_revision, head_revision

__all__ = ["Readiness"]

DB_TIMEOUT = 2.0


@dataclass
class Readiness:
    """The parts a process runs, each ready or not; the runners flip them."""

    db: Database
    head: str = field(default_factory=head_revision)
    parts: dict[str, bool] = field(default_factory=dict)

    def expect(self, part: str) -> None:
        """``part`` runs in this process; not ready until ``set(part)``."""
        self.parts.setdefault(part, False)

    def set(self, part: str, ready: bool = True) -> None:
        self.parts[part] = ready

    async def check(self) -> dict[str, str]:
        """Each check's answer: ``ok`` or what is wrong."""
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(DB_TIMEOUT):
                async with self.db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                revision = await current_revision(self.db.engine)
            checks["database"] = "ok"
            checks["migrations"] = (
                "ok" if revision == self.head else f"at {revision}, head is {self.head}"
            )
        except Exception as exc:  # whatever the failure, the process is not ready
            checks["database"] = f"unreachable: {type(exc).__name__}"
            checks["migrations"] = "unknown"
        for part, ready in sorted(self.parts.items()):
            checks[part] = "ok" if ready else "not started"
        return checks

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, _request: web.Request) -> web.Response:
        checks = await self.check()
        ready = all(answer == "ok" for answer in checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status=200 if ready else 503,
        )
