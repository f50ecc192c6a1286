"""Staging: raw source records with a content hash, and the quarantine of records that failed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import WITHOUT_ROWID, Base
from hub.store.types import UTCDateTime


class SourceRecord(Base):
    """A record as read from a system.

    ``mapped_hash`` is the fingerprint of the mapping rules its current payload was last mapped
    under (NULL: not mapped yet, or to be mapped again). Whatever writes ``hash`` writes it too,
    so the record is current exactly when it equals the stream's rules fingerprint. The records
    marked NULL are indexed (few: a stream without rules, a record requeued from the console).
    """

    __tablename__ = "source_record"
    __table_args__ = (
        Index(
            "ix_source_record_unmapped",
            "system",
            "stream",
            sqlite_where=text("mapped_hash IS NULL"),
            postgresql_where=text("mapped_hash IS NULL"),
        ),
        WITHOUT_ROWID,
    )
    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(), primary_key=True)
    hash: Mapped[str] = mapped_column(String(), nullable=False)
    payload: Mapped[str] = mapped_column(Text(), nullable=False)  # JSON [shape id, values...]: hub.store.payload
    location: Mapped[str | None] = mapped_column(String())
    first_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    changed_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    mapped_hash: Mapped[str | None] = mapped_column(String())
    deleted: Mapped[bool] = mapped_column(Boolean(), default=False, nullable=False)


class MappedStream(Base):
    """A stream whose staged records all carry ``mapped_hash`` = ``fingerprint`` or NULL: the map
    stage's record that, under these rules, only the NULL-marked ones can be pending, so a rerun
    need not read the stream's every record to find nothing to map.

    The map stage writes it when a pass ends with nothing pending, and deletes it before marking
    records under other rules; the extract stage deletes it in the transaction that stages records
    under other rules. Marking a record NULL leaves it alone (the NULL index finds the record).
    """

    __tablename__ = "mapped_stream"

    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(), nullable=False)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)


class PayloadShape(Base):
    """The column names of staged payloads, in order: a payload is stored as its shape's id followed
    by its values (``[id, v1, v2, ...]``, see :mod:`hub.store.payload`), not repeating the names."""

    __tablename__ = "payload_shape"
    __table_args__ = (UniqueConstraint("digest"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    keys: Mapped[str] = mapped_column(Text(), nullable=False)  # JSON array of the column names
    #: blake2b-128 of ``keys`` (hex): the unique key, as a wide record's column list can outgrow
    #: what a PostgreSQL b-tree entry holds (~2.7 kB)
    digest: Mapped[str] = mapped_column(String(), nullable=False)


class Quarantine(Base):
    """A record that could not be read or mapped, with where and why; the run went on without it."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_open", "system", "stream", "resolved_run"),)

    system: Mapped[str] = mapped_column(String(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(), primary_key=True)
    stage: Mapped[str] = mapped_column(String(), primary_key=True)  # extract | map
    #: external id when known, else the location (file:line) of the unreadable record
    record_key: Mapped[str] = mapped_column(String(), primary_key=True)
    location: Mapped[str | None] = mapped_column(String())
    error_type: Mapped[str] = mapped_column(String(), nullable=False)
    field: Mapped[str | None] = mapped_column(String())
    reason: Mapped[str] = mapped_column(Text(), nullable=False)
    raw: Mapped[str | None] = mapped_column(Text())
    hash: Mapped[str | None] = mapped_column(String())
    first_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    last_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    resolved_run: Mapped[int | None] = mapped_column(Integer())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
