"""Matches of immediate alerts waiting to be queued, written set-based when an offer is published

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "alert_matches",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", "alert_id", name=op.f("pk_alert_matches")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("alert_matches")
