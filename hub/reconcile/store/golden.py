"""Golden records: survivorship over each crosswalk cluster, stored as ``system = "golden"`` rows.

References in golden records (``party_ref``, ``owner_ref``, ...) are translated to canonical
ids of the referenced entity when that entity is reconciled too. Rows and lineage are written
change-aware, so a rerun over unchanged data writes nothing. Each field's lineage names the run
that last changed the winning value in its source record (that record's ``run_id`` when the
golden value or its winner changed); a field whose value and winner stay keeps its run.

A golden record's lineage is one ``golden_lineage`` row: its fields grouped by source (system,
external id, rule, run), most records having a single group (see :func:`encode_lineage`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
_FEW = 100  # canonical ids read by an IN list; more: joined from a key table
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, sort_keys=True).encode
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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


def encode_lineage(lineage: Mapping[str, tuple[Any, ...]]) -> str:
    """The stored form of one golden record's lineage (field -> (system, external id, rule, run),
    the fields in the entity's order): a JSON list of groups ``[system, external id, rule, run,
    field, field, ...]`` in the order of their first field. The largest group (the first of the
    largest) names no fields: it holds every field of the golden record with a value that no
    other group names (lineage covers exactly the fields with a value)."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for f, source in lineage.items():
        groups.setdefault(tuple(source), []).append(f)
    rest = max(groups, key=lambda source: len(groups[source]), default=None)
    return _encode([[*source] if source == rest else [*source, *fs] for source, fs in groups.items()])


def decode_lineage(stored: str, present: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """Field -> (system, external id, rule, run) from :func:`encode_lineage`'s form; ``present``:
    the fields of the golden record with a value (those of the group that names none)."""
    out: dict[str, tuple[Any, ...]] = {}
    rest: tuple[Any, ...] | None = None
    for group in json.loads(stored):
        source = tuple(group[:4])
        if len(group) == 4:
            rest = source
        for f in group[4:]:
            out[f] = source
    if rest is not None:
        for f in present:
            out.setdefault(f, rest)
    return out


def read_lineage(
    conn: Connection, entity: str, canonical_ids: Sequence[str] | None = None
) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Per canonical id of ``entity`` (all, or those of ``canonical_ids``): field -> (system,
    external id, rule, run) of the source that gave the golden value."""
    lt, t = GoldenLineage.__table__, MODELS[entity].__table__
    fields = list(fields_of(entity))
    golden_row = and_(t.c.system == GOLDEN, t.c.external_id == lt.c.canonical_id)
    q = (
        select(lt.c.canonical_id, lt.c.lineage, *[t.c[f].is_not(None) for f in fields])
        .select_from(lt.outerjoin(t, golden_row))
        .where(lt.c.entity == entity)
    )

    def decoded(rows: Iterable[Any]) -> dict[str, dict[str, tuple[Any, ...]]]:
        return {r[0]: decode_lineage(r[1], [f for f, has in zip(fields, r[2:]) if has]) for r in rows}

    if canonical_ids is None or len(canonical_ids) <= _FEW:
        q = q if canonical_ids is None else q.where(lt.c.canonical_id.in_(canonical_ids))
        return decoded(conn.execute(q))
    with key_table(conn, ("canonical_id",), [(c,) for c in canonical_ids]) as name:
        k = table(name, column("canonical_id"))
        return decoded(conn.execute(q.join(k, k.c.canonical_id == lt.c.canonical_id)))


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
        for cid, stored in conn.execute(
            select(lt.c.canonical_id, lt.c.lineage)
            .join(k, k.c.canonical_id == lt.c.canonical_id)
            .where(lt.c.entity == entity)
        ):
            had = values.get(cid, {})
            lineage[cid] = decode_lineage(stored, [f for f in fields if had.get(f) is not None])
    return values, hashes, lineage


#: golden_lineage columns in bind order (strings: no conversion on any store)
_LINEAGE_COLUMNS = ("entity", "canonical_id", "lineage")


def _lineage_of(
    g: Golden,
    runs: dict[tuple[str, str], int | None],
    run_id: int,
    old_values: dict[str, Any] | None,
    old_lineage: dict[str, tuple[Any, ...]],
) -> tuple[dict[str, tuple[Any, ...]], int]:
    """Lineage of one golden record (field -> system, external id, rule, run), and how many of its
    fields changed their lineage: a field keeps its run while its value and winner stay; otherwise
    it takes the run that last changed the winning record."""
    out: dict[str, tuple[Any, ...]] = {}
    changed = 0
    for f, (s, e, r) in g.lineage.items():
        old = old_lineage.get(f)
        kept = old is not None and old[:3] == (s, e, r) and old_values is not None and old_values.get(f) == g.values[f]
        run = old[3] if kept else runs.get((s, e)) or run_id  # type: ignore[index]
        out[f] = (s, e, r, run)
        changed += old != out[f]
    return out, changed


def _write_lineage(conn: Connection, rows: list[tuple[Any, ...]], fresh: bool) -> None:
    """Upsert lineage rows (only changed records are given). On a first build (``fresh``: no row
    can exist yet) PostgreSQL copies them straight into the table, not through the upsert's
    temporary table."""
    if fresh and conn.dialect.name == "postgresql":
        with driver_connection(conn).cursor() as cur:
            with cur.copy(f"COPY {GoldenLineage.__tablename__} ({', '.join(_LINEAGE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    upsert_tuples(
        conn, GoldenLineage.__table__, _LINEAGE_COLUMNS, rows, key=("entity", "canonical_id"), change_column="lineage"
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
            new, n = _lineage_of(g, runs, run_id, old_values.get(cid), old)
            lineage_changed += n  # fields whose lineage was written (as when each field had its row)
            if not new:  # no field has a value: no lineage
                if old:
                    conn.execute(delete(lt).where(lt.c.entity == entity, lt.c.canonical_id == cid))
            elif n or set(old) - set(new):  # an unchanged record is not sent again; a field may lose its value
                lineage.append((entity, cid, encode_lineage(new)))
        rows = [r for r in rows if hashes.get(r["external_id"]) != r["row_hash"]]  # unchanged: not sent again
        changed += upsert(conn, table, rows, key=("system", "external_id"))
        _write_lineage(conn, lineage, fresh=not stored)
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
            row_hash=hashlib.blake2b(_dumps(values).encode("utf-8"), digest_size=16).hexdigest()[:16],
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
