"""Discrepancies between systems, with their lifecycle (open, acknowledged, resolved)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class Discrepancy(Base):
    """One disagreement, keyed by kind and the kind's keys; reopened if it comes back."""

    __tablename__ = "discrepancy"
    __table_args__ = (Index("ix_discrepancy_status", "status", "kind"), Index("ix_discrepancy_scope", "scope"))

    kind: Mapped[str] = mapped_column(String(), primary_key=True)
    key: Mapped[str] = mapped_column(String(), primary_key=True)  # keys joined by "|"
    system: Mapped[str | None] = mapped_column(String())
    external_id: Mapped[str] = mapped_column(String(), nullable=False)
    other_external_id: Mapped[str | None] = mapped_column(String())
    severity: Mapped[str] = mapped_column(String(), nullable=False)
    message: Mapped[str | None] = mapped_column(Text())
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    status: Mapped[str] = mapped_column(String(), nullable=False)  # open | acknowledged | resolved
    first_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    last_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    resolved_run: Mapped[int | None] = mapped_column(Integer())
    acknowledged_by: Mapped[str | None] = mapped_column(String())
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the unit of work that found it (the customer's canonical id), so an incremental run
    #: re-decides exactly the discrepancies of the customers it re-checks
    scope: Mapped[str | None] = mapped_column(String())
