"""The extract's staged-record lookup on both backends: the keys staged (in this transaction too), nothing else."""

from __future__ import annotations

from hub.pipeline.extract import _STAGING_COLUMNS
from hub.store.bulk import upsert_tuples
from hub.store.engine import make_engine
from hub.store.fast import _PG_STAGED, driver_connection, staged_hashes
from hub.store.migrate import upgrade
from hub.store.models import SourceRecord


def _rows(stream: str, n: int, start: int = 0) -> list[tuple]:
    return [
        ("crm", stream, f"K{i:06d}", f"h{i}", "{}", f"f.csv:{i + 2}", 1, 1, f"h{i}:fp" if i % 2 else None, False)
        for i in range(start, start + n)
    ]


def test_lookup_finds_the_staged_keys_of_its_stream_only(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.begin() as conn:
        t = SourceRecord.__table__
        key = ("system", "stream", "external_id")
        upsert_tuples(conn, t, _STAGING_COLUMNS, _rows("Account", 30_000), key=key, change_column=None)
        upsert_tuples(conn, t, _STAGING_COLUMNS, _rows("Contact", 10), key=key, change_column=None)
        keys = [f"K{i:06d}" for i in range(29_990, 30_010)]  # ten staged, ten not
        got = staged_hashes(conn, "crm", "Account", keys, chunk=7)
        assert got == {f"K{i:06d}": (f"h{i}", f"h{i}:fp" if i % 2 else None) for i in range(29_990, 30_000)}
        assert staged_hashes(conn, "crm", "Contact", ["K000003", "K000010"]) == {"K000003": ("h3", "h3:fp")}
        assert staged_hashes(conn, "drp", "Account", keys) == {}
        if conn.dialect.name == "postgresql":
            # one primary-key probe per key, however few statistics the growing table has
            plan = driver_connection(conn).execute("EXPLAIN " + _PG_STAGED, [keys, "crm", "Account"]).fetchall()
            text = "\n".join(r[0] for r in plan)
            assert "Nested Loop" in text and "external_id)::text = k.id" in text, text
