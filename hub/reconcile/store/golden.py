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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, and_, column, delete, select, table, text

from hub.canonical import REF_ENTITY, fields_of
from hub.helper import own_connection, remote_for, shared_map
from hub.reconcile.crosswalk import canonical_ids
from hub.reconcile.survivorship import Candidate, Golden, SurvivorshipRules, build_golden
from hub.store.bulk import upsert, upsert_tuples
from hub.store.fast import driver_connection
from hub.store.jsontext import encoder
from hub.store.keyset import key_table
from hub.store.models import GOLDEN, MODELS, CrosswalkLink, GoldenLineage

_CHUNK = 5000
_FEW = 100  # canonical ids read by an IN list; more: joined from a key table
_dumps = encoder(ensure_ascii=False, separators=(",", ":"), default=str, sort_keys=True)
_encode = encoder(ensure_ascii=False, separators=(",", ":"))


def _units(conn: Connection, entity: str, since: int | None, ref_fields: Sequence[str]) -> list[list[str]]:
    """The canonical ids of the clusters to build, sorted, in units of :data:`_CHUNK`: every cluster
    of ``entity``, or (with ``since``) those with a member or a link changed after that run, or a
    member pointing at a record whose own link changed (its canonical id may have)."""
    if since is None:
        sql = "SELECT DISTINCT canonical_id FROM crosswalk WHERE entity = :e ORDER BY canonical_id"
        cids = [r[0] for r in conn.execute(text(sql), {"e": entity})]
    else:
        cids = sorted(_changed_cids(conn, entity, since, ref_fields))
    return [cids[i : i + _CHUNK] for i in range(0, len(cids), _CHUNK)]


def _clusters(
    conn: Connection,
    entity: str,
    fields: list[str],
    cids: Sequence[str],
    refs: Mapping[str, Mapping[tuple[str, str], str]] | None = None,
) -> list[tuple[str, list[Candidate], dict[tuple[str, str], int | None]]]:
    """The members of the clusters ``cids``, with the run that last changed each member's row.
    ``refs``: per reference field, the canonical ids of the referenced records, which replace the
    references."""
    t = MODELS[entity].__table__
    with key_table(conn, ("canonical_id",), ((c,) for c in cids)) as name:
        # CROSS JOIN fixes the join order on SQLite: the clusters first, then their links and rows by index
        cols = ", ".join(f"t.{c}" for c in ("system", "external_id", "run_id", *fields))
        sql = (
            f"SELECT cw.canonical_id, {cols} FROM {name} k CROSS JOIN crosswalk cw CROSS JOIN {t.name} t "
            "WHERE cw.entity = :e AND cw.canonical_id = k.canonical_id AND t.system = cw.system "
            "AND t.external_id = cw.external_id AND t.deleted = :f ORDER BY 1, 2, 3"
        )
        cw = CrosswalkLink.__table__
        typed = text(sql).columns(cw.c.canonical_id, t.c.system, t.c.external_id, t.c.run_id, *[t.c[f] for f in fields])
        return list(_grouped(conn, typed.bindparams(e=entity, f=False), fields, refs or {}))


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


def _linked(entity: str, cid: Any) -> Any:
    """Whether some crosswalk link of ``entity`` holds the canonical id ``cid`` (a column of the
    outer query). EXISTS, not ``IN (SELECT ...)``: PostgreSQL runs ``NOT IN`` over a subquery too
    large for its work memory as a scan of the subquery per row (over 7 minutes in this one
    statement at 100k customers, hours by its plan), and
    ``NOT EXISTS`` as an anti-join; SQLite probes the crosswalk's canonical id index per row."""
    cw = CrosswalkLink.__table__
    # the id selected, not ``*``: SQLite then reads the canonical id index alone (with ``*`` it
    # chose to scan every link of the entity per row)
    return select(cw.c.canonical_id).where(cw.c.entity == entity, cw.c.canonical_id == cid).exists()


def _any(conn: Connection, query: Any) -> bool:
    return conn.execute(query.limit(1)).first() is not None


@dataclass
class _Unit:
    """What one unit of clusters changes: golden rows and lineage rows to write, lineage to delete."""

    rows: list[dict[str, Any]]
    lineage: list[tuple[Any, ...]]
    no_lineage: list[str]
    #: fields whose lineage was written (as when each field had its row)
    lineage_changed: int


def _build_unit(
    conn: Connection,
    cids: list[str],
    *,
    entity: str,
    fields: list[str],
    refs: Mapping[str, Mapping[tuple[str, str], str]],
    rules: SurvivorshipRules,
    run_id: int,
    stored: bool,
) -> _Unit:
    """Survivorship over the clusters ``cids``, compared with the golden rows and lineage stored
    for them (``stored``: whether any is): an unchanged record is not sent again."""
    rows: list[dict[str, Any]] = []
    built: list[tuple[str, Golden, dict[tuple[str, str], int | None]]] = []
    for cid, members, runs in _clusters(conn, entity, fields, cids, refs):
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
    old_values, hashes, old_lineage = _stored(conn, entity, fields, [b[0] for b in built]) if stored else ({}, {}, {})
    out = _Unit([r for r in rows if hashes.get(r["external_id"]) != r["row_hash"]], [], [], 0)
    for cid, g, runs in built:
        old = old_lineage.get(cid, {})
        new, n = _lineage_of(g, runs, run_id, old_values.get(cid), old)
        out.lineage_changed += n
        if not new:  # no field has a value: no lineage
            if old:
                out.no_lineage.append(cid)
        elif n or set(old) - set(new):  # a field may lose its value
            out.lineage.append((entity, cid, encode_lineage(new)))
    return out


@contextmanager
def _unit_helper(url: str, spec: dict[str, Any]) -> Iterator[Callable[[list[str]], _Unit]]:
    """In a helper process: units of clusters built over its own connection."""
    with own_connection(url) as conn:
        yield partial(_build_unit, conn, **spec)


def build_entity_goldens(
    conn: Connection,
    entity: str,
    rules: SurvivorshipRules,
    run_id: int,
    reconciled: set[str],
    since: int | None = None,
    ref_ids: dict[str, dict[tuple[str, str], str]] | None = None,
    workers: int = 1,
) -> dict[str, int]:
    """Golden rows and lineage for the clusters of ``entity``; returns change counts.

    With ``since`` (the run of the last completed reconciliation) only clusters whose members
    or links changed after it are rebuilt; without it, all of them. ``ref_ids``: canonical ids
    per referenced entity read so far (filled here; shared by the entities of one stage, whose
    golden builds do not change the crosswalk). ``workers`` 2: a helper process builds some of
    the units of clusters (:func:`~hub.helper.shared_map`; ``helper_units`` in the
    counts); this one writes them all, in order.
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
    table, lt = MODELS[entity].__table__, GoldenLineage.__table__
    # nothing stored yet (a first build): no stored values or lineage to read back, unit by unit
    stored = _any(conn, select(table.c.external_id).where(table.c.system == GOLDEN)) or _any(
        conn, select(lt.c.canonical_id).where(lt.c.entity == entity)
    )
    spec: dict[str, Any] = dict(entity=entity, fields=fields, refs=refs, rules=rules, run_id=run_id, stored=stored)
    remote = remote_for(conn, _unit_helper, spec)
    changed = lineage_changed = 0
    units = _units(conn, entity, since, list(refs))
    helped: dict[str, int] = {}
    for u in shared_map(units, partial(_build_unit, conn, **spec), remote, workers, helped, preload=(__name__,)):
        lineage_changed += u.lineage_changed
        for cid in u.no_lineage:
            conn.execute(delete(lt).where(lt.c.entity == entity, lt.c.canonical_id == cid))
        changed += upsert(conn, table, u.rows, key=("system", "external_id"))
        _write_lineage(conn, u.lineage, fresh=not stored)
    removed = conn.execute(
        delete(table).where(table.c.system == GOLDEN, ~_linked(entity, table.c.external_id))
    ).rowcount
    conn.execute(delete(lt).where(lt.c.entity == entity, ~_linked(entity, lt.c.canonical_id)))
    out = {"golden_changed": changed, "golden_removed": removed or 0, "lineage_changed": lineage_changed}
    if helped.get("helper"):
        out["helper_units"] = helped["helper"]
    return out
