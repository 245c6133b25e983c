"""Directory: claim codes, consent time, search documents and engine-specific search indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:09:01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.search_ddl import create_member_search, drop_member_search
from core.directory.documents import terms_of
from core.domain import fold

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill_search_documents() -> None:
    """Members created before this revision get their search document."""
    bind = op.get_bind()
    members = bind.execute(
        sa.text("SELECT id, full_name, city, sector FROM members WHERE search_document = ''")
    ).all()
    if not members:
        return
    studies: dict[int, list[str]] = {}
    for member_id, school, field in bind.execute(
        sa.text(
            "SELECT e.member_id, o.name, e.field FROM education e "
            "JOIN organisations o ON o.id = e.institution_id"
        )
    ):
        studies.setdefault(member_id, []).extend(x for x in (school, field) if x)
    update = sa.text("UPDATE members SET search_document = :doc, city_key = :city WHERE id = :id")
    rows = [
        {
            "id": member_id,
            "city": fold(city) if city else None,
            "doc": fold(
                " ".join(x for x in (name, city, sector, *studies.get(member_id, ())) if x)
            ),
        }
        for member_id, name, city, sector in members
    ]
    for start in range(0, len(rows), 5000):
        bind.execute(update, rows[start : start + 5000])
    terms = sorted({t for row in rows for t in terms_of(row["doc"])})
    insert = sa.text("INSERT INTO search_terms (term) VALUES (:term)")
    for start in range(0, len(terms), 5000):
        bind.execute(insert, [{"term": t} for t in terms[start : start + 5000]])


def upgrade() -> None:
    op.create_table(
        "claim_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_claim_codes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_claim_codes")),
    )
    with op.batch_alter_table("claim_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_codes_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("search_document", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("imported_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("city_key", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_members_city", ["country_code", "city_key"], unique=False)
        batch_op.create_index(
            "ix_members_listed_country",
            ["country_code", "name_key", "id"],
            unique=False,
            postgresql_where=sa.text("directory_consent AND visibility = 'listed'"),
            sqlite_where=sa.text("directory_consent AND visibility = 'listed'"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_members_imported_by_id_organisations"),
            "organisations",
            ["imported_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("search_document", server_default=None)

    with op.batch_alter_table("platform_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))

    op.create_table(
        "search_terms",
        sa.Column(
            "term",
            sa.String(length=64).with_variant(sa.String(64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_terms")),
    )
    _backfill_search_documents()
    create_member_search(op)


def downgrade() -> None:
    drop_member_search(op)
    op.drop_table("search_terms")
    with op.batch_alter_table("platform_accounts", schema=None) as batch_op:
        batch_op.drop_column("display_name")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_members_imported_by_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index("ix_members_listed_country")
        batch_op.drop_index("ix_members_city")
        batch_op.drop_column("city_key")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("imported_by_id")
        batch_op.drop_column("search_document")
        batch_op.drop_column("consent_at")

    with op.batch_alter_table("claim_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_codes_member_id"))

    op.drop_table("claim_codes")
