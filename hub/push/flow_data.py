"""Store reads the channel flows share: one system's records of an entity, crosswalk maps, raw source records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, literal_column, select

from hub.canonical import fields_of
from hub.store.models import MODELS, CrosswalkLink, SourceRecord
from hub.store.payload import PayloadCodec, element_value

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
    if fields is not None:
        return {ext: dict(zip(fields, values)) for ext, values in _picked(conn, system, stream, fields)}
    t = SourceRecord.__table__
    q = select(t.c.external_id, t.c.payload).where(t.c.system == system, t.c.stream == stream, t.c.deleted.is_(False))
    codec = PayloadCodec(conn)
    return {ext: codec.decode(payload) for ext, payload in conn.execute(q)}


def raw_values(conn: Connection, system: str, stream: str, fields: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """``fields`` of each raw source record of one stream, as a tuple in that order, by external id.

    The compact form of :func:`raw_records` for whole streams: a tuple instead of a dict per record,
    and equal text values shared (an owner or account id repeats across hundreds of thousands of orders).
    """
    shared: dict[str, str] = {}
    return {
        ext: tuple(shared.setdefault(v, v) if isinstance(v, str) else v for v in values)
        for ext, values in _picked(conn, system, stream, fields)
    }


def _picked(conn: Connection, system: str, stream: str, fields: Sequence[str]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(external id, ``fields`` of its payload) of each live record of one stream; the database
    picks the fields out of the stored payloads where it can (:meth:`PayloadCodec.element_sql`)."""
    t = SourceRecord.__table__
    live = (t.c.system == system, t.c.stream == stream, t.c.deleted.is_(False))
    codec = PayloadCodec(conn)
    exprs = codec.element_sql(conn.dialect.name, t.c.payload.name, fields)
    if exprs is None:
        for ext, payload in conn.execute(select(t.c.external_id, t.c.payload).where(*live)):
            yield ext, codec.values(payload, fields)
        return
    q = select(t.c.external_id, *[literal_column(e) for e in exprs]).where(*live)
    one = select(t.c.payload).where(*live, t.c.external_id == bindparam("ext"))
    known, value = codec.known, element_value
    for ext, sid, *picked in conn.execute(q):
        if known(sid):
            yield ext, tuple(map(value, picked))
        else:  # a payload SQLite cannot read as JSON, or a shape stored after the codec was made
            yield ext, codec.values(conn.execute(one, {"ext": ext}).scalar_one(), fields)
