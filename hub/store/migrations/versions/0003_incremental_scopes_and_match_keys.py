"""incremental reconciliation: work scopes on crosswalk and discrepancy rows, stored blocking keys, remittance lines by customer

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_key",
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "system", "external_id", name=op.f("pk_match_key")),
    )
    with op.batch_alter_table("crosswalk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(), nullable=True))
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(), nullable=True))
        batch_op.create_index("ix_discrepancy_scope", ["scope"], unique=False)
    with op.batch_alter_table("remittance_line", schema=None) as batch_op:
        batch_op.create_index("ix_remittance_line_party_ref", ["party_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("remittance_line", schema=None) as batch_op:
        batch_op.drop_index("ix_remittance_line_party_ref")
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.drop_index("ix_discrepancy_scope")
        batch_op.drop_column("scope")
    with op.batch_alter_table("crosswalk", schema=None) as batch_op:
        batch_op.drop_column("scope")
    op.drop_table("match_key")
