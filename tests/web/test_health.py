"""``/healthz`` and ``/readyz``: the database, its migrations, and the parts a process runs."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bots.web import Metrics, Readiness, build_web_app
from core.bootstrap import App
from core.db import create_database


async def test_healthz_answers_while_the_process_runs(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_ready_with_the_database_at_head_and_every_part_started(
    client: TestClient, readiness: Readiness
) -> None:
    readiness.expect("sender:telegram")
    readiness.set("sender:telegram")
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "sender:telegram": "ok"},
    }


async def test_readyz_is_not_ready_until_a_platform_has_started(
    client: TestClient, readiness: Readiness
) -> None:
    readiness.expect("telegram")
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"]["telegram"] == "not started"
    readiness.set("telegram")
    assert (await client.get("/readyz")).status == 200
    readiness.set("telegram", False)  # its task ended
    assert (await client.get("/readyz")).status == 503


async def test_readyz_is_not_ready_when_the_schema_is_behind_the_migrations(
    app: App, metrics: Metrics
) -> None:
    behind = Readiness(app.db, head="9999_not_applied_yet")
    async with TestClient(
        TestServer(build_web_app(app, metrics=metrics, readiness=behind), host="127.0.0.1")
    ) as client:
        response = await client.get("/readyz")
        body = await response.json()
    assert response.status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"].endswith("head is 9999_not_applied_yet")


async def test_readyz_is_not_ready_when_the_database_is_unreachable(
    app: App, metrics: Metrics, tmp_path: object
) -> None:
    missing = create_database(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/alumni.db")
    try:
        readiness = Readiness(missing)
        async with TestClient(
            TestServer(build_web_app(app, metrics=metrics, readiness=readiness), host="127.0.0.1")
        ) as client:
            response = await client.get("/readyz")
            body = await response.json()
    finally:
        await missing.dispose()
    assert response.status == 503
    assert body["checks"]["database"].startswith("unreachable")
