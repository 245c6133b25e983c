"""Directory search on PostgreSQL: a small GIN pending list, which every search reads

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

from core.db.search_ddl import bound_pending_list

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    bound_pending_list(op)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_members_search_tsv RESET (gin_pending_list_limit)")
