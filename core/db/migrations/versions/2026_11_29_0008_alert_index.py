"""Alert index holding what a match reads

The index on alerts becomes (match_word, match_key, member_id, frequency, id): a new offer
finds its alerts without words in the index alone, without visiting the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_match")
        batch_op.create_index(
            "ix_alerts_match",
            ["match_word", "match_key", "member_id", "frequency", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_match")
        batch_op.create_index("ix_alerts_match", ["match_key", "match_word"], unique=False)
