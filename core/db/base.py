"""Declarative base with a naming convention Alembic can rely on."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, Table, TypeDecorator
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones; PostgreSQL's ``timestamptz`` does. Either way the code only
    ever sees aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table behind a mapped class, for bulk inserts without ORM overhead."""
    return cast(Table, model.__table__)


def insert_for(bind: AsyncSession | AsyncConnection | AsyncEngine) -> Any:
    """The ``insert`` construct of the engine behind ``bind``: both dialects offer
    ``on_conflict_do_nothing``/``on_conflict_do_update``, the generic one does not."""
    dialect = bind.get_bind().dialect if isinstance(bind, AsyncSession) else bind.dialect
    return postgresql_insert if dialect.name == "postgresql" else sqlite_insert
