"""The push outbox: every intended write to a target, recorded before it is sent, with its outcome.

One row per change, identified by its idempotency key (the same change planned again gets the
same key, so a rerun finds the row instead of writing twice). Status lifecycle::

    held ──approve──▶ pending ──send──▶ sending ──confirm──▶ done
                         ▲                 │
                         └──── retry ◀─────┴──(transient, attempts left)
                                           └──(terminal or out of attempts)──▶ dead
    any open status ──▶ superseded (a newer plan replaced it) | discarded (by a person)

``sending`` rows are writes whose outcome is unknown (the process died between send and
confirm); the next push settles them with the target's idempotency or a read-before-write check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime

#: statuses that still need work
OPEN_STATUSES = ("pending", "sending", "retry")
#: every status an outbox row can have
STATUSES = ("held", "pending", "sending", "retry", "done", "dead", "superseded", "discarded")


class OutboxEntry(Base):
    """One intended write to one record of a target system."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_idempotency_key", "idempotency_key", unique=True),
        Index("ix_outbox_target", "system", "stream", "status"),
        Index("ix_outbox_record", "system", "stream", "entity", "canonical_id"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(), nullable=False)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    system: Mapped[str] = mapped_column(String(), nullable=False)
    stream: Mapped[str] = mapped_column(String(), nullable=False)
    entity: Mapped[str] = mapped_column(String(), nullable=False)
    canonical_id: Mapped[str] = mapped_column(String(), nullable=False)
    #: the target's id of the record (None for a create until it is confirmed)
    external_id: Mapped[str | None] = mapped_column(String())
    op: Mapped[str] = mapped_column(String(), nullable=False)  # create | update | upsert
    match_field: Mapped[str | None] = mapped_column(String())
    #: column -> value sent
    payload: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    #: column -> {"field", "before", "after"}: the field-level diff against the live record
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    status: Mapped[str] = mapped_column(String(), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
