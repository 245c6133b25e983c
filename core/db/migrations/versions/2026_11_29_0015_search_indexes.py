"""Directory search: spelling corrections by index, a small GIN pending list on PostgreSQL

The words less their third letter are stored and indexed, so that the close spellings of a misspelt
word are looked up instead of read from every word of the same first two letters. On
PostgreSQL, the full-text index's pending list, which every search reads whole, is kept small.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db.search_ddl import bound_pending_list

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    word = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
    op.add_column("search_terms", sa.Column("without_third_letter", word, nullable=True))
    # substr() counts characters on both engines, like Python's slices.
    op.execute(
        "UPDATE search_terms SET without_third_letter = substr(term, 1, 2) || substr(term, 4)"
    )
    with op.batch_alter_table("search_terms") as batch_op:
        batch_op.alter_column("without_third_letter", existing_type=word, nullable=False)
        batch_op.create_index(
            batch_op.f("ix_search_terms_without_third_letter"), ["without_third_letter"]
        )
    bound_pending_list(op)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_members_search_tsv RESET (gin_pending_list_limit)")
    with op.batch_alter_table("search_terms") as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_terms_without_third_letter"))
        batch_op.drop_column("without_third_letter")
