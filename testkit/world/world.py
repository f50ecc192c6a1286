"""The demo world in memory and :func:`generate`, which builds it and writes its files and truth."""

from __future__ import annotations

import random
from pathlib import Path

from testkit.world.edi import StockAndEdiBuilder
from testkit.world.finance import FinanceBuilder
from testkit.world.master import MasterDataBuilder
from testkit.world.orders import OrderBuilder
from testkit.world.parties import PartyBuilder
from testkit.world.rules import derive_discrepancies
from testkit.world.values import fen, x12date
from testkit.world.vocab import AS_OF, DISCREPANCY_KINDS, ORDERS_PER_CUSTOMER, RATES, STATUS_EQUIV, VERSION
from testkit.world.writer import HEADERS, write_csv, write_truth


class World(PartyBuilder, MasterDataBuilder, OrderBuilder, FinanceBuilder, StockAndEdiBuilder):
    """Builds every row of the demo world in memory, then writes files and truth."""

    def __init__(self, seed: int, customers: int):
        self.seed, self.n = seed, customers
        self.rows: dict[str, list] = {}
        self.x12: list[tuple[str, str]] = []  # (relative path, text)
        self.x846: list[tuple] = []  # (owner code, report day, {sku: qty})
        self.x820: list[tuple] = []  # (code, paid, day, trace, invoice, invoice amount, invoice day, party)
        self.counts: dict = {}
        self.ctrl = 300000000 + self.rng("ctrl").randrange(10**6)

    def rng(self, part: str) -> random.Random:
        return random.Random("channelhub-demo/%s/%d/%d/%s" % (VERSION, self.seed, self.n, part))

    def next_ctrl(self) -> int:
        self.ctrl += 1
        return self.ctrl

    @staticmethod
    def quota(rng: random.Random, pool: list, rate: float, minimum: int = 1) -> set:
        """A random subset of ``pool`` of about ``rate`` of its size, at least ``minimum``."""
        k = min(len(pool), max(minimum, round(rate * len(pool))))
        return set(rng.sample(pool, k))

    # ------------------------------------------------------------------ build all
    def build(self):
        self.build_people()
        self.build_products()
        self.build_parties()
        self.build_accounts()
        self.build_drp_customers()
        self.build_orders()
        self.build_money()
        self.build_credit()
        self.build_inventory()
        self.build_850()
        self.build_820()
        return self

    def truth(self) -> dict:
        ps = self.parties
        links = sorted([c, d] for p in ps if p.in_crm and p.in_drp for c in p.crm_ids for d in p.drp_codes)
        dups = {
            "crm": sorted(ps[i].crm_ids[:2] for i in self.crm_dup),
            "drp": sorted(ps[i].drp_codes[:2] for i in self.drp_dup),
        }
        order_links = [[co.oid, co.drp.no] for co in self.crm_orders if co.drp is not None]
        po_links = [[o.po, o.no] for o in self.drp_orders if o.po]
        x846 = [(owner, x12date(day), qty) for owner, day, qty in self.x846]
        x820 = [(code, fen(amount), x12date(day), trace, inv) for code, amount, day, trace, inv, *_ in self.x820]
        disc = derive_discrepancies(self.rows, links, dups, order_links, po_links, x846, x820)
        kinds = {k: sum(1 for d in disc if d["kind"] == k) for k in DISCREPANCY_KINDS}
        x12_files = {k: sum(1 for path, _ in self.x12 if path.startswith("edi/%s/" % k)) for k in ("846", "850", "820")}
        counts = {
            name: len(rows)
            for name, rows in (
                ("crm_users", self.rows["crm/User.csv"]),
                ("crm_accounts", self.rows["crm/Account.csv"]),
                ("crm_contacts", self.rows["crm/Contact.csv"]),
                ("crm_opportunities", self.rows["crm/Opportunity.csv"]),
                ("crm_orders", self.rows["crm/Order.csv"]),
                ("crm_order_items", self.rows["crm/OrderItem.csv"]),
                ("drp_customers", self.rows["drp/customers.csv"]),
                ("drp_salespeople", self.rows["drp/salespeople.csv"]),
                ("products", self.rows["drp/products.csv"]),
                ("drp_orders", self.rows["drp/sales_orders.csv"]),
                ("drp_order_lines", self.rows["drp/sales_order_lines.csv"]),
                ("invoices", self.rows["drp/invoices.csv"]),
                ("payments", self.rows["drp/payments.csv"]),
                ("warehouses", self.rows["drp/warehouses.csv"]),
                ("inventory_rows", self.rows["drp/inventory.csv"]),
                ("order_links", order_links),
                ("customer_links", links),
                ("x12_850_pos", po_links),
                ("x12_820_remittances", x820),
            )
        }
        counts.update(customers_real_world=len(ps), discrepancies=kinds, x12_files=x12_files)
        meta = {
            "generator": "channelhub examples/channelco/demo_world.py",
            "version": VERSION,
            "seed": self.seed,
            "customers": self.n,
            "orders_per_customer": ORDERS_PER_CUSTOMER,
            "noise": "demo",
            "params": RATES,
            "as_of": AS_OF.isoformat(),
            "order_amount_tolerance": 0.01,
            "status_equivalence": STATUS_EQUIV,
        }
        return {
            "meta": meta,
            "counts": dict(sorted(counts.items())),
            "customer_links": links,
            "crm_only": sorted(c for p in ps if p.in_crm and not p.in_drp for c in p.crm_ids),
            "drp_only": sorted(d for p in ps if p.in_drp and not p.in_crm for d in p.drp_codes),
            "duplicates": dups,
            "order_links": order_links,
            "discrepancies": disc,
            "salesperson_links": self.user_links,
            "product_links": self.product_links,
            "edi_po_links": po_links,
        }


def generate(out_dir: Path, seed: int = 7, customers: int = 200) -> dict:
    """Write the demo world into ``out_dir`` (created if missing) and return its counts."""
    if isinstance(customers, bool) or not isinstance(customers, int) or customers < 20:
        raise ValueError("customers must be an integer >= 20, got %r" % (customers,))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be an integer, got %r" % (seed,))
    out = Path(out_dir)
    world = World(seed, customers).build()
    truth = world.truth()
    for sub in ("crm", "drp", "edi/846", "edi/850", "edi/820", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("edi/846", "edi/850", "edi/820"):  # stale interchanges of an earlier run
        for old in (out / sub).glob("*.x12"):
            old.unlink()
    for name, header in HEADERS.items():
        write_csv(out / name, header, world.rows[name], name.startswith("crm/"))
    for rel, text in world.x12:
        with open(out / rel, "w", encoding="ascii", newline="") as f:
            f.write(text)
    write_truth(out / "truth" / "truth.json", truth)
    return truth["counts"]
