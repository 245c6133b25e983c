"""Thematic groups: groups, memberships, mapped channels, relayed messages and reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 04:09:21.230749
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("names", JSON_TYPE, nullable=False),
        sa.Column("descriptions", JSON_TYPE, nullable=False),
        sa.Column("name_keys", sa.String(length=800), nullable=False),
        sa.Column("search_document", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "sector",
                "culture",
                "region",
                "school",
                "other",
                name="group_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column(
            "visibility",
            sa.Enum(
                "open", "closed", name="group_visibility", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"], ["countries.code"], name=op.f("fk_groups_country_code_countries")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_groups_owner_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("slug", name=op.f("uq_groups_slug")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index("ix_groups_filters", ["country_code", "kind"], unique=False)

    op.create_table(
        "group_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
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
        sa.Column("chat_id", sa.String(length=320), nullable=False),
        sa.Column("invite_url", sa.String(length=300), nullable=True),
        sa.Column("mapped_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_channels_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mapped_by_id"],
            ["members.id"],
            name=op.f("fk_group_channels_mapped_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_channels")),
        sa.UniqueConstraint(
            "platform", "workspace", "chat_id", name=op.f("uq_group_channels_platform")
        ),
    )
    with op.batch_alter_table("group_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_channels_group_id"), ["group_id"], unique=False)

    op.create_table(
        "group_memberships",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "member",
                "moderator",
                "owner",
                name="group_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "active",
                "banned",
                name="membership_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_memberships_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_group_memberships_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_memberships")),
    )
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_memberships_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "group_relays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("source_message_id", sa.String(length=100), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_group_relays_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["group_channels.id"],
            name=op.f("fk_group_relays_channel_id_group_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_relays_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["group_relays.id"],
            name=op.f("fk_group_relays_reply_to_id_group_relays"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_relays")),
        sa.UniqueConstraint("digest", name=op.f("uq_group_relays_digest")),
    )
    with op.batch_alter_table("group_relays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_relays_group_id"), ["group_id"], unique=False)

    op.create_table(
        "group_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("relay_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_reports_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["relay_id"],
            ["group_relays.id"],
            name=op.f("fk_group_reports_relay_id_group_relays"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["members.id"],
            name=op.f("fk_group_reports_reporter_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_reports")),
    )
    with op.batch_alter_table("group_reports", schema=None) as batch_op:
        batch_op.create_index("ix_group_reports_open", ["group_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_group_reports_open")

    op.drop_table("group_reports")
    with op.batch_alter_table("group_relays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_relays_group_id"))

    op.drop_table("group_relays")
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_memberships_member_id"))

    op.drop_table("group_memberships")
    with op.batch_alter_table("group_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_channels_group_id"))

    op.drop_table("group_channels")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index("ix_groups_filters")

    op.drop_table("groups")
