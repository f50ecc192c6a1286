"""source contracts, stream profiles, alerts sent, run lock

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 22:10:28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("event_key", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_sent")),
    )
    with op.batch_alter_table("alert_sent", schema=None) as batch_op:
        batch_op.create_index("ix_alert_sent_key", ["channel", "event_key"], unique=False)

    op.create_table(
        "run_lock",
        sa.Column("pipeline", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("started_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pipeline", name=op.f("pk_run_lock")),
    )
    op.create_table(
        "schema_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("stream", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(), nullable=False),
        sa.Column("column", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schema_change")),
    )
    with op.batch_alter_table("schema_change", schema=None) as batch_op:
        batch_op.create_index("ix_schema_change_stream", ["system", "stream"], unique=False)

    op.create_table(
        "stream_column",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("stream", sa.String(), nullable=False),
        sa.Column("column", sa.String(), nullable=False),
        sa.Column("types", sa.String(), nullable=False),
        sa.Column("first_run", sa.Integer(), nullable=False),
        sa.Column("last_run", sa.Integer(), nullable=False),
        sa.Column("removed_run", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("system", "stream", "column", name=op.f("pk_stream_column")),
    )
    op.create_table(
        "stream_profile",
        sa.Column("pipeline", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("stream", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("filled", sa.JSON(), nullable=True),
        sa.Column("data_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pipeline", "system", "stream", name=op.f("pk_stream_profile")),
    )


def downgrade() -> None:
    op.drop_table("stream_profile")
    op.drop_table("stream_column")
    with op.batch_alter_table("schema_change", schema=None) as batch_op:
        batch_op.drop_index("ix_schema_change_stream")

    op.drop_table("schema_change")
    op.drop_table("run_lock")
    with op.batch_alter_table("alert_sent", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_sent_key")

    op.drop_table("alert_sent")
