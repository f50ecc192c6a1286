"""invoice and fulfilment lines: invoice lines, and partners' EDI 855 / 856 / 810 lines

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _record_columns() -> list[sa.Column]:
    return [
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("row_hash", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "invoice_line",
        sa.Column("invoice_ref", sa.String(), nullable=True),
        sa.Column("order_ref", sa.String(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("product_ref", sa.String(), nullable=True),
        sa.Column("sku", sa.String(), nullable=True),
        sa.Column("quantity", hub.store.types.ExactDecimal(precision=20, scale=4), nullable=True),
        sa.Column("unit_price", hub.store.types.ExactDecimal(precision=20, scale=4), nullable=True),
        sa.Column("amount", hub.store.types.ExactDecimal(precision=20, scale=4), nullable=True),
        *_record_columns(),
        sa.PrimaryKeyConstraint("system", "external_id", name=op.f("pk_invoice_line")),
    )
    op.create_index("ix_invoice_line_invoice_ref", "invoice_line", ["invoice_ref"], unique=False)
    op.create_index("ix_invoice_line_order_ref", "invoice_line", ["order_ref"], unique=False)
    op.create_table(
        "fulfilment_line",
        sa.Column("kind", sa.String(), nullable=True),
        sa.Column("order_ref", sa.String(), nullable=True),
        sa.Column("document_ref", sa.String(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(), nullable=True),
        sa.Column("quantity", hub.store.types.ExactDecimal(precision=20, scale=4), nullable=True),
        sa.Column("unit_price", hub.store.types.ExactDecimal(precision=20, scale=4), nullable=True),
        *_record_columns(),
        sa.PrimaryKeyConstraint("system", "external_id", name=op.f("pk_fulfilment_line")),
    )
    op.create_index("ix_fulfilment_line_order_ref", "fulfilment_line", ["order_ref"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fulfilment_line_order_ref", table_name="fulfilment_line")
    op.drop_table("fulfilment_line")
    op.drop_index("ix_invoice_line_order_ref", table_name="invoice_line")
    op.drop_index("ix_invoice_line_invoice_ref", table_name="invoice_line")
    op.drop_table("invoice_line")
