"""grouped lineage and short content hashes

``golden_lineage`` held a row per field of every golden record, each naming the system, record,
rule and run of its value; a record's fields nearly always share all four. It now holds one row
per (entity, canonical id) whose ``lineage`` is a JSON list of groups ``[system, external id,
rule, run, field, field, ...]``: the groups in the order of their first field, the fields in the
order of the entity's table columns (as the hub writes them). The table is rebuilt: the old rows
are read a chunk at a time in key order into a new table, which then takes the old one's place.

Content hashes only tell whether a record changed: ``source_record.hash`` (and the copy a
quarantined record keeps) and the canonical tables' ``row_hash`` now hold the first 16 hex digits
(64 bits) of the same digest, as the hub now computes them, so a rerun over unchanged data still
finds every record unchanged. SQLite: the tables are rebuilt in key order (rows shortened in place
would leave their pages part empty); PostgreSQL: updated in place. A downgrade keeps the short
hashes: the older code then sees every record as changed once and writes it again.

All of it runs in the migration's transaction: a killed upgrade leaves the store as it was.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, text

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CHUNK = 5000
_SHORT = 16
_IDS = 500  # canonical ids per lookup of their golden rows
#: canonical table columns that are not values
_HIDDEN = ("system", "external_id", "row_hash", "run_id", "deleted")
#: canonical entity tables (their ``row_hash``)
CANONICAL = (
    "party",
    "contact",
    "person",
    "salesperson",
    "product",
    "location",
    "inventory",
    "sales_order",
    "order_line",
    "invoice",
    "invoice_line",
    "fulfilment_line",
    "payment",
    "remittance_line",
    "opportunity",
)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_TMP = "_grouped_golden_lineage"


def _create(conn: Connection, name: str, columns: str, key: str) -> None:
    """A table ``name`` with ``columns`` and primary key ``key``, named ``pk_golden_lineage`` once in place
    (SQLite: WITHOUT ROWID, the constraint named so at once; PostgreSQL: renamed after the swap)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f'CREATE TABLE "{name}" ({columns}, CONSTRAINT pk_golden_lineage PRIMARY KEY ({key})) WITHOUT ROWID'
        )
    else:
        conn.exec_driver_sql(f'CREATE TABLE "{name}" ({columns}, CONSTRAINT "pk_{name}" PRIMARY KEY ({key}))')


def _swap(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE golden_lineage")
    conn.exec_driver_sql(f'ALTER TABLE "{_TMP}" RENAME TO golden_lineage')
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(f'ALTER TABLE golden_lineage RENAME CONSTRAINT "pk_{_TMP}" TO pk_golden_lineage')


def _keyset(conn: Connection, columns: str, key: tuple[str, ...]) -> Iterator[Sequence[Any]]:
    """``columns`` of every ``golden_lineage`` row, a chunk at a time in ``key`` order."""
    names = ", ".join(key)
    marks = ", ".join(f":k{i}" for i in range(len(key)))
    first = f"SELECT {columns} FROM golden_lineage ORDER BY {names} LIMIT :n"
    after = f"SELECT {columns} FROM golden_lineage WHERE ({names}) > ({marks}) ORDER BY {names} LIMIT :n"
    rows = conn.execute(text(first), {"n": _CHUNK}).all()
    while rows:
        yield rows
        last = {f"k{i}": rows[-1][i] for i in range(len(key))}
        rows = conn.execute(text(after), {**last, "n": _CHUNK}).all()


def _fields(conn: Connection) -> dict[str, list[str]]:
    """Per entity with lineage, its table's value columns in table order (none: no such table)."""
    insp = sa.inspect(conn)
    tables = set(insp.get_table_names())
    entities = [r[0] for r in conn.execute(text("SELECT DISTINCT entity FROM golden_lineage"))]
    return {
        e: [c["name"] for c in insp.get_columns(e) if c["name"] not in _HIDDEN] if e in tables else [] for e in entities
    }


def _present(
    conn: Connection, fields: dict[str, list[str]], records: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[str]]:
    """Per (entity, canonical id) of ``records``: the fields of its golden row that hold a value."""
    out: dict[tuple[str, str], list[str]] = {}
    by_entity: dict[str, list[str]] = {}
    for e, c in records:
        by_entity.setdefault(e, []).append(c)
    for e, cids in by_entity.items():
        names = fields[e]
        if not names:
            continue
        has = ", ".join(f'"{f}" IS NOT NULL' for f in names)
        for start in range(0, len(cids), _IDS):
            part = cids[start : start + _IDS]
            marks = ", ".join(f":c{i}" for i in range(len(part)))
            sql = f"SELECT external_id, {has} FROM \"{e}\" WHERE system = 'golden' AND external_id IN ({marks})"
            for r in conn.execute(text(sql), {f"c{i}": c for i, c in enumerate(part)}):
                out[(e, r[0])] = [f for f, v in zip(names, r[1:]) if v]
    return out


def _encode(rows: list[tuple[Any, ...]], names: list[str], present: list[str] | None) -> str:
    """One record's lineage rows (field, system, external id, rule, run) in the grouped form (as
    ``hub.reconcile.store.golden.encode_lineage`` writes it): the largest group names no fields
    when the lineage covers exactly the fields of the golden row that hold a value (``present``);
    otherwise every group names its fields."""
    order = {f: i for i, f in enumerate(names)}
    groups: dict[tuple[Any, ...], list[str]] = {}
    for f, *source in sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[0])):
        groups.setdefault(tuple(source), []).append(f)
    covered = present is not None and {r[0] for r in rows} == set(present)
    rest = max(groups, key=lambda source: len(groups[source])) if covered else None
    return _ENCODER.encode([[*source] if source == rest else [*source, *fs] for source, fs in groups.items()])


def _rebuild(conn: Connection, name: str, select: dict[str, str]) -> None:
    """SQLite: copy table ``name`` into a new one of the same definition with ``select``'s columns
    computed, in primary key order (a clustered table filled in key order is packed densely), then
    put it in its place with its indexes."""
    create = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).scalar()
    assert isinstance(create, str), f"no table {name}"
    indexes = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (name,)
        )
    ]
    info = conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all()
    columns = [r[1] for r in info]
    key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    tmp = f"_short_{name}"
    _head, sep, rest = create.partition("(")
    conn.exec_driver_sql(f'CREATE TABLE "{tmp}" {sep}{rest}')
    cols = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(select.get(c, f'"{c}"') for c in columns)
    order = ", ".join(f'"{c}"' for c in key)
    conn.exec_driver_sql(f'INSERT INTO "{tmp}" ({cols}) SELECT {values} FROM "{name}" ORDER BY {order}')
    conn.exec_driver_sql(f'DROP TABLE "{name}"')
    conn.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{name}"')
    for sql in indexes:
        conn.exec_driver_sql(sql)


def _shorten(conn: Connection, name: str, column: str) -> None:
    """``column`` of table ``name`` cut to its first :data:`_SHORT` characters."""
    short = f"substr({column}, 1, {_SHORT})"
    if conn.dialect.name == "sqlite":
        _rebuild(conn, name, {column: short})
    else:
        conn.execute(text(f"UPDATE {name} SET {column} = {short} WHERE length({column}) > {_SHORT}"))


def _short_hashes(conn: Connection) -> None:
    tables = set(sa.inspect(conn).get_table_names())
    _shorten(conn, "source_record", "hash")
    conn.execute(text(f"UPDATE quarantine SET hash = substr(hash, 1, {_SHORT}) WHERE length(hash) > {_SHORT}"))
    for name in CANONICAL:
        if name in tables:
            _shorten(conn, name, "row_hash")


def upgrade() -> None:
    conn = op.get_bind()
    _short_hashes(conn)
    _create(
        conn,
        _TMP,
        "entity VARCHAR NOT NULL, canonical_id VARCHAR NOT NULL, lineage TEXT NOT NULL",
        "entity, canonical_id",
    )
    fields = _fields(conn)
    insert = text(f"INSERT INTO {_TMP} (entity, canonical_id, lineage) VALUES (:e, :c, :l)")

    def write(records: dict[tuple[str, str], list[tuple[Any, ...]]]) -> None:
        present = _present(conn, fields, list(records))
        conn.execute(
            insert,
            [{"e": e, "c": c, "l": _encode(rows, fields[e], present.get((e, c)))} for (e, c), rows in records.items()],
        )

    done: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    columns = "entity, canonical_id, field, system, external_id, rule, run_id"
    for chunk in _keyset(conn, columns, ("entity", "canonical_id", "field")):
        for e, c, *rest in chunk:
            done.setdefault((e, c), []).append(tuple(rest))
        last = (chunk[-1][0], chunk[-1][1])  # its rows may go on in the next chunk
        held = done.pop(last)
        if done:
            write(done)
        done = {last: held}
    if done:
        write(done)
    _swap(conn)


def downgrade() -> None:
    conn = op.get_bind()
    _create(
        conn,
        _TMP,
        "entity VARCHAR NOT NULL, canonical_id VARCHAR NOT NULL, field VARCHAR NOT NULL, system VARCHAR NOT NULL, "
        "external_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, run_id INTEGER NOT NULL",
        "entity, canonical_id, field",
    )
    fields = _fields(conn)
    insert = text(
        f"INSERT INTO {_TMP} (entity, canonical_id, field, system, external_id, rule, run_id) "
        "VALUES (:e, :c, :f, :s, :x, :r, :n)"
    )
    for chunk in _keyset(conn, "entity, canonical_id, lineage", ("entity", "canonical_id")):
        present = _present(conn, fields, [(e, c) for e, c, _ in chunk])
        out: list[dict[str, Any]] = []
        for e, c, lineage in chunk:
            named: set[str] = set()
            rest = None
            for s, x, r, n, *fs in json.loads(lineage):
                if not fs:
                    rest = (s, x, r, n)
                named.update(fs)
                out.extend({"e": e, "c": c, "f": f, "s": s, "x": x, "r": r, "n": n} for f in fs)
            if rest is not None:
                s, x, r, n = rest
                others = [f for f in present.get((e, c), []) if f not in named]
                out.extend({"e": e, "c": c, "f": f, "s": s, "x": x, "r": r, "n": n} for f in others)
        if out:
            conn.execute(insert, out)
    _swap(conn)
