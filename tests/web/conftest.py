"""The process's aiohttp application served on loopback, with its own metrics registry."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bots.web import Metrics, Readiness, build_web_app
from core.bootstrap import App


@pytest.fixture
def metrics(app: App) -> Metrics:
    fresh = Metrics()
    app.observer = fresh
    return fresh


@pytest.fixture
def readiness(app: App) -> Readiness:
    return Readiness(app.db)


@pytest.fixture
async def client(app: App, metrics: Metrics, readiness: Readiness) -> AsyncIterator[TestClient]:
    server = TestServer(build_web_app(app, metrics=metrics, readiness=readiness), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client
