"""The console's audit log (who changed what, before and after) and notes on discrepancies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class AuditLog(Base):
    """One change made by a person (or a refused attempt worth keeping), with the state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_kind", "target_key"), Index("ix_audit_log_at", "at"))

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    user_name: Mapped[str] = mapped_column(String(), nullable=False)
    action: Mapped[str] = mapped_column(String(), nullable=False)
    target_kind: Mapped[str] = mapped_column(String(), nullable=False)
    target_key: Mapped[str] = mapped_column(String(), nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON())


class DiscrepancyNote(Base):
    """An assignment or a comment on one discrepancy (kind and key), kept apart from the reconcile tables."""

    __tablename__ = "discrepancy_note"
    __table_args__ = (Index("ix_discrepancy_note_target", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(), nullable=False)
    key: Mapped[str] = mapped_column(String(), nullable=False)
    note_type: Mapped[str] = mapped_column(String(), nullable=False)  # assign | comment | resolve
    assignee: Mapped[str | None] = mapped_column(String())
    text: Mapped[str | None] = mapped_column(Text())
    user_name: Mapped[str] = mapped_column(String(), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
