"""Incremental reconciliation under many kinds of change equals a full run on the changed data.

A day of business in both systems (edited phones, names, addresses, amounts, statuses, line
quantities, memos; orders and payments moved to another customer; a new account), then a rerun
on the same store. Canonical ids may legitimately differ from a fresh store's (ids are kept
across merges and splits), so links are compared as clusters and golden records by their
members; discrepancies and the review queue must be equal as they are.
"""

from __future__ import annotations

import csv
import io
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from hub.runner import run_pipeline
from hub.store.models import MODELS, Discrepancy, ReviewItem
from tests.helpers.channelco import channelco_store

ENC = {"crm": "utf-8", "drp": "gb18030"}
EDITS = {
    "crm/Account.csv": ["Phone", "BillingStreet", "Name"],
    "crm/Order.csv": ["TotalAmount", "Status"],
    "crm/OrderItem.csv": ["Quantity"],
    "drp/customers.csv": ["电话", "地址", "信用额度", "客户名称"],
    "drp/sales_orders.csv": ["订单金额", "状态", "客户编码"],
    "drp/sales_order_lines.csv": ["数量"],
    "drp/invoices.csv": ["未收金额"],
    "drp/payments.csv": ["摘要", "客户编码"],
}
CODED = {"Status", "状态", "客户编码"}


def _read(path: Path, enc: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(enc), newline="")))


def _write(path: Path, enc: str, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL if enc == "utf-8" else csv.QUOTE_MINIMAL).writerows(
        rows
    )
    path.write_bytes(buf.getvalue().encode(enc))


def day_of_business(world: Path, seed: int, share: float = 0.01) -> None:
    rnd = random.Random(seed)
    for rel, columns in EDITS.items():
        path, enc = world / rel, ENC[rel.split("/")[0]]
        rows = _read(path, enc)
        header, body = rows[0], rows[1:]
        for i in rnd.sample(range(len(body)), max(2, int(len(body) * share))):
            c = header.index(rnd.choice(columns))
            value = body[i][c]
            if header[c] in CODED:  # another value the column already holds (a status, a customer)
                body[i][c] = rnd.choice(sorted({r[c] for r in body if r[c] and r[c] != value}))
            elif value.replace(".", "", 1).isdigit():
                body[i][c] = (
                    f"{float(value) * rnd.uniform(0.5, 1.5):.2f}"
                    if "." in value
                    else str(int(value) + rnd.randint(1, 5))
                )
            else:
                body[i][c] = f"{value} {rnd.randint(1, 99)}"
        if rel == "crm/Account.csv":  # a new CRM account copying a DRP customer's name and phone
            drp = _read(world / "drp/customers.csv", ENC["drp"])
            src = drp[1 + rnd.randrange(len(drp) - 1)]
            dh = drp[0]
            new = [""] * len(header)
            new[header.index("Id")] = "001NEWACCOUNT0001"
            new[header.index("Name")] = src[dh.index("客户名称")]
            new[header.index("Phone")] = src[dh.index("电话")]
            new[header.index("BillingCity")] = src[dh.index("城市")]
            body.append(new)
        _write(path, enc, [header, *body])


def _norm(v: Any) -> str:
    """One text form per value on both backends (decimals' scale, JSON as text)."""
    if isinstance(v, Decimal):
        return str(v.normalize())
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
    return str(v)


def _clusters(engine: Engine) -> dict[str, set[frozenset[tuple[str, str]]]]:
    out: dict[str, dict[str, set[tuple[str, str]]]] = {}
    with engine.connect() as conn:
        for entity, cid, system, ext in conn.execute(
            text("SELECT entity, canonical_id, system, external_id FROM crosswalk")
        ):
            out.setdefault(entity, {}).setdefault(cid, set()).add((system, ext))
    return {e: {frozenset(m) for m in g.values()} for e, g in out.items()}


def _goldens(engine: Engine, entity: str) -> dict[frozenset[tuple[str, str]], tuple[Any, ...]]:
    """Golden rows keyed by their cluster's members; references shown as the referenced cluster."""
    with engine.connect() as conn:
        members: dict[str, set[tuple[str, str]]] = {}
        for e, cid, system, ext in conn.execute(
            text("SELECT entity, canonical_id, system, external_id FROM crosswalk")
        ):
            members.setdefault(cid, set()).add((e, system, ext))
        ref = {cid: tuple(sorted(m)) for cid, m in members.items()}
        t = MODELS[entity].__table__
        rows = conn.execute(select(t).where(t.c.system == "golden")).mappings()
        out = {}
        for r in rows:
            vals = tuple(
                sorted(
                    (k, _norm(ref.get(v, v) if isinstance(v, str) else v))
                    for k, v in r.items()
                    if k not in ("external_id", "run_id", "row_hash")
                )
            )
            out[frozenset(ref[r["external_id"]])] = vals
        return out


def _rows(engine: Engine, table: Any, columns: list[str], *where: Any) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        return sorted(
            tuple(_norm(v) for v in r) for r in conn.execute(select(*[table.c[c] for c in columns]).where(*where))
        )


def test_incremental_run_after_a_day_of_business_equals_a_full_run(
    world: Path, tmp_path: Path, monkeypatch, store_url: str
) -> None:
    """Incremental on each backend; the full run on SQLite."""
    config, inc = channelco_store(monkeypatch, world, store_url)
    run_pipeline(config, "channelco", engine=inc)
    for day in (1, 2):
        day_of_business(world, seed=day)
        result = run_pipeline(config, "channelco", engine=inc)
        detail = next(s for s in result.stages if s["stage"] == "reconcile")
        assert detail["recheck"] != "all customers", detail["recheck"]
        assert "rematched" in detail["party"]

    config, full = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'full.db'}")
    run_pipeline(config, "channelco", engine=full)

    assert _clusters(inc) == _clusters(full)
    for entity in ("party", "sales_order"):
        assert _goldens(inc, entity) == _goldens(full, entity), entity
    d = Discrepancy.__table__
    cols = ["kind", "key", "system", "severity", "message", "details", "status"]
    assert _rows(inc, d, cols, d.c.status != "resolved") == _rows(full, d, cols, d.c.status != "resolved")
    r = ReviewItem.__table__
    cols = ["system_a", "id_a", "system_b", "id_b", "score", "status"]
    assert _rows(inc, r, cols) == _rows(full, r, cols)
