"""An offer's staged alert matches are one row holding their ids, not one row per match;
a partial index of the immediate alerts without words, which most matches are

Publishing an offer that matches thousands of immediate alerts wrote thousands of rows into
``alert_matches`` (on PostgreSQL most of the publication's time); it now writes one row per
offer, the alert ids aggregated into a JSON array, with ``queued`` counting those the
delivery job has already taken. On PostgreSQL the list is stored out of line uncompressed.
Matches staged when the migration runs are carried over (and back on downgrade, less those
already taken).

Most of an offer's matches are immediate alerts without words, found by key: a partial
index holds just those, by key and id (about half the entries of ``ix_alerts_match``, and
narrower: a third of its size), so the staging's scan of them reads fewer pages.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | None = None
depends_on: str | None = None

_IMMEDIATE_WITHOUT_WORDS = "match_word = '' AND frequency = 'immediate'"
_pairs = sa.table("alert_matches", sa.column("offer_id"), sa.column("alert_id"))
_lists = sa.table(
    "alert_matches",
    sa.column("offer_id"),
    sa.column("alert_ids"),
    sa.column("matched"),
    sa.column("queued"),
)


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_immediate_without_words",
            ["match_key", "id"],
            unique=False,
            postgresql_where=sa.text(_IMMEDIATE_WITHOUT_WORDS),
            sqlite_where=sa.text(_IMMEDIATE_WITHOUT_WORDS),
        )
    bind = op.get_bind()
    staged: dict[int, list[int]] = defaultdict(list)
    for offer_id, alert_id in bind.execute(sa.select(_pairs.c.offer_id, _pairs.c.alert_id)):
        staged[offer_id].append(alert_id)
    op.drop_table("alert_matches")
    op.create_table(
        "alert_matches",
        sa.Column("offer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("alert_ids", sa.Text(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_alert_matches")),
    )
    if bind.dialect.name == "postgresql":
        # A popular offer's list is tens of kilobytes, stored out of line: compressing it
        # (pglz) took longer than finding the matches, to save space in a table empty at rest.
        op.execute("ALTER TABLE alert_matches ALTER COLUMN alert_ids SET STORAGE EXTERNAL")
    if staged:
        bind.execute(
            _lists.insert(),
            [
                {"offer_id": o, "alert_ids": json.dumps(a), "matched": len(a), "queued": 0}
                for o, a in staged.items()
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_immediate_without_words")
    bind = op.get_bind()
    rows = bind.execute(sa.select(_lists.c.offer_id, _lists.c.alert_ids, _lists.c.queued)).all()
    op.drop_table("alert_matches")
    op.create_table(
        "alert_matches",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", "alert_id", name=op.f("pk_alert_matches")),
        sqlite_with_rowid=False,
    )
    pairs = {
        (offer_id, alert_id)
        for offer_id, alert_ids, queued in rows
        for alert_id in json.loads(alert_ids)[queued:]
    }
    if pairs:
        bind.execute(_pairs.insert(), [{"offer_id": o, "alert_id": a} for o, a in sorted(pairs)])
