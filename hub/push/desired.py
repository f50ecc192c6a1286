"""What the golden records say each target record should hold: typed values per target column.

Golden references (``owner_ref``, ``parent_ref``, ...) hold canonical ids; they are translated
to the target's own ids through the crosswalk (no member in the target: the value is left out).
Also loads the target's last extracted values of the same columns, the conflict check's
baseline for records never pushed before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from hub.canonical import REF_ENTITY, fields_of
from hub.push.columns import Column
from hub.push.computed import Members, compute_column
from hub.store.models import GOLDEN, MODELS, CrosswalkLink

__all__ = ["Desired", "load_members", "load_desired", "load_extracted"]


@dataclass
class Desired:
    """One golden record and the target column values it implies."""

    canonical_id: str
    #: the target's ids of this cluster (empty: the target does not have it yet)
    targets: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    golden: dict[str, Any] = field(default_factory=dict)


def load_members(conn: Connection, entity: str) -> Members:
    """canonical id -> system -> sorted external ids."""
    cw = CrosswalkLink.__table__
    out: Members = defaultdict(lambda: defaultdict(list))
    q = (
        select(cw.c.canonical_id, cw.c.system, cw.c.external_id)
        .where(cw.c.entity == entity)
        .order_by(cw.c.canonical_id, cw.c.system, cw.c.external_id)
    )
    for cid, system, ext in conn.execute(q):
        out[cid][system].append(ext)
    return {k: dict(v) for k, v in out.items()}


def _ref_maps(conn: Connection, fields: Iterable[str], target: str) -> dict[str, dict[str, str | None]]:
    """ref field -> canonical id -> the target's id (None: no member there)."""
    cw = CrosswalkLink.__table__
    out: dict[str, dict[str, str | None]] = {}
    for f in fields:
        entity = REF_ENTITY.get(f)
        if entity is None:
            continue
        mapping: dict[str, str | None] = {}
        for cid, system, ext in conn.execute(
            select(cw.c.canonical_id, cw.c.system, cw.c.external_id)
            .where(cw.c.entity == entity)
            .order_by(cw.c.external_id)
        ):
            if system == target and mapping.get(cid) is None:
                mapping[cid] = ext
            else:
                mapping.setdefault(cid, None)
        if mapping:
            out[f] = mapping
    return out


def load_desired(conn: Connection, entity: str, target: str, columns: list[Column], members: Members) -> list[Desired]:
    """Desired column values of every live golden record of ``entity`` for ``target``."""
    t = MODELS[entity].__table__
    wanted = sorted({c.field for c in columns if c.field})
    refs = _ref_maps(conn, wanted, target)
    computed = {c.name: compute_column(conn, c.rule, members) for c in columns if c.rule is not None and c.rule.compute}
    q = (
        select(t.c.external_id, *[t.c[f] for f in wanted])
        .where(t.c.system == GOLDEN, t.c.deleted.is_(False))
        .order_by(t.c.external_id)
    )
    out = []
    for row in conn.execute(q):
        cid = row[0]
        golden = dict(zip(wanted, row[1:]))
        for f, mapping in refs.items():
            v = golden.get(f)
            if v is not None:
                golden[f] = mapping.get(v)  # not a canonical id, or no member in the target: leave it out
        values: dict[str, Any] = {}
        for c in columns:
            v = golden.get(c.field) if c.field else computed[c.name].get(cid)
            if v is not None and v != "":
                values[c.name] = v
        out.append(Desired(cid, list(members.get(cid, {}).get(target, [])), values, golden))
    return out


def load_extracted(conn: Connection, entity: str, target: str, columns: list[Column]) -> dict[str, dict[str, Any]]:
    """The target's last extracted values of the mapped columns: external id -> column -> typed value."""
    mapped = [c for c in columns if c.mapped and c.field]
    if not mapped:
        return {}
    t = MODELS[entity].__table__
    fields = fields_of(entity)
    cols = [c for c in mapped if c.field in fields]
    q = select(t.c.external_id, *[t.c[c.field] for c in cols]).where(t.c.system == target)
    return {row[0]: {c.name: v for c, v in zip(cols, row[1:])} for row in conn.execute(q)}
