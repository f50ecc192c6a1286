"""Per-field sync state of pushed records: the value last written to (or agreed with) a target.

This is the binder's "last sync" at field granularity. Echo suppression reads it (a target value
equal to what the hub wrote is the hub's own echo, not a change made in the target) and so does
the pre-export conflict check (a target value that differs from it was edited in the target
since the last sync). ``version`` is the target's ``updated_at``/version seen at that sync.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class SyncState(Base):
    """(target system, stream, record, column) -> the value in sync and where it came from."""

    __tablename__ = "sync_state"

    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(), primary_key=True)
    column: Mapped[str] = mapped_column(String(), primary_key=True)
    #: the value in its normalised text form (see ``hub.push.values.norm``); None for null
    value: Mapped[str | None] = mapped_column(Text())
    #: "hub" when the hub wrote it, "target" when the target already held it
    origin: Mapped[str] = mapped_column(String(), nullable=False)
    version: Mapped[str | None] = mapped_column(String())
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
