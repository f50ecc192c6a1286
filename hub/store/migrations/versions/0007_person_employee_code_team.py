"""person: employee code and sales team (salespeople held as persons are matched on them)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:58:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("employee_code", sa.String(), nullable=True))
        batch.add_column(sa.Column("team", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("team")
        batch.drop_column("employee_code")
