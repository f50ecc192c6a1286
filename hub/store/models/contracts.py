"""Source contracts and guards: the observed schema of each stream, its changes, its last good profile.

``StreamColumn`` holds every column (or top-level field) a stream has delivered, with the types
seen and the runs it was first and last seen in; ``SchemaChange`` is the history of what
appeared, disappeared or changed type; ``StreamProfile`` is what a stream delivered in its last
accepted read (rows, share of filled values per mapped field), the baseline of the volume and
null-rate guards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class StreamColumn(Base):
    """One column of one stream as the source delivered it."""

    __tablename__ = "stream_column"

    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    column: Mapped[str] = mapped_column(String(), primary_key=True)
    #: value types seen, comma-separated and sorted (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``, ``null``)
    types: Mapped[str] = mapped_column(String(), nullable=False, default="")
    first_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    last_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    #: the run whose delivery no longer had the column (None while present)
    removed_run: Mapped[int | None] = mapped_column(Integer())


class SchemaChange(Base):
    """One change of a stream's observed schema: a column added, removed or of a new type."""

    __tablename__ = "schema_change"
    __table_args__ = (Index("ix_schema_change_stream", "system", "stream"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(), nullable=False)
    stream: Mapped[str] = mapped_column(String(), nullable=False)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    change: Mapped[str] = mapped_column(String(), nullable=False)  # added | removed | type_changed
    column: Mapped[str] = mapped_column(String(), nullable=False)
    #: what the contract did about it: recorded | failed | discarded
    action: Mapped[str] = mapped_column(String(), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text())
    #: where it was seen (file, page, object)
    location: Mapped[str | None] = mapped_column(String())
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class StreamProfile(Base):
    """What a stream delivered in its last accepted read: the guards' baseline."""

    __tablename__ = "stream_profile"

    pipeline: Mapped[str] = mapped_column(String(), primary_key=True)
    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    #: records the last accepted delivery held
    rows: Mapped[int] = mapped_column(Integer(), nullable=False)
    #: {"entity.field": share of mapped records with a value, 0..1}
    filled: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    #: when the stream last delivered any record (stale-source alerts)
    data_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class AlertSent(Base):
    """One alert delivered (or given up on) per channel and event key: the deduplication window."""

    __tablename__ = "alert_sent"
    __table_args__ = (Index("ix_alert_sent_key", "channel", "event_key"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(), nullable=False)
    event: Mapped[str] = mapped_column(String(), nullable=False)
    event_key: Mapped[str] = mapped_column(String(), nullable=False)
    run_id: Mapped[int | None] = mapped_column(Integer())
    status: Mapped[str] = mapped_column(String(), nullable=False)  # sent | failed | suppressed
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False, default=1)
    error: Mapped[str | None] = mapped_column(Text())
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class RunLock(Base):
    """The run in progress of a pipeline on this store (one at a time); its owner's pid and host."""

    __tablename__ = "run_lock"

    pipeline: Mapped[str] = mapped_column(String(), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    pid: Mapped[int] = mapped_column(Integer(), nullable=False)
    host: Mapped[str] = mapped_column(String(), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
