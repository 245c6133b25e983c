"""Conversation state: server-side button tokens and forms answered step by step.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:04:14.462868
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "callback_tokens",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_callback_tokens")),
    )
    with op.batch_alter_table("callback_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_tokens_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "form_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "platform",
            sa.Enum(
                "console",
                "telegram",
                "slack",
                "discord",
                name="platform",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=320), nullable=False),
        sa.Column("form", JSON_TYPE, nullable=False),
        sa.Column("answers", JSON_TYPE, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_sessions")),
        sa.UniqueConstraint(
            "platform", "workspace", "user_id", name=op.f("uq_form_sessions_platform")
        ),
    )


def downgrade() -> None:
    op.drop_table("form_sessions")
    with op.batch_alter_table("callback_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_tokens_created_at"))

    op.drop_table("callback_tokens")
