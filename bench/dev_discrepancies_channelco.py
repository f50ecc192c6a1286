"""Development harness: order linking and discrepancy rules on a ChannelCo scenario, scored.

    .venv/bin/python bench/dev_discrepancies_channelco.py SCENARIO_DIR [--pred DIR] [--score PATH]

Reads the scenario made by ``../shared/bench/gen_channel_data.py`` directly with the csv module
(crm/*.csv UTF-8; drp/*.csv GB18030 with Chinese headers; edi/ X12), maps the rows to the
canonical fields the rules expect (acting as the mapping rules), runs ``hub.reconcile.orders``,
``hub.reconcile.cashapp`` and ``hub.reconcile.discrepancy_rules``, writes PRED/crosswalk.csv and
PRED/discrepancies.csv in the scorer's format, runs the scorer and prints timings.

STAND-IN: customers are NOT matched here. truth.json's ``customer_links`` stand in for the
customer matcher (another component's job), only to give orders and rules their customer
crosswalk. The same stand-in gives the duplicate_customer rows (pairs of one system in one
linked component); that kind measures the stand-in, not these rules.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.reconcile.cashapp import Invoice, Payment, RemittanceLine, apply_payments  # noqa: E402
from hub.reconcile.discrepancy_rules import (  # noqa: E402
    Location,
    StockPosition,
    credit_exceeded,
    inventory_variance,
    linked_pairs,
    order_amount_mismatch,
    order_line_mismatch,
    order_missing_in_crm,
    order_missing_in_drp,
    order_status_mismatch,
    unapplied_payment,
)
from hub.reconcile.orders import OrderLine, SalesOrder, link_orders  # noqa: E402
from hub.reconcile.rules_config import RulesConfig  # noqa: E402

CRM_STATUS = {"Draft": "draft", "Activated": "approved", "Shipped": "shipped", "Cancelled": "cancelled"}
DRP_STATUS = {"已审核": "approved", "已发货": "shipped", "已完成": "completed", "已关闭": "cancelled"}
WH_KIND = {"总仓": "central", "分仓": "branch", "经销商寄售仓": "consignment"}


def rows(path: Path, encoding: str) -> Iterator[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        yield from csv.DictReader(f)


def day(s: str):
    from datetime import date

    return date.fromisoformat(s.strip().replace("/", "-")) if s.strip() else None


# ----------------------------------------------------------------------------- X12
try:  # the project's X12 reader when it is there; else a minimal split on the ISA's separators
    from connectors.edi.x12 import iter_segments as _x12_iter
except ImportError:  # pragma: no cover - depends on the checkout
    _x12_iter = None


def x12_segments(path: Path) -> Iterator[list[str] | tuple[str, ...]]:
    """Segments of one interchange as element sequences, separators taken from the ISA."""
    if _x12_iter is not None:
        for _ic, seg, _delims in _x12_iter(path):
            yield seg.elements
        return
    text = path.read_text(encoding="ascii")
    if not text.startswith("ISA") or len(text) < 106:
        raise ValueError(f"{path}: not an X12 interchange")
    elem, term = text[3], text[105]
    for seg in text.split(term):
        seg = seg.strip("\r\n ")
        if seg:
            yield seg.split(elem)


def x12_date(s: str):
    from datetime import date

    return date(int(s[:4]), int(s[4:6]), int(s[6:8]))


def read_850(folder: Path, lines: dict) -> list[SalesOrder]:
    pos: list[SalesOrder] = []
    for f in sorted(folder.glob("*.x12")):
        po = None
        for el in x12_segments(f):
            tag = el[0]
            if tag == "BEG":
                po = {"po": el[3], "date": x12_date(el[5]), "store": None, "amount": None}
                lines[("edi", el[3])] = []
            elif po is None:
                continue
            elif tag == "N1" and el[1] == "ST":
                po["store"] = el[4] if len(el) > 4 else None
            elif tag == "PO1":
                lines[("edi", po["po"])].append(OrderLine(el[7], Decimal(el[2]), None, int(el[1])))
            elif tag == "AMT" and el[1] == "TT":
                po["amount"] = Decimal(el[2])
            elif tag == "SE":
                pos.append(SalesOrder("edi", po["po"], po["store"], po["po"], po["date"], None, None, po["amount"]))
                po = None
    return pos


def read_846(folder: Path) -> list[StockPosition]:
    out: list[StockPosition] = []
    for f in sorted(folder.glob("*.x12")):
        ref = as_of = owner = sku = None
        for el in x12_segments(f):
            tag = el[0]
            if tag == "BIA":
                ref, as_of = el[3], x12_date(el[4])
            elif tag == "N1" and el[1] == "DS":
                owner = el[4]
            elif tag == "LIN":
                sku = el[3]
            elif tag == "QTY" and el[1] == "33":
                out.append(StockPosition(sku, Decimal(el[2]), as_of, None, owner, ref))
    return out


def read_820(folder: Path) -> list[RemittanceLine]:
    out: list[RemittanceLine] = []
    for f in sorted(folder.glob("*.x12")):
        amt = pdate = trace = payer = None
        for el in x12_segments(f):
            tag = el[0]
            if tag == "BPR":
                amt, pdate = Decimal(el[2]), x12_date(el[16])
            elif tag == "TRN":
                trace = el[2]
            elif tag == "N1" and el[1] == "PR":
                payer = el[4]
            elif tag == "RMR":
                out.append(RemittanceLine(trace, payer, amt, pdate, el[2], Decimal(el[4]), Decimal(el[5])))
    return out


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--pred", type=Path, help="output directory (default SCENARIO/pred_dev)")
    ap.add_argument("--score", type=Path, default=REPO.parent / "shared" / "bench" / "score.py")
    ap.add_argument("--json", type=Path, help="write the scorer's full result here")
    a = ap.parse_args(argv)
    sc: Path = a.scenario
    pred: Path = a.pred or sc / "pred_dev"
    pred.mkdir(parents=True, exist_ok=True)
    cfg = RulesConfig()
    t: dict[str, float] = {}
    t0 = time.perf_counter()

    # --- CRM (UTF-8)
    # the product crosswalk as a mapper would build it: ProductCode when it is a DRP SKU, else unknown
    drp_skus = {r["物料编码"] for r in rows(sc / "drp" / "products.csv", "gb18030")}
    sku_of = {
        r["Id"]: (r["ProductCode"].strip() if r["ProductCode"].strip() in drp_skus else None)
        for r in rows(sc / "crm" / "Product2.csv", "utf-8")
    }
    crm_orders = [
        SalesOrder(
            "crm",
            r["Id"],
            r["AccountId"],
            r["OrderNumber"],
            day(r["EffectiveDate"]),
            CRM_STATUS.get(r["Status"]),
            r["Status"],
            Decimal(r["TotalAmount"]),
            None,
            r["ERP_Order_No__c"] or None,
        )
        for r in rows(sc / "crm" / "Order.csv", "utf-8")
    ]
    lines: dict[tuple[str, str], list[OrderLine]] = defaultdict(list)
    for r in rows(sc / "crm" / "OrderItem.csv", "utf-8"):
        lines[("crm", r["OrderId"])].append(OrderLine(sku_of.get(r["Product2Id"]), Decimal(r["Quantity"])))
    # --- DRP (GB18030, Chinese headers)
    g = "gb18030"
    drp_orders = [
        SalesOrder(
            "drp",
            r["订单号"],
            r["客户编码"],
            r["订单号"],
            day(r["订单日期"]),
            DRP_STATUS.get(r["状态"]),
            r["状态"],
            Decimal(r["订单金额"]),
            r["来源单号"] or None,
        )
        for r in rows(sc / "drp" / "sales_orders.csv", g)
    ]
    for r in rows(sc / "drp" / "sales_order_lines.csv", g):
        lines[("drp", r["订单号"])].append(
            OrderLine(r["物料编码"], Decimal(r["数量"]), Decimal(r["金额"]), int(r["行号"]))
        )
    customers = [
        {"external_id": r["客户编码"], "name": r["客户名称"], "credit_limit": r["信用额度"]}
        for r in rows(sc / "drp" / "customers.csv", g)
    ]
    locations = [
        Location(r["仓库编码"], WH_KIND.get(r["类型"], r["类型"]), r["所属客户编码"] or None)
        for r in rows(sc / "drp" / "warehouses.csv", g)
    ]
    stock = [
        StockPosition(r["物料编码"], Decimal(r["现存量"]), day(r["日期"]), r["仓库编码"])
        for r in rows(sc / "drp" / "inventory.csv", g)
    ]
    invoices = [
        Invoice(
            r["发票号"],
            r["客户编码"],
            Decimal(r["金额"]),
            Decimal(r["未收金额"]),
            day(r["开票日期"]),
            day(r["到期日"]),
            r["订单号"],
        )
        for r in rows(sc / "drp" / "invoices.csv", g)
    ]
    payments = [
        Payment(r["收款单号"], r["客户编码"], Decimal(r["金额"]), day(r["收款日期"]), r["摘要"] or None)
        for r in rows(sc / "drp" / "payments.csv", g)
    ]
    # --- EDI
    pos = read_850(sc / "edi" / "850", lines)
    edi_stock = read_846(sc / "edi" / "846")
    remits = read_820(sc / "edi" / "820")
    t["read files"] = time.perf_counter() - t0
    # the loaded rows live until the end: keep the cyclic GC from rescanning them on every collection
    gc.collect()
    gc.freeze()

    # --- STAND-IN for the customer matcher: components of truth.json customer_links
    t0 = time.perf_counter()
    truth = json.loads((sc / "truth" / "truth.json").read_text(encoding="utf-8"))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c, d in truth["customer_links"]:
        parent[find("crm:" + c)] = find("drp:" + d)
    comp = {k: find(k) for k in list(parent)}
    crm_cust = {k[4:]: v for k, v in comp.items() if k.startswith("crm:")}
    drp_cust = {k[4:]: v for k, v in comp.items() if k.startswith("drp:")}
    del truth
    t["customer stand-in"] = time.perf_counter() - t0

    # --- order linking
    t0 = time.perf_counter()
    lookup = lambda system, ext: lines.get((system, ext), ())  # noqa: E731
    res = link_orders(
        crm_orders,
        drp_orders,
        crm_customers=crm_cust,
        drp_customers=drp_cust,
        edi_orders=pos,
        lines=lookup,
        config=cfg.orders.link,
    )
    t["link orders"] = time.perf_counter() - t0
    by_rule: dict[str, int] = defaultdict(int)
    for lk in res.links:
        by_rule[lk.rule] += 1
    edi_rules: dict[str, int] = defaultdict(int)
    for e in res.edi_origins.values():
        edi_rules[e.rule] += 1

    # --- rules
    t0 = time.perf_counter()
    crm_by_id = {o.external_id: o for o in crm_orders}
    drp_by_no = {o.external_id: o for o in drp_orders}
    pairs = list(linked_pairs(res.links, crm_by_id, drp_by_no))
    linked_crm, linked_drp = res.crm_to_drp(), res.drp_to_crm()
    discs = []
    discs += order_missing_in_drp(crm_orders, linked_crm, cfg)
    discs += order_missing_in_crm(drp_orders, linked_drp, res.edi_origins, drp_cust, cfg)
    discs += order_amount_mismatch(pairs, cfg)
    discs += order_status_mismatch(pairs, cfg)
    line_discs = list(order_line_mismatch(pairs, lookup, cfg))
    t["order rules"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    discs += inventory_variance(locations, stock, edi_stock, cfg)
    t["inventory rule"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    payments.sort(key=lambda p: (p.payment_date, p.external_id))
    apps = list(apply_payments(payments, invoices, remits, cfg.payments))
    discs += unapplied_payment(apps, cfg)
    t["cash application"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    discs += credit_exceeded(customers, invoices, drp_orders, cfg)
    t["credit rule"] = time.perf_counter() - t0

    # --- output
    with (pred / "crosswalk.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["entity", "canonical_id", "system", "external_id"])
        for lk in res.links:
            w.writerow(["order", "o:" + lk.crm_order_id, "crm", lk.crm_order_id])
            w.writerow(["order", "o:" + lk.crm_order_id, "drp", lk.drp_order_no])
        for key, cid in comp.items():  # stand-in customer rows
            w.writerow(["customer", cid, key[:3], key[4:]])
    with (pred / "discrepancies.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "system", "external_id", "other_external_id"])
        for d in discs:
            w.writerow(d.scorer_row())
        members: dict[str, list[str]] = defaultdict(list)  # stand-in duplicate_customer rows
        for key, cid in comp.items():
            members[cid].append(key)
        for ms in members.values():
            for sysname in ("crm", "drp"):
                ids = sorted(k[4:] for k in ms if k[:3] == sysname)
                for i in range(len(ids)):
                    for j in range(i + 1, len(ids)):
                        w.writerow(["duplicate_customer", sysname, ids[i], ids[j]])

    print(
        f"order links by rule: {dict(by_rule)}; EDI origins by rule: {dict(edi_rules)}; "
        f"rejected refs: {len(res.rejected)}; line mismatches (extra kind, not scored): {len(line_discs)}"
    )
    print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in t.items()))
    cmd = [sys.executable, str(a.score), "--truth", str(sc / "truth" / "truth.json"), "--pred", str(pred)]
    if a.json:
        cmd += ["--json", str(a.json)]
    return subprocess.call(cmd)


if __name__ == "__main__":
    raise SystemExit(main())
