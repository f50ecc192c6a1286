"""mapped streams: what lets a rerun skip the map stage's scan of every staged record

``mapped_stream`` names, per stream, the rules fingerprint all its staged records are mapped
under (records marked NULL aside); ``ix_source_record_unmapped`` indexes the records marked NULL
(not mapped yet, or requeued). With both, a map stage that has nothing to do reads two index
entries instead of every record of the stream. The table starts empty: the first run after the
upgrade maps (and so reads) every stream once, as before, and records it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_UNMAPPED = sa.text("mapped_hash IS NULL")


def upgrade() -> None:
    op.create_table(
        "mapped_stream",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("stream", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("system", "stream", name=op.f("pk_mapped_stream")),
    )
    op.create_index(
        "ix_source_record_unmapped",
        "source_record",
        ["system", "stream"],
        sqlite_where=_UNMAPPED,
        postgresql_where=_UNMAPPED,
    )


def downgrade() -> None:
    op.drop_index("ix_source_record_unmapped", table_name="source_record")
    op.drop_table("mapped_stream")
