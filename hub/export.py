"""``hub export``: crosswalk.csv and discrepancies.csv in the formats of the ChannelCo scorer.

Rows are sorted, so exporting an unchanged store twice gives byte-identical files.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine, select

from hub.store.models import CrosswalkLink, Discrepancy

#: canonical entity -> name used in the export
EXPORT_ENTITIES = {
    "party": "customer",
    "sales_order": "order",
    "salesperson": "salesperson",
    "product": "product",
    "person": "person",
}


def export(engine: Engine, out_dir: Path, systems: list[str] | None = None) -> dict[str, int]:
    """Write ``out_dir/crosswalk.csv`` and ``out_dir/discrepancies.csv``; returns row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    t = CrosswalkLink.__table__
    q = select(t.c.entity, t.c.canonical_id, t.c.system, t.c.external_id).where(t.c.entity.in_(EXPORT_ENTITIES))
    if systems:
        q = q.where(t.c.system.in_(systems))
    q = q.order_by(t.c.entity, t.c.canonical_id, t.c.system, t.c.external_id)
    n_links = 0
    with (
        engine.connect() as conn,
        _writer(out_dir / "crosswalk.csv", ["entity", "canonical_id", "system", "external_id"]) as w,
    ):
        for entity, cid, system, ext in conn.execute(q):
            w.writerow([EXPORT_ENTITIES[entity], cid, system, ext])
            n_links += 1
    d = Discrepancy.__table__
    dq = (
        select(d.c.kind, d.c.system, d.c.external_id, d.c.other_external_id)
        .where(d.c.status != "resolved")
        .order_by(d.c.kind, d.c.key)
    )
    n_disc = 0
    with (
        engine.connect() as conn,
        _writer(out_dir / "discrepancies.csv", ["kind", "system", "external_id", "other_external_id"]) as w,
    ):
        for kind, system, ext, other in conn.execute(dq):
            w.writerow([kind, system or "", ext, other or ""])
            n_disc += 1
    return {"crosswalk": n_links, "discrepancies": n_disc}


class _writer:
    """A CSV writer on a temp file, moved into place on success (no half-written exports)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path, self.header = path, header

    def __enter__(self):
        self.tmp = self.path.with_suffix(self.path.suffix + ".part")
        self.fh = self.tmp.open("w", encoding="utf-8", newline="")
        w = csv.writer(self.fh, lineterminator="\n")
        w.writerow(self.header)
        return w

    def __exit__(self, exc_type, exc, tb) -> None:
        self.fh.close()
        if exc_type is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)
