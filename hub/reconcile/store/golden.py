"""Golden records: survivorship over each crosswalk cluster, stored as ``system = "golden"`` rows.

References in golden records (``party_ref``, ``owner_ref``, ...) are translated to canonical
ids of the referenced entity when that entity is reconciled too. Rows and lineage are written
change-aware, so a rerun over unchanged data writes nothing. Each field's lineage names the run
that last changed the winning value in its source record (that record's ``run_id`` when the
golden value or its winner changed); a field whose value and winner stay keeps its run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, column, delete, select, table, text

from hub.canonical import REF_ENTITY, fields_of
from hub.reconcile.crosswalk import canonical_ids
from hub.reconcile.survivorship import Candidate, Golden, SurvivorshipRules, build_golden
from hub.store.bulk import upsert, upsert_tuples
from hub.store.fast import driver_connection
from hub.store.keyset import key_table
from hub.store.models import GOLDEN, MODELS, CrosswalkLink, GoldenLineage

_CHUNK = 5000
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, sort_keys=True).encode


def _clusters(
    conn: Connection,
    entity: str,
    fields: list[str],
    since: int | None,
    refs: Mapping[str, Mapping[tuple[str, str], str]] | None = None,
) -> Iterator[tuple[str, list[Candidate], dict[tuple[str, str], int | None]]]:
    """Each cluster's members, with the run that last changed each member's row. ``refs``: per
    reference field, the canonical ids of the referenced records, which replace the references."""
    refs = refs or {}
    t, cw = MODELS[entity].__table__, CrosswalkLink.__table__
    joined = and_(t.c.system == cw.c.system, t.c.external_id == cw.c.external_id)
    q = (
        select(cw.c.canonical_id, t.c.system, t.c.external_id, t.c.run_id, *[t.c[f] for f in fields])
        .join(t, joined)
        .where(cw.c.entity == entity, t.c.deleted.is_(False))
        .order_by(cw.c.canonical_id, t.c.system, t.c.external_id)
    )
    if since is not None:
        # only clusters with a member or a link changed after the last reconciliation
        # ... or a member pointing at a record whose own link changed (its canonical id may have)
        cids = _changed_cids(conn, entity, since, list(refs))
        if not cids:
            return
        with key_table(conn, ("canonical_id",), ((c,) for c in sorted(cids))) as name:
            # CROSS JOIN fixes the join order on SQLite: the changed clusters first, then their links and rows by index
            cols = ", ".join(f"t.{c}" for c in ("system", "external_id", "run_id", *fields))
            sql = (
                f"SELECT cw.canonical_id, {cols} FROM {name} k CROSS JOIN crosswalk cw CROSS JOIN {t.name} t "
                "WHERE cw.entity = :e AND cw.canonical_id = k.canonical_id AND t.system = cw.system "
                "AND t.external_id = cw.external_id AND t.deleted = :f ORDER BY 1, 2, 3"
            )
            typed = text(sql).columns(
                cw.c.canonical_id, t.c.system, t.c.external_id, t.c.run_id, *[t.c[f] for f in fields]
            )
            yield from _grouped(conn, typed.bindparams(e=entity, f=False), fields, refs)
        return
    yield from _grouped(conn, q, fields, refs)


def _changed_cids(conn: Connection, entity: str, since: int, ref_fields: Sequence[str]) -> set[str]:
    """Canonical ids of the clusters of ``entity`` with a member row or a link changed after run
    ``since``, or with a member whose ``ref_fields`` point at a record whose link changed.

    One query per cause (a single query OR-ing them costs a crosswalk lookup per member row
    of the entity); the referenced records whose link changed are few and are joined from a
    key table. CROSS JOIN fixes SQLite's join order (the smaller or indexed side first).
    """
    t = MODELS[entity].__table__
    tn = t.name
    member = "cw.entity = :e AND cw.system = t.system AND cw.external_id = t.external_id"
    p = {"e": entity, "s": since}
    out = {
        r[0]
        for r in conn.execute(
            text(f"SELECT cw.canonical_id FROM {tn} t CROSS JOIN crosswalk cw WHERE t.run_id > :s AND {member}"), p
        )
    }
    sql = f"SELECT cw.canonical_id FROM crosswalk cw CROSS JOIN {tn} t WHERE cw.entity = :e AND cw.changed_run > :s AND {member}"
    out.update(r[0] for r in conn.execute(text(sql), p))
    indexed = {ix.columns[0].name for ix in t.indexes if len(ix.columns)}
    for ref_entity in sorted({REF_ENTITY[f] for f in ref_fields}):
        sql = "SELECT system, external_id FROM crosswalk WHERE entity = :r AND changed_run > :s"
        relinked = list(conn.execute(text(sql), {"r": ref_entity, "s": since}))
        if not relinked:
            continue
        with key_table(conn, ("system", "external_id"), relinked) as ref:
            for f in (f for f in ref_fields if REF_ENTITY[f] == ref_entity):
                # a field with an index: the relinked records first, their referrers by index; else one scan
                pair = f"{ref} x CROSS JOIN {tn} t" if f in indexed else f"{tn} t CROSS JOIN {ref} x"
                sql = (
                    f"SELECT cw.canonical_id FROM {pair} CROSS JOIN crosswalk cw WHERE t.system = x.system "
                    f"AND t.{f} = x.external_id AND {member}"
                )
                out.update(r[0] for r in conn.execute(text(sql), {"e": entity}))
    return out


def _grouped(
    conn: Connection, q: Any, fields: list[str], refs: Mapping[str, Mapping[tuple[str, str], str]]
) -> Iterator[tuple[str, list[Candidate], dict[tuple[str, str], int | None]]]:
    """The rows of ``q`` (canonical id, system, external id, run, fields...) grouped by canonical id,
    references translated through ``refs`` (a reference without a canonical id stays as it is)."""
    current: str | None = None
    members: list[Candidate] = []
    runs: dict[tuple[str, str], int | None] = {}
    for row in conn.execute(q.execution_options(yield_per=_CHUNK)):
        cid = row[0]
        if cid != current:
            if members:
                yield current, members, runs  # type: ignore[misc]
            current, members, runs = cid, [], {}
        values = dict(zip(fields, row[4:]))
        for f, ids in refs.items():
            v = values[f]
            if v is not None:
                values[f] = ids.get((row[1], v), v)
        members.append(Candidate(row[1], row[2], values))
        runs[(row[1], row[2])] = row[3]
    if members:
        yield current, members, runs  # type: ignore[misc]


def _stored(
    conn: Connection, entity: str, fields: list[str], cids: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, dict[str, tuple[Any, ...]]]]:
    """The golden values, row hashes and lineage (per field: system, external id, rule, run) stored
    so far for ``cids``."""
    t, lt = MODELS[entity].__table__, GoldenLineage.__table__
    with key_table(conn, ("canonical_id",), [(c,) for c in cids]) as name:
        k = table(name, column("canonical_id"))
        values: dict[str, dict[str, Any]] = {}
        hashes: dict[str, str] = {}
        for r in conn.execute(
            select(t.c.external_id, t.c.row_hash, *[t.c[f] for f in fields])
            .join(k, k.c.canonical_id == t.c.external_id)
            .where(t.c.system == GOLDEN)
        ):
            values[r[0]] = dict(zip(fields, r[2:]))
            hashes[r[0]] = r[1]
        lineage: dict[str, dict[str, tuple[Any, ...]]] = {}
        for r in conn.execute(
            select(lt.c.canonical_id, lt.c.field, lt.c.system, lt.c.external_id, lt.c.rule, lt.c.run_id)
            .join(k, k.c.canonical_id == lt.c.canonical_id)
            .where(lt.c.entity == entity)
        ):
            lineage.setdefault(r[0], {})[r[1]] = tuple(r[2:])
    return values, hashes, lineage


#: golden_lineage columns in bind order (strings and an int: no conversion on any store)
_LINEAGE_COLUMNS = ("entity", "canonical_id", "field", "system", "external_id", "rule", "run_id")


def _lineage_rows(
    entity: str,
    cid: str,
    g: Golden,
    runs: dict[tuple[str, str], int | None],
    run_id: int,
    old_values: dict[str, Any] | None,
    old_lineage: dict[str, tuple[Any, ...]],
) -> list[tuple[Any, ...]]:
    """Lineage of one golden record (rows of :data:`_LINEAGE_COLUMNS`): a field keeps its run while
    its value and winner stay; otherwise it takes the run that last changed the winning record."""
    out = []
    for f, (s, e, r) in g.lineage.items():
        old = old_lineage.get(f)
        kept = old is not None and old[:3] == (s, e, r) and old_values is not None and old_values.get(f) == g.values[f]
        run = old[3] if kept else runs.get((s, e)) or run_id  # type: ignore[index]
        if old != (s, e, r, run):  # an unchanged row is not sent again
            out.append((entity, cid, f, s, e, r, run))
    return out


def _write_lineage(conn: Connection, rows: list[tuple[Any, ...]], fresh: bool) -> int:
    """Upsert lineage rows (change-aware); returns how many were inserted or changed. On a first
    build (``fresh``: no row can exist yet) PostgreSQL copies them straight into the table, not
    through the upsert's temporary table."""
    if fresh and conn.dialect.name == "postgresql":
        with driver_connection(conn).cursor() as cur:
            with cur.copy(f"COPY {GoldenLineage.__tablename__} ({', '.join(_LINEAGE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return len(rows)
    return upsert_tuples(
        conn,
        GoldenLineage.__table__,
        _LINEAGE_COLUMNS,
        rows,
        key=("entity", "canonical_id", "field"),
        change_column=("system", "external_id", "rule", "run_id"),
    )


def _any(conn: Connection, query: Any) -> bool:
    return conn.execute(query.limit(1)).first() is not None


def build_entity_goldens(
    conn: Connection,
    entity: str,
    rules: SurvivorshipRules,
    run_id: int,
    reconciled: set[str],
    since: int | None = None,
    ref_ids: dict[str, dict[tuple[str, str], str]] | None = None,
) -> dict[str, int]:
    """Golden rows and lineage for the clusters of ``entity``; returns change counts.

    With ``since`` (the run of the last completed reconciliation) only clusters whose members
    or links changed after it are rebuilt; without it, all of them. ``ref_ids``: canonical ids
    per referenced entity read so far (filled here; shared by the entities of one stage, whose
    golden builds do not change the crosswalk).
    """
    fields = list(fields_of(entity))
    ref_ids = {} if ref_ids is None else ref_ids
    refs = {}
    for f in fields:
        if f in REF_ENTITY and REF_ENTITY[f] in reconciled:
            ref = REF_ENTITY[f]
            if ref not in ref_ids:
                ref_ids[ref] = canonical_ids(conn, ref)
            refs[f] = ref_ids[ref]
    table = MODELS[entity].__table__
    rows: list[dict[str, Any]] = []
    built: list[tuple[str, Golden, dict[tuple[str, str], int | None]]] = []
    changed = lineage_changed = 0
    lt = GoldenLineage.__table__
    # nothing stored yet (a first build): no stored values or lineage to read back, chunk by chunk
    stored = _any(conn, select(table.c.external_id).where(table.c.system == GOLDEN)) or _any(
        conn, select(lt.c.canonical_id).where(lt.c.entity == entity)
    )

    def flush() -> None:
        nonlocal changed, lineage_changed, rows, built
        if not built:
            return
        cids = [cid for cid, _, _ in built]
        old_values, hashes, old_lineage = _stored(conn, entity, fields, cids) if stored else ({}, {}, {})
        lineage: list[tuple[Any, ...]] = []
        for cid, g, runs in built:
            old = old_lineage.get(cid, {})
            lineage.extend(_lineage_rows(entity, cid, g, runs, run_id, old_values.get(cid), old))
            for f in set(old) - set(g.lineage):  # fields that lost their value
                conn.execute(delete(lt).where(lt.c.entity == entity, lt.c.canonical_id == cid, lt.c.field == f))
        rows = [r for r in rows if hashes.get(r["external_id"]) != r["row_hash"]]  # unchanged: not sent again
        changed += upsert(conn, table, rows, key=("system", "external_id"))
        lineage_changed += _write_lineage(conn, lineage, fresh=not stored)
        rows, built = [], []

    for cid, members, runs in _clusters(conn, entity, fields, since, refs):
        g = build_golden(cid, members, fields, rules)
        values = [g.values[f] for f in fields]
        row = dict(zip(fields, values))
        row.update(
            system=GOLDEN,
            external_id=cid,
            run_id=run_id,
            deleted=False,
            row_hash=hashlib.blake2b(_dumps(values).encode("utf-8"), digest_size=16).hexdigest(),
        )
        rows.append(row)
        built.append((cid, g, runs))
        if len(rows) >= _CHUNK:
            flush()
    flush()
    cw = CrosswalkLink.__table__
    live = select(cw.c.canonical_id).where(cw.c.entity == entity)
    removed = conn.execute(delete(table).where(table.c.system == GOLDEN, table.c.external_id.not_in(live))).rowcount
    conn.execute(delete(lt).where(lt.c.entity == entity, lt.c.canonical_id.not_in(live)))
    return {"golden_changed": changed, "golden_removed": removed or 0, "lineage_changed": lineage_changed}
