"""compact store: text-keyed tables WITHOUT ROWID on SQLite; mapped marker holds the rules fingerprint only

On SQLite a table keyed by text columns kept each row twice over: the rowid table and an index
holding a copy of the key. The staged records, golden lineage, crosswalk, match keys and the
canonical tables are rebuilt as ``WITHOUT ROWID`` tables (rows stored in the primary key's b-tree).
PostgreSQL has no such option: its tables are left as they are.

``source_record.mapped_hash`` held ``<record hash>:<rules fingerprint>``; every writer of ``hash``
writes it too, so the hash part repeated the ``hash`` column. It now holds the fingerprint alone
(a marker whose hash part differs from ``hash`` becomes NULL: the record is mapped again, as before).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import op
from sqlalchemy import Connection, text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: tables rebuilt WITHOUT ROWID on SQLite
TABLES = (
    "source_record",
    "golden_lineage",
    "crosswalk",
    "match_key",
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

_SUFFIX = " WITHOUT ROWID"
#: the fingerprint part of an old marker, NULL when its hash part is not the record's hash
_FINGERPRINT = (
    "CASE WHEN substr(mapped_hash, 1, length(hash) + 1) = hash || ':' THEN substr(mapped_hash, length(hash) + 2) END"
)
_MARKER = "CASE WHEN mapped_hash IS NOT NULL THEN hash || ':' || mapped_hash END"


def _rebuild(conn: Connection, name: str, ddl: Callable[[str], str], select: dict[str, str]) -> None:
    """Copy table ``name`` into a new one created by ``ddl(old create statement)``, in primary key
    order (a clustered table filled in key order is packed densely), then put it in its place with
    its indexes."""
    create = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).scalar()
    indexes = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (name,)
        )
    ]
    info = conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all()
    columns = [r[1] for r in info]
    key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    tmp = f"_compact_{name}"
    assert isinstance(create, str), f"no table {name}"
    _head, sep, rest = create.partition("(")
    conn.exec_driver_sql(f'CREATE TABLE "{tmp}" {sep}{ddl(rest)}')
    cols = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(select.get(c, f'"{c}"') for c in columns)
    order = ", ".join(f'"{c}"' for c in key)
    conn.exec_driver_sql(f'INSERT INTO "{tmp}" ({cols}) SELECT {values} FROM "{name}" ORDER BY {order}')
    conn.exec_driver_sql(f'DROP TABLE "{name}"')
    conn.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{name}"')
    for sql in indexes:
        conn.exec_driver_sql(sql)


def _without_rowid(rest: str) -> str:
    rest = rest.rstrip()
    return rest if rest.upper().endswith(_SUFFIX) else rest + _SUFFIX


def _with_rowid(rest: str) -> str:
    rest = rest.rstrip()
    return rest[: -len(_SUFFIX)].rstrip() if rest.upper().endswith(_SUFFIX) else rest


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        conn.execute(text(f"UPDATE source_record SET mapped_hash = {_FINGERPRINT} WHERE mapped_hash IS NOT NULL"))
        return
    for name in TABLES:
        _rebuild(conn, name, _without_rowid, {"mapped_hash": _FINGERPRINT} if name == "source_record" else {})


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        conn.execute(text(f"UPDATE source_record SET mapped_hash = {_MARKER}"))
        return
    for name in TABLES:
        _rebuild(conn, name, _with_rowid, {"mapped_hash": _MARKER} if name == "source_record" else {})
