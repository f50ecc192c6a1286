"""Store reads the channel flows share: one system's records of an entity, crosswalk maps, raw source records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from hub.canonical import fields_of
from hub.store.models import MODELS, CrosswalkLink, SourceRecord
from hub.store.payload import PayloadCodec

__all__ = ["crosswalk", "raw_records", "raw_values", "records"]


def records(conn: Connection, entity: str, system: str, fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Live records of ``entity`` from ``system`` as dicts (``external_id`` plus every canonical field, or ``fields``)."""
    t = MODELS[entity].__table__
    names = list(fields_of(entity) if fields is None else fields)
    q = (
        select(t.c.external_id, *[t.c[f] for f in names])
        .where(t.c.system == system, t.c.deleted.is_(False))
        .order_by(t.c.external_id)
    )
    return [dict(zip(["external_id", *names], row)) for row in conn.execute(q)]


def crosswalk(conn: Connection, entity: str, source: str, target: str) -> dict[str, str]:
    """``source`` external id -> ``target`` external id through the canonical id (first target id when several)."""
    cw = CrosswalkLink.__table__
    by_cid: dict[str, dict[str, list[str]]] = {}
    q = (
        select(cw.c.canonical_id, cw.c.system, cw.c.external_id)
        .where(cw.c.entity == entity, cw.c.system.in_((source, target)))
        .order_by(cw.c.external_id)
    )
    for cid, system, ext in conn.execute(q):
        by_cid.setdefault(cid, {}).setdefault(system, []).append(ext)
    out: dict[str, str] = {}
    for members in by_cid.values():
        for ext in members.get(source, []):
            if members.get(target):
                out[ext] = members[target][0]
    return out


def raw_records(
    conn: Connection, system: str, stream: str, fields: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The raw source records of one stream as extracted (fields the mappings do not carry, e.g. an order's OwnerId).

    With ``fields`` only those keys of each record are kept (a whole stream's payloads are large).
    """
    t = SourceRecord.__table__
    q = select(t.c.external_id, t.c.payload).where(t.c.system == system, t.c.stream == stream, t.c.deleted.is_(False))
    codec = PayloadCodec(conn)
    if fields is None:
        return {ext: codec.decode(payload) for ext, payload in conn.execute(q)}
    return {ext: codec.fields(payload, fields) for ext, payload in conn.execute(q)}


def raw_values(conn: Connection, system: str, stream: str, fields: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """``fields`` of each raw source record of one stream, as a tuple in that order, by external id.

    The compact form of :func:`raw_records` for whole streams: a tuple instead of a dict per record,
    and equal text values shared (an owner or account id repeats across hundreds of thousands of orders).
    """
    t = SourceRecord.__table__
    q = select(t.c.external_id, t.c.payload).where(t.c.system == system, t.c.stream == stream, t.c.deleted.is_(False))
    codec = PayloadCodec(conn)
    shared: dict[str, str] = {}
    out: dict[str, tuple[Any, ...]] = {}
    for ext, payload in conn.execute(q):
        out[ext] = tuple(shared.setdefault(v, v) if isinstance(v, str) else v for v in codec.values(payload, fields))
    return out
