"""Reaching organisations: contact requests to a shared inbox, organisation blocks, the
embassy desk of each chapter, institutions' messages to their alumni and opt-outs.

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-29 08:02:10.406937
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "institution_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_institution_messages_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_institution_messages_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_messages")),
    )
    with op.batch_alter_table("institution_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_institution_messages_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_institution_messages_sent", ["organisation_id", "sent_at"], unique=False
        )

    op.create_table(
        "institution_opt_outs",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_institution_opt_outs_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_institution_opt_outs_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "member_id", "organisation_id", name=op.f("pk_institution_opt_outs")
        ),
    )
    op.create_table(
        "organisation_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("blocked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocked_by_id"],
            ["members.id"],
            name=op.f("fk_organisation_blocks_blocked_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_organisation_blocks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_blocks_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_blocks")),
        sa.UniqueConstraint(
            "organisation_id", "member_id", name=op.f("uq_organisation_blocks_organisation_id")
        ),
    )
    with op.batch_alter_table("organisation_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_blocks_blocked_by_id"), ["blocked_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisation_blocks_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["members.id"],
            name=op.f("fk_contact_requests_handled_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_contact_requests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_contact_requests_offer_id_offers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_contact_requests_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
    )
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_requests_handled_by_id"), ["handled_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_contact_requests_member", ["member_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_contact_requests_open", ["state", "organisation_id"], unique=False
        )

    op.create_table(
        "embassy_desks",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("consular_url", sa.String(length=300), nullable=True),
        sa.Column("campus_france_url", sa.String(length=300), nullable=True),
        sa.Column("hours", JSON_TYPE, nullable=False),
        sa.Column("languages", JSON_TYPE, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["chapters.country_code"],
            name=op.f("fk_embassy_desks_country_code_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["members.id"],
            name=op.f("fk_embassy_desks_updated_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("country_code", name=op.f("pk_embassy_desks")),
    )
    with op.batch_alter_table("embassy_desks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_embassy_desks_updated_by_id"), ["updated_by_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("embassy_desks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_embassy_desks_updated_by_id"))

    op.drop_table("embassy_desks")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_requests_open")
        batch_op.drop_index("ix_contact_requests_member")
        batch_op.drop_index(batch_op.f("ix_contact_requests_handled_by_id"))

    op.drop_table("contact_requests")
    with op.batch_alter_table("organisation_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_blocks_member_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_blocks_blocked_by_id"))

    op.drop_table("organisation_blocks")
    op.drop_table("institution_opt_outs")
    with op.batch_alter_table("institution_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_institution_messages_sent")
        batch_op.drop_index(batch_op.f("ix_institution_messages_author_id"))

    op.drop_table("institution_messages")
