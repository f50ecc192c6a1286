"""payload shapes: staged payloads stored as [shape id, values...], the column names once in payload_shape

Every staged record repeated its column names in its JSON payload (about 45 % of its bytes). The
names now live once per column list in ``payload_shape``; ``source_record.payload`` holds the
list's id followed by the values. Decoding gives back the same keys in the same order and the
same values (so the same JSON text the record's hash was taken from).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:55:00
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
_CHUNK = 5000
_UPDATE = "UPDATE source_record SET payload = :p WHERE system = :s AND stream = :t AND external_id = :e"


def _keys_text(keys: list[str]) -> str:
    return json.dumps(keys, ensure_ascii=False, separators=(",", ":"))


def _digest(keys_text: str) -> str:  # as hub.store.payload.shape_digest (a migration stays as written)
    return hashlib.blake2b(keys_text.encode("utf-8"), digest_size=16).hexdigest()


_KEY = ("system", "stream", "external_id")


def _chunks(conn: Connection, columns: list[str]) -> Iterator[Sequence[Any]]:
    """``columns`` of every staged record, a chunk at a time in key order."""
    at = [columns.index(k) for k in _KEY]
    names = ", ".join(f'"{c}"' for c in columns)
    last: list[str] = ["", "", ""]
    while True:
        rows = conn.execute(
            text(
                f"SELECT {names} FROM source_record WHERE (system, stream, external_id) > (:s, :t, :e) "
                "ORDER BY system, stream, external_id LIMIT :n"
            ),
            {"s": last[0], "t": last[1], "e": last[2], "n": _CHUNK},
        ).all()
        if not rows:
            return
        yield rows
        last = [rows[-1][i] for i in at]


def _rewrite(conn: Connection, convert: Callable[[str], str]) -> None:
    """Every staged payload through ``convert``. SQLite: into a new copy of the table, filled in key
    order (rows rewritten in place would leave their pages part empty); PostgreSQL: in place."""
    if conn.dialect.name != "sqlite":
        for rows in _chunks(conn, [*_KEY, "payload"]):
            conn.execute(text(_UPDATE), [{"p": convert(p), "s": s, "t": t, "e": e} for s, t, e, p in rows])
        return
    create = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'source_record'"
    ).scalar()
    assert isinstance(create, str), "no source_record table"
    indexes = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'source_record' AND sql IS NOT NULL"
        )
    ]
    columns = [r[1] for r in conn.exec_driver_sql('PRAGMA table_info("source_record")')]
    _head, sep, rest = create.partition("(")
    conn.exec_driver_sql(f"CREATE TABLE _shaped_source_record {sep}{rest}")
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f"INSERT INTO _shaped_source_record ({names}) VALUES ({', '.join('?' for _ in columns)})"
    at = columns.index("payload")
    for rows in _chunks(conn, columns):
        conn.exec_driver_sql(insert, [(*r[:at], convert(r[at]), *r[at + 1 :]) for r in rows])
    conn.exec_driver_sql("DROP TABLE source_record")
    conn.exec_driver_sql("ALTER TABLE _shaped_source_record RENAME TO source_record")
    for sql in indexes:
        conn.exec_driver_sql(sql)


def upgrade() -> None:
    op.create_table(
        "payload_shape",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payload_shape")),
        sa.UniqueConstraint("digest", name=op.f("uq_payload_shape_digest")),
    )
    conn = op.get_bind()
    ids: dict[str, int] = {}

    def shape(keys: list[str]) -> int:
        textual = _keys_text(keys)
        sid = ids.get(textual)
        if sid is None:
            sid = ids[textual] = len(ids) + 1
            conn.execute(
                text("INSERT INTO payload_shape (id, keys, digest) VALUES (:i, :k, :d)"),
                {"i": sid, "k": textual, "d": _digest(textual)},
            )
        return sid

    def convert(payload: str) -> str:
        record: dict[str, Any] = json.loads(payload)
        return _ENCODER.encode([shape(list(record)), *record.values()])

    _rewrite(conn, convert)
    if conn.dialect.name == "postgresql" and ids:  # the id sequence continues after the ids given here
        conn.execute(text("SELECT setval(pg_get_serial_sequence('payload_shape', 'id'), :n)"), {"n": len(ids)})


def downgrade() -> None:
    conn = op.get_bind()
    shapes = {int(i): json.loads(k) for i, k in conn.execute(text("SELECT id, keys FROM payload_shape"))}

    def convert(payload: str) -> str:
        values = json.loads(payload)
        return _ENCODER.encode(dict(zip(shapes[values[0]], values[1:])))

    _rewrite(conn, convert)
    op.drop_table("payload_shape")
