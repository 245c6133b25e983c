"""Mentoring and coffee introductions: mentor profiles and requests; coffee opt-ins, "don't
pair me with", a chapter's cadence, rounds and who was paired with whom.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "coffee_avoids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("avoided_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["avoided_id"],
            ["members.id"],
            name=op.f("fk_coffee_avoids_avoided_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_coffee_avoids_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coffee_avoids")),
        sa.UniqueConstraint("member_id", "avoided_id", name=op.f("uq_coffee_avoids_member_id")),
    )
    with op.batch_alter_table("coffee_avoids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coffee_avoids_avoided_id"), ["avoided_id"], unique=False
        )

    op.create_table(
        "mentor_profiles",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("topics", JSON_TYPE, nullable=False),
        sa.Column("languages", JSON_TYPE, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("cadence", sa.String(length=12), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_mentor_profiles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_mentor_profiles")),
    )
    op.create_table(
        "mentor_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=24), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_sent", sa.Boolean(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["members.id"],
            name=op.f("fk_mentor_requests_mentee_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["members.id"],
            name=op.f("fk_mentor_requests_mentor_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_requests")),
    )
    with op.batch_alter_table("mentor_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentor_requests_follow_up", ["follow_up_sent", "follow_up_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_requests_mentee_id"), ["mentee_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentor_requests_mentor", ["mentor_id", "state", "created_at"], unique=False
        )

    op.create_table(
        "coffee_members",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["chapters.country_code"],
            name=op.f("fk_coffee_members_country_code_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_coffee_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("country_code", "member_id", name=op.f("pk_coffee_members")),
    )
    with op.batch_alter_table("coffee_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coffee_members_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "coffee_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("round_key", sa.String(length=10), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["chapters.country_code"],
            name=op.f("fk_coffee_rounds_country_code_chapters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coffee_rounds")),
        sa.UniqueConstraint(
            "country_code", "round_key", name=op.f("uq_coffee_rounds_country_code")
        ),
    )
    op.create_table(
        "coffee_settings",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["chapters.country_code"],
            name=op.f("fk_coffee_settings_country_code_chapters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("country_code", name=op.f("pk_coffee_settings")),
    )
    op.create_table(
        "coffee_matches",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_coffee_matches_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["coffee_rounds.id"],
            name=op.f("fk_coffee_matches_round_id_coffee_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "member_id", name=op.f("pk_coffee_matches")),
    )
    with op.batch_alter_table("coffee_matches", schema=None) as batch_op:
        batch_op.create_index("ix_coffee_matches_group", ["round_id", "group_no"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_coffee_matches_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("coffee_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coffee_matches_member_id"))
        batch_op.drop_index("ix_coffee_matches_group")

    op.drop_table("coffee_matches")
    op.drop_table("coffee_settings")
    op.drop_table("coffee_rounds")
    with op.batch_alter_table("coffee_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coffee_members_member_id"))

    op.drop_table("coffee_members")
    with op.batch_alter_table("mentor_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_requests_mentor")
        batch_op.drop_index(batch_op.f("ix_mentor_requests_mentee_id"))
        batch_op.drop_index("ix_mentor_requests_follow_up")

    op.drop_table("mentor_requests")
    op.drop_table("mentor_profiles")
    with op.batch_alter_table("coffee_avoids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coffee_avoids_avoided_id"))

    op.drop_table("coffee_avoids")
