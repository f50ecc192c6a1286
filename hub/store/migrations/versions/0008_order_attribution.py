"""order attribution: the salesperson on each CRM order when the hub first saw it (commission at order time)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 02:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_attribution",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("stream", sa.String(), nullable=False),
        sa.Column("owner_ref", sa.String(), nullable=True),
        sa.Column("basis", sa.String(), nullable=False),
        sa.Column("account_ref", sa.String(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("system", "order_id", name=op.f("pk_order_attribution")),
    )


def downgrade() -> None:
    op.drop_table("order_attribution")
