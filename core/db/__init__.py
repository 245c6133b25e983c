"""Persistence: SQLAlchemy 2 async models, engine and Alembic migrations (one home)."""

from __future__ import annotations

from .base import Base
from .engine import Database, create_database
from .migrate import current_revision, head_revision, rebuild, upgrade

__all__ = [
    "Base",
    "Database",
    "create_database",
    "current_revision",
    "head_revision",
    "rebuild",
    "upgrade",
]
