"""Run log: one row per pipeline run, one per stage execution, and saved cursor state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class Run(Base):
    """One execution of a pipeline (embedded runner or Airflow DAG run)."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    pipeline: Mapped[str] = mapped_column(String(), nullable=False)
    status: Mapped[str] = mapped_column(String(), nullable=False)  # running | succeeded | failed
    trigger: Mapped[str] = mapped_column(String(), nullable=False, default="cli")
    external_ref: Mapped[str | None] = mapped_column(String())  # e.g. Airflow dag_run id
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    error: Mapped[str | None] = mapped_column(Text())


class StageLog(Base):
    """One stage (extract/map/reconcile/push/report) for one system and stream within a run."""

    __tablename__ = "stage_log"
    __table_args__ = (Index("ix_stage_log_run_id", "run_id"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    stage: Mapped[str] = mapped_column(String(), nullable=False)
    system: Mapped[str | None] = mapped_column(String())
    stream: Mapped[str | None] = mapped_column(String())
    status: Mapped[str] = mapped_column(String(), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rows_in: Mapped[int] = mapped_column(Integer(), default=0, nullable=False)
    rows_changed: Mapped[int] = mapped_column(Integer(), default=0, nullable=False)
    rows_quarantined: Mapped[int] = mapped_column(Integer(), default=0, nullable=False)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    error: Mapped[str | None] = mapped_column(Text())


class CursorState(Base):
    """Incremental cursor of one stream; saved only together with the batch it covers."""

    __tablename__ = "cursor_state"

    pipeline: Mapped[str] = mapped_column(String(), primary_key=True)
    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
