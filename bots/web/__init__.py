"""The HTTP side of a process: health, metrics, public feeds, request ids."""

from __future__ import annotations

from .app import REQUEST_ID_HEADER, build_web_app
from .health import Readiness
from .metrics import Metrics

__all__ = ["REQUEST_ID_HEADER", "Metrics", "Readiness", "build_web_app"]
