"""Crosswalk (the binder), its history, the review queue and per-field golden lineage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import WITHOUT_ROWID, Base
from hub.store.types import UTCDateTime


class CrosswalkLink(Base):
    """(entity, system, external id) -> canonical id, with how the link was made."""

    __tablename__ = "crosswalk"
    __table_args__ = (Index("ix_crosswalk_canonical", "entity", "canonical_id"), WITHOUT_ROWID)

    entity: Mapped[str] = mapped_column(String(), primary_key=True)
    system: Mapped[str] = mapped_column(String(), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(), primary_key=True)
    canonical_id: Mapped[str] = mapped_column(String(), nullable=False)
    rule: Mapped[str] = mapped_column(String(), nullable=False)
    score: Mapped[float | None] = mapped_column(Float())
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    #: the unit of work that wrote the link (orders: their customer's canonical id), for incremental runs
    scope: Mapped[str | None] = mapped_column(String())
    first_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    changed_run: Mapped[int] = mapped_column(Integer(), nullable=False)


class MatchKey(Base):
    """The blocking keys a record had when it was last matched (incremental re-matching reads
    them to find the blocks a changed record leaves or joins without re-preparing every record)."""

    __tablename__ = "match_key"
    __table_args__ = WITHOUT_ROWID

    entity: Mapped[str] = mapped_column(String(), primary_key=True)
    system: Mapped[str] = mapped_column(String(), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(), primary_key=True)
    keys: Mapped[str] = mapped_column(Text(), nullable=False)  # blocking keys, one per line


class CrosswalkEvent(Base):
    """A merge or split that re-pointed crosswalk links, kept for audit."""

    __tablename__ = "crosswalk_event"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    entity: Mapped[str] = mapped_column(String(), nullable=False)
    kind: Mapped[str] = mapped_column(String(), nullable=False)  # merge | split | repoint
    from_id: Mapped[str | None] = mapped_column(String())
    to_id: Mapped[str | None] = mapped_column(String())
    members: Mapped[list[Any] | None] = mapped_column(JSON())
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class ReviewItem(Base):
    """A mid-confidence candidate pair waiting for (or holding) a human decision."""

    __tablename__ = "review_item"

    entity: Mapped[str] = mapped_column(String(), primary_key=True)
    system_a: Mapped[str] = mapped_column(String(), primary_key=True)
    id_a: Mapped[str] = mapped_column(String(), primary_key=True)
    system_b: Mapped[str] = mapped_column(String(), primary_key=True)
    id_b: Mapped[str] = mapped_column(String(), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float())
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    status: Mapped[str] = mapped_column(String(), nullable=False)  # open | accepted | rejected
    decided_by: Mapped[str | None] = mapped_column(String())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_run: Mapped[int] = mapped_column(Integer(), nullable=False)
    last_run: Mapped[int] = mapped_column(Integer(), nullable=False)


class GoldenLineage(Base):
    """Which system, record, rule and run produced each field of one golden record.

    ``lineage`` is a JSON list of groups ``[system, external id, rule, run, field, field, ...]``;
    the largest group names no fields: it gave every other field of the golden record that has a
    value (a record's fields nearly always come from one source: ``[system, external id, rule,
    run]`` alone). Read and write it through :mod:`hub.reconcile.store.golden` (``read_lineage``,
    ``encode_lineage``).
    """

    __tablename__ = "golden_lineage"
    __table_args__ = WITHOUT_ROWID

    entity: Mapped[str] = mapped_column(String(), primary_key=True)
    canonical_id: Mapped[str] = mapped_column(String(), primary_key=True)
    lineage: Mapped[str] = mapped_column(Text(), nullable=False)
