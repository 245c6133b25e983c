"""A broadcast's progress message is edited in place by the senders; a country's newcomers
are found by index

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_members_country_created", "members", ["country_code", "created_at"], unique=False
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edit_of", sa.String(length=100), nullable=True))
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "progress_platform",
                sa.Enum(
                    "console",
                    "telegram",
                    "slack",
                    "discord",
                    name="progress_platform",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("progress_message_id", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("progress_done", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("progress_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_broadcasts_progress_platform"), type_="check")
        for column in (
            "progress_at",
            "progress_key",
            "progress_done",
            "progress_message_id",
            "progress_platform",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("edit_of")
    op.drop_index("ix_members_country_created", table_name="members")
